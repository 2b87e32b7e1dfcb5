// DPoP-bound access tokens at a resource server (RFC 9449 §4.3, §7): against
// the fake Gatehouse on 127.0.0.1, with tokens bound to a client key by `cnf.jkt`
// and proofs signed by that key (or by the wrong one).
import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { accessTokenHash, createMemoryReplayCache, type DpopReplayCache } from './dpop.ts';
import { InsufficientScopeError, InvalidDpopProofError, InvalidTokenError, VerifierUnavailableError } from './errors.ts';
import { errorAnswer } from './responses.ts';
import { makeDpopKey, signDpopProof, type DpopKey, type ProofOptions } from './testing/dpop-client.ts';
import { makeSigningKey, signAccessToken, startFakeGatehouse, type FakeGatehouse, type SigningKey } from './testing/fake-gatehouse.ts';
import { createVerifier, requireScopes, type Verifier, type VerifierOptions } from './verify.ts';

const RESOURCE = 'http://localhost:3120/mcp';
const RMU = 'http://localhost:3120/.well-known/oauth-protected-resource/mcp';
const ALGS = 'ES256 ES384 PS256 RS256 Ed25519 EdDSA';
let gh: FakeGatehouse;
let signing: SigningKey;
let client: DpopKey;
let thief: DpopKey;
let clock: number;

beforeAll(async () => {
  gh = await startFakeGatehouse();
  [signing, client, thief] = await Promise.all([makeSigningKey('k1'), makeDpopKey(), makeDpopKey()]);
  gh.published.push(signing.publicJwk);
});
afterAll(() => gh.close());
beforeEach(() => {
  gh.answers.clear();
  clock = Date.now();
});

const nowSec = () => Math.floor(clock / 1000);
const verifier = (extra: Partial<VerifierOptions> = {}) => createVerifier({ issuer: gh.issuer, resource: RESOURCE, jwksUri: gh.jwksUri, now: () => clock, ...extra });
/** A Gatehouse access token bound to `key` (RFC 9449 §6.1). */
const boundToken = (key: DpopKey = client, claims: Record<string, unknown> = {}, audience = RESOURCE) =>
  signAccessToken(signing, { issuer: gh.issuer, audience, iat: nowSec(), claims: { cnf: { jkt: key.jkt }, ...claims } });
const proof = (token: string, opts: Partial<ProofOptions> = {}, key: DpopKey = client) => signDpopProof(key, { method: 'POST', url: RESOURCE, token, iat: nowSec(), ...opts });
/** A request as the client sends it: `Authorization: DPoP <token>` and the proof. */
const dpopRequest = (token: string, dpop: string | null, init: { method?: string; url?: string; scheme?: string } = {}) =>
  new Request(init.url ?? RESOURCE, { method: init.method ?? 'POST', headers: { Authorization: `${init.scheme ?? 'DPoP'} ${token}`, ...(dpop ? { DPoP: dpop } : {}) } });
const refusal = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error as Error & { scheme?: string; code?: string; status?: number });
const challenge = (error: unknown) => errorAnswer(error, { resourceMetadataUrl: RMU, dpopAlgorithms: ALGS.split(' ') });

describe('a DPoP-bound token with its proof', () => {
  it('is accepted, and the result says which key it is bound to', async () => {
    const token = await boundToken();
    const auth = await verifier().verifyRequest(dpopRequest(token, await proof(token)));
    expect(auth).toMatchObject({ sub: 'user-1', kind: 'access_token', confirmation: { jkt: client.jkt } });
  });

  it('is accepted from a node:http request (a path, and the method) and from a cached verification', async () => {
    const v = verifier();
    const token = await boundToken();
    await v.verifyToken(token, { dpop: { proof: await proof(token), method: 'POST', url: RESOURCE } });
    const nodeLike = { method: 'POST', url: '/mcp?session=1', headers: { authorization: `DPoP ${token}`, dpop: await proof(token) } };
    await expect(v.verifyRequest(nodeLike)).resolves.toMatchObject({ confirmation: { jkt: client.jkt } });
  });

  it('an unbound token keeps working as Bearer and says it is not key-bound', async () => {
    const token = await signAccessToken(signing, { issuer: gh.issuer, audience: RESOURCE, iat: nowSec() });
    await expect(verifier().verifyRequest(dpopRequest(token, null, { scheme: 'Bearer' }))).resolves.toMatchObject({ confirmation: null });
  });
});

describe('refused', () => {
  it('a bound token presented as a plain Bearer token (with or without a proof)', async () => {
    const v = verifier();
    const token = await boundToken();
    for (const request of [dpopRequest(token, null, { scheme: 'Bearer' }), dpopRequest(token, await proof(token), { scheme: 'Bearer' })]) {
      const error = await refusal(v.verifyRequest(request));
      expect(error).toBeInstanceOf(InvalidTokenError);
      expect(error!.message).toMatch(/DPoP scheme/);
      expect(challenge(error).headers['WWW-Authenticate']).toBe(
        `Bearer resource_metadata="${RMU}", error="invalid_token", error_description="the token is bound to a key: present it with the DPoP scheme and a proof", DPoP resource_metadata="${RMU}", algs="${ALGS}"`,
      );
    }
    // verifyToken without a presentation is a bearer use too (the MCP SDK's requireBearerAuth path).
    await expect(v.verifyToken(token)).rejects.toThrow(/bound to a key/);
  });

  it('a bound token without a proof', async () => {
    const token = await boundToken();
    const error = await refusal(verifier().verifyRequest(dpopRequest(token, null)));
    expect(error).toBeInstanceOf(InvalidDpopProofError);
    const answer = challenge(error);
    expect(answer.status).toBe(401);
    expect(answer.headers['WWW-Authenticate']).toBe(
      `Bearer resource_metadata="${RMU}", DPoP resource_metadata="${RMU}", error="invalid_dpop_proof", error_description="a DPoP-bound token needs a DPoP proof in the DPoP header", algs="${ALGS}"`,
    );
    expect(answer.body).toEqual({ error: 'invalid_dpop_proof', error_description: 'a DPoP-bound token needs a DPoP proof in the DPoP header' });
  });

  it('a proof signed by another key than the one the token is bound to (a stolen token)', async () => {
    const token = await boundToken();
    const error = await refusal(verifier().verifyRequest(dpopRequest(token, await proof(token, {}, thief))));
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(challenge(error).headers['WWW-Authenticate']).toBe(
      `Bearer resource_metadata="${RMU}", DPoP resource_metadata="${RMU}", error="invalid_token", error_description="the DPoP proof was signed by a key the token is not bound to", algs="${ALGS}"`,
    );
  });

  it('a proof used twice, within one verifier and across instances sharing a replay cache', async () => {
    const token = await boundToken();
    const once = await proof(token);
    const v = verifier();
    await expect(v.verifyRequest(dpopRequest(token, once))).resolves.toMatchObject({ sub: 'user-1' });
    await expect(v.verifyRequest(dpopRequest(token, once))).rejects.toThrow(/already used/);

    const shared = createMemoryReplayCache({ now: () => clock });
    const [a, b] = [verifier({ dpop: { replayCache: shared } }), verifier({ dpop: { replayCache: shared } })];
    const twice = await proof(token);
    await a.verifyRequest(dpopRequest(token, twice));
    const error = await refusal(b.verifyRequest(dpopRequest(token, twice)));
    expect(error).toBeInstanceOf(InvalidDpopProofError);
    expect(error!.message).toMatch(/already used/);
  });

  it('a proof for another URL; the Host the request claims does not count, the query does not either', async () => {
    const v = verifier();
    const token = await boundToken();
    await expect(v.verifyRequest(dpopRequest(token, await proof(token, { url: 'http://localhost:3120/other' })))).rejects.toThrow(/another URL/);
    // The socket's Host says evil.example; the proof names it; the public URL does not.
    const evil = await proof(token, { url: 'http://evil.example/mcp' });
    await expect(v.verifyRequest(dpopRequest(token, evil, { url: 'http://evil.example/mcp' }))).rejects.toThrow(/another URL/);
    await expect(v.verifyRequest(dpopRequest(token, await proof(token), { url: 'http://127.0.0.1:9/mcp' }))).resolves.toMatchObject({ sub: 'user-1' });
    await expect(v.verifyRequest(dpopRequest(token, await proof(token, { url: `${RESOURCE}?x=1#f` }), { url: `${RESOURCE}?y=2` }))).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('behind a proxy that strips a prefix, htu is checked against dpop.publicUrl', async () => {
    const v = verifier({ dpop: { publicUrl: 'https://mcp.example.com/tools/' } });
    const token = await boundToken();
    const nodeLike = async (htu: string) => ({ method: 'POST', url: '/mcp', headers: { authorization: `DPoP ${token}`, dpop: await proof(token, { url: htu }) } });
    await expect(v.verifyRequest(await nodeLike('https://MCP.example.com:443/tools/mcp'))).resolves.toMatchObject({ sub: 'user-1' });
    await expect(v.verifyRequest(await nodeLike(RESOURCE))).rejects.toThrow(/another URL/);
  });

  it('a proof for another HTTP method', async () => {
    const token = await boundToken();
    await expect(verifier().verifyRequest(dpopRequest(token, await proof(token, { method: 'GET' })))).rejects.toThrow(/another HTTP method/);
    await expect(verifier().verifyRequest(dpopRequest(token, await proof(token, { method: 'post' })))).rejects.toThrow(/another HTTP method/);
  });

  it('a proof without ath, or made for another token', async () => {
    const token = await boundToken();
    const other = await boundToken();
    await expect(verifier().verifyRequest(dpopRequest(token, await proof(token, { ath: null })))).rejects.toThrow(/ath is missing/);
    await expect(verifier().verifyRequest(dpopRequest(token, await proof(other)))).rejects.toThrow(/another access token/);
  });

  it('a stale proof, or one from the future (iat outside dpop.maxAgeSec, default 60 s)', async () => {
    const token = await boundToken();
    const v = verifier();
    await expect(v.verifyRequest(dpopRequest(token, await proof(token, { iat: nowSec() - 61 })))).rejects.toThrow(/too old/);
    await expect(v.verifyRequest(dpopRequest(token, await proof(token, { iat: nowSec() + 61 })))).rejects.toThrow(/from the future/);
    await expect(v.verifyRequest(dpopRequest(token, await proof(token, { iat: nowSec() - 59 })))).resolves.toMatchObject({ sub: 'user-1' });
    await expect(verifier({ dpop: { maxAgeSec: 10 } }).verifyRequest(dpopRequest(token, await proof(token, { iat: nowSec() - 11 })))).rejects.toThrow(/too old/);
  });

  it('a proof with a symmetric algorithm, or none', async () => {
    const token = await boundToken();
    const claims = { jti: crypto.randomUUID(), htm: 'POST', htu: RESOURCE, iat: nowSec(), ath: accessTokenHash(token) };
    const hs256 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: client.publicJwk }).sign(new Uint8Array(32));
    await expect(verifier().verifyRequest(dpopRequest(token, hs256))).rejects.toThrow(/asymmetric algorithms/);
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const none = `${b64({ alg: 'none', typ: 'dpop+jwt', jwk: client.publicJwk })}.${b64(claims)}.`;
    await expect(verifier().verifyRequest(dpopRequest(token, none))).rejects.toThrow(InvalidDpopProofError);
    expect(() => verifier({ dpop: { algorithms: ['ES256', 'HS256'] } })).toThrow(/asymmetric/);
  });

  it('a proof whose jwk carries the private key', async () => {
    const token = await boundToken();
    const error = await refusal(verifier().verifyRequest(dpopRequest(token, await proof(token, { jwk: client.privateJwk }))));
    expect(error).toBeInstanceOf(InvalidDpopProofError);
    expect(error!.message).toBe('the DPoP proof header must carry a public key only');
  });

  it('a proof that is not a dpop+jwt, is not a JWT, or comes twice', async () => {
    const token = await boundToken();
    await expect(verifier().verifyRequest(dpopRequest(token, await proof(token, { typ: 'JWT' })))).rejects.toThrow(/typ/);
    await expect(verifier().verifyRequest(dpopRequest(token, 'not-a-jwt'))).rejects.toThrow(/not a JWT/);
    const two = `${await proof(token)}, ${await proof(token)}`;
    await expect(verifier().verifyRequest(dpopRequest(token, two))).rejects.toThrow(/exactly one/);
  });

  it('a valid proof does not make a token for another resource acceptable', async () => {
    const token = await boundToken(client, {}, 'http://localhost:3120/other');
    const error = await refusal(verifier().verifyRequest(dpopRequest(token, await proof(token))));
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error!.message).toMatch(/not issued for this resource/);
    expect(error!.scheme).toBe('DPoP');
  });

  it('an unbound token presented with the DPoP scheme (it claims a binding it does not have)', async () => {
    const token = await signAccessToken(signing, { issuer: gh.issuer, audience: RESOURCE, iat: nowSec() });
    const error = await refusal(verifier().verifyRequest(dpopRequest(token, await proof(token))));
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(challenge(error).headers['WWW-Authenticate']).toContain('DPoP resource_metadata');
    expect(error!.message).toMatch(/Bearer scheme/);
  });

  it('a token bound in a way this resource cannot check (cnf without jkt)', async () => {
    const token = await signAccessToken(signing, { issuer: gh.issuer, audience: RESOURCE, iat: nowSec(), claims: { cnf: { 'x5t#S256': 'abc' } } });
    await expect(verifier().verifyToken(token)).rejects.toThrow(/cannot check/);
  });

  it('while the replay cache is unreachable (503, never a pass), or full of live proofs', async () => {
    const token = await boundToken();
    const down: DpopReplayCache = { firstUse: async () => Promise.reject(new Error('redis down')) };
    await expect(verifier({ dpop: { replayCache: down } }).verifyRequest(dpopRequest(token, await proof(token)))).rejects.toThrow(VerifierUnavailableError);
    const full = verifier({ dpop: { replayCache: createMemoryReplayCache({ maxEntries: 1, now: () => clock }) } });
    await full.verifyRequest(dpopRequest(token, await proof(token)));
    await expect(full.verifyRequest(dpopRequest(token, await proof(token)))).rejects.toThrow(/already used/);
    clock += 62_000;
    const fresh = await boundToken();
    await expect(full.verifyRequest(dpopRequest(fresh, await proof(fresh)))).resolves.toMatchObject({ sub: 'user-1' });
  });
});

describe('introspection answers with cnf', () => {
  const introspection = { clientId: 'resource-server', clientSecret: 'rs-secret with spaces+symbols', cacheTtlMs: 1_000 };
  const answer = (extra: Record<string, unknown> = {}) => ({
    active: true, iss: gh.issuer, sub: 'user-9', client_id: 'client-1', scope: 'mcp:tools', aud: RESOURCE, exp: nowSec() + 300,
    token_type: 'DPoP', token_kind: 'access_token', workspaces: ['alpha'], tools: ['*'], cnf: { jkt: client.jkt }, ...extra,
  });

  it('an introspected DPoP-bound token needs its proof, and is refused as Bearer', async () => {
    gh.answers.set('opaque-bound', answer());
    const v = verifier({ introspection: { ...introspection, endpoint: gh.introspectionEndpoint } });
    await expect(v.verifyRequest(dpopRequest('opaque-bound', await proof('opaque-bound')))).resolves.toMatchObject({ verifiedBy: 'introspection', sub: 'user-9', confirmation: { jkt: client.jkt } });
    await expect(v.verifyRequest(dpopRequest('opaque-bound', await proof('opaque-bound', {}, thief)))).rejects.toThrow(/not bound to/);
    await expect(v.verifyRequest(dpopRequest('opaque-bound', null, { scheme: 'Bearer' }))).rejects.toThrow(/bound to a key/);
  });

  it('token_type DPoP without a key is refused; live revocation refuses an answer whose key differs from the JWT', async () => {
    gh.answers.set('opaque-typeless', answer({ cnf: undefined }));
    const v = verifier({ introspection: { ...introspection, endpoint: gh.introspectionEndpoint } });
    await expect(v.verifyToken('opaque-typeless')).rejects.toThrow(/names no key/);

    const live = verifier({ introspection: { ...introspection, endpoint: gh.introspectionEndpoint }, liveRevocation: true });
    const token = await boundToken();
    const jti = (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { jti: string }).jti;
    gh.answers.set(token, answer({ sub: 'user-1', jti, cnf: { jkt: thief.jkt } }));
    await expect(live.verifyRequest(dpopRequest(token, await proof(token)))).rejects.toThrow(/does not agree/);
    gh.answers.set(token, answer({ sub: 'user-1', jti }));
    live.introspection!.clearCache();
    await expect(live.verifyRequest(dpopRequest(token, await proof(token)))).resolves.toMatchObject({ verifiedBy: 'introspection', confirmation: { jkt: client.jkt } });
  });
});

describe('scope and metadata for DPoP', () => {
  it('insufficient_scope for a bound token goes on the DPoP challenge', async () => {
    const token = await boundToken(client, { scope: 'openid' });
    const auth = await verifier().verifyRequest(dpopRequest(token, await proof(token)));
    const error = (() => {
      try {
        requireScopes(auth, ['mcp:tools']);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InsufficientScopeError);
    expect(challenge(error).headers['WWW-Authenticate']).toBe(
      `Bearer resource_metadata="${RMU}", DPoP resource_metadata="${RMU}", error="insufficient_scope", error_description="the token lacks a scope this request needs", scope="mcp:tools", algs="${ALGS}"`,
    );
  });

  it('the resource metadata lists the proof algorithms (RFC 9728 §2)', () => {
    const v: Verifier = verifier({ dpop: { algorithms: ['ES256', 'EdDSA'] } });
    expect(v.metadata().dpop_signing_alg_values_supported).toEqual(['ES256', 'EdDSA']);
    expect(v.dpopAlgorithms).toEqual(['ES256', 'EdDSA']);
  });
});
