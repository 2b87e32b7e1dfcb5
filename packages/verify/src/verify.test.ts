import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InsufficientScopeError, InvalidRequestError, InvalidTokenError, MissingTokenError, VerifierUnavailableError } from './errors.ts';
import { makeSigningKey, signAccessToken, startFakeGatehouse, type FakeGatehouse, type SigningKey } from './testing/fake-gatehouse.ts';
import { createVerifier, requireScopes, type VerifierOptions } from './verify.ts';

const RESOURCE = 'http://localhost:3120/mcp';
let gh: FakeGatehouse;
let key1: SigningKey;
let key2: SigningKey;
let stranger: SigningKey;
let clock: number;

beforeAll(async () => {
  gh = await startFakeGatehouse();
  [key1, key2, stranger] = await Promise.all([makeSigningKey('k1'), makeSigningKey('k2'), makeSigningKey('k1')]);
});
afterAll(() => gh.close());
beforeEach(() => {
  gh.published.splice(0, gh.published.length, key1.publicJwk);
  gh.answers.clear();
  gh.counts.jwks = gh.counts.metadata = gh.counts.introspection = 0;
  gh.metadataIssuer = undefined;
  clock = Date.now();
});

const nowSec = () => Math.floor(clock / 1000);
function verifier(extra: Partial<VerifierOptions> = {}) {
  return createVerifier({ issuer: gh.issuer, resource: RESOURCE, jwksUri: gh.jwksUri, now: () => clock, ...extra });
}
const token = (opts: Partial<Parameters<typeof signAccessToken>[1]> = {}, key = key1) => signAccessToken(key, { issuer: gh.issuer, audience: RESOURCE, iat: nowSec(), ...opts });
const introspection = (cacheTtlMs: number, extra: Record<string, unknown> = {}) => ({ clientId: gh.client.id, clientSecret: gh.client.secret, cacheTtlMs, endpoint: gh.introspectionEndpoint, ...extra });

describe('JWT access tokens, offline', () => {
  it('accepts a Gatehouse access token for this resource and says what it may do', async () => {
    const jwt = await token({ claims: { sub: 'u-42', scope: 'mcp:tools docs:read', workspaces: ['alpha', 'beta'], tools: ['list_documents'] } });
    const auth = await verifier().verifyToken(jwt);
    expect(auth).toMatchObject({
      token: jwt,
      verifiedBy: 'jwt',
      kind: 'access_token',
      issuer: gh.issuer,
      sub: 'u-42',
      clientId: 'client-1',
      scopes: ['mcp:tools', 'docs:read'],
      audience: [RESOURCE],
      expiresAt: nowSec() + 300,
      workspaces: ['alpha', 'beta'],
      tools: ['list_documents'],
    });
    expect(Object.isFrozen(auth) && Object.isFrozen(auth.workspaces)).toBe(true);
  });

  it.each([
    ['another issuer', { issuer: 'http://evil.example' }, /iss/],
    ['the issuer as audience (a token for Gatehouse itself)', { audience: 'ISSUER' }, /not issued for this resource/],
    ['another resource', { audience: 'http://localhost:3120/other' }, /not issued for this resource/],
    ['an expired token', { iat: Math.floor(Date.now() / 1000) - 400 }, /expired/],
    ['no typ', { typ: null }, /typ/],
    ['typ JWT (an ID token, say)', { typ: 'JWT' }, /typ/],
    ['no jti', { omit: ['jti'] }, /jti/],
    ['no client_id', { omit: ['client_id'] }, /client_id/],
  ])('rejects %s', async (_name, opts, message) => {
    const o = { ...opts } as Record<string, unknown>;
    if (o.audience === 'ISSUER') o.audience = gh.issuer;
    const jwt = await token(o);
    const error = await verifier().verifyToken(jwt).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect((error as Error).message).toMatch(message);
  });

  it('rejects a token signed by a key that only shares the kid', async () => {
    const jwt = await token({}, stranger);
    await expect(verifier().verifyToken(jwt)).rejects.toThrow(InvalidTokenError);
  });

  it('rejects alg none and HS256 without looking for a key', async () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const claims = { iss: gh.issuer, aud: RESOURCE, sub: 'x', exp: nowSec() + 60, jti: 'j', client_id: 'c' };
    const v = verifier();
    await expect(v.verifyToken(`${b64({ alg: 'none', typ: 'at+jwt', kid: 'k1' })}.${b64(claims)}.sig`)).rejects.toThrow(InvalidTokenError);
    await expect(v.verifyToken(`${b64({ alg: 'HS256', typ: 'at+jwt', kid: 'k1' })}.${b64(claims)}.c2ln`)).rejects.toThrow(InvalidTokenError);
    expect(gh.counts.jwks).toBe(0);
  });

  it('accepts the href form of a pathless resource as audience', async () => {
    const v = createVerifier({ issuer: gh.issuer, resource: 'http://LOCALHOST:3120', jwksUri: gh.jwksUri, now: () => clock });
    expect(v.resource).toBe('http://localhost:3120');
    await expect(v.verifyToken(await token({ audience: 'http://localhost:3120/' }))).resolves.toMatchObject({ sub: 'user-1' });
    await expect(v.verifyToken(await token({ audience: 'http://localhost:3120' }))).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('caches a verified token until it expires, and not a moment longer', async () => {
    const v = verifier();
    const jwt = await token({ expiresIn: 10 });
    const first = await v.verifyToken(jwt);
    expect(await v.verifyToken(jwt)).toBe(first);
    expect(await v.verifyToken(jwt, { cache: false })).not.toBe(first);
    clock += 10_000;
    await expect(v.verifyToken(jwt)).rejects.toThrow(/expired/);
  });

  it('a new kid triggers exactly one JWKS refetch, and a burst of unknown kids only one per cooldown', async () => {
    const v = verifier({ jwt: { jwksCooldownMs: 30_000 } });
    await v.verifyToken(await token());
    expect(gh.counts.jwks).toBe(1);

    // Rotation: k2 appears in the JWKS; the first k2 token fetches it once.
    gh.published.push(key2.publicJwk);
    clock += 31_000;
    const rotated = await Promise.all(Array.from({ length: 20 }, () => token({}, key2)));
    await Promise.all(rotated.map((t) => v.verifyToken(t)));
    expect(gh.counts.jwks).toBe(2);

    // A burst of tokens with a kid nobody published: one fetch, then refusals from memory.
    clock += 31_000;
    const forged = await makeSigningKey('k-unknown');
    const burst = await Promise.all(Array.from({ length: 50 }, () => token({}, forged)));
    const results = await Promise.allSettled(burst.map((t) => v.verifyToken(t)));
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof InvalidTokenError)).toBe(true);
    expect(gh.counts.jwks).toBe(3);
    await expect(v.verifyToken(burst[0], { cache: false })).rejects.toThrow(/unknown key/);
    expect(gh.counts.jwks).toBe(3);

    // After the cooldown it may look again.
    clock += 31_000;
    await expect(v.verifyToken(burst[1])).rejects.toThrow(InvalidTokenError);
    expect(gh.counts.jwks).toBe(4);
  });

  it('finds the JWKS through the authorization server metadata and checks its issuer', async () => {
    const v = createVerifier({ issuer: gh.issuer, resource: RESOURCE, now: () => clock });
    await expect(v.verifyToken(await token())).resolves.toMatchObject({ kind: 'access_token' });
    expect(gh.counts.metadata).toBe(1);

    gh.metadataIssuer = 'http://someone-else.example';
    const w = createVerifier({ issuer: gh.issuer, resource: RESOURCE, now: () => clock });
    await expect(w.verifyToken(await token())).rejects.toThrow(VerifierUnavailableError);
  });

  it('answers 503 (not 401) when the JWKS cannot be fetched', async () => {
    const v = createVerifier({ issuer: gh.issuer, resource: RESOURCE, jwksUri: `${gh.issuer}/nope`, now: () => clock });
    await expect(v.verifyToken(await token())).rejects.toThrow(VerifierUnavailableError);
  });
});

describe('key retirement (the JWKS is re-read on a short interval)', () => {
  beforeEach(() => {
    gh.published.splice(0, gh.published.length, key1.publicJwk, key2.publicJwk);
  });
  const retireKey2 = () => gh.published.splice(0, gh.published.length, key1.publicJwk);

  it('a key that left the JWKS is refused once the interval (default 60 s) has passed', async () => {
    const v = verifier();
    const jwt = await token({}, key2);
    await expect(v.verifyToken(jwt, { cache: false })).resolves.toMatchObject({ sub: 'user-1' });
    retireKey2();
    clock += 59_000;
    await expect(v.verifyToken(jwt, { cache: false })).resolves.toMatchObject({ sub: 'user-1' });
    expect(gh.counts.jwks).toBe(1);
    clock += 1_000;
    await expect(v.verifyToken(jwt, { cache: false })).rejects.toThrow(/unknown key/);
    expect(gh.counts.jwks).toBe(2);
  });

  it('a cached positive result is dropped when the key set changes', async () => {
    const v = verifier();
    const jwt = await token({}, key2);
    const first = await v.verifyToken(jwt);
    expect(await v.verifyToken(jwt)).toBe(first);
    retireKey2();
    clock += 60_000;
    await expect(v.verifyToken(jwt)).rejects.toThrow(/unknown key/);
    await expect(v.verifyToken(jwt)).rejects.toThrow(/unknown key/);
  });

  it('the interval is configurable (jwt.jwksMaxAgeMs)', async () => {
    const v = verifier({ jwt: { jwksMaxAgeMs: 5_000 } });
    const jwt = await token({}, key2);
    await v.verifyToken(jwt);
    retireKey2();
    clock += 5_000;
    await expect(v.verifyToken(jwt)).rejects.toThrow(/unknown key/);
  });

  it('an unchanged key set keeps cached results, and is re-read once per interval, not per request', async () => {
    const v = verifier();
    const jwt = await token({ expiresIn: 600 }, key2);
    const first = await v.verifyToken(jwt);
    clock += 60_000;
    const again = await Promise.all(Array.from({ length: 10 }, () => v.verifyToken(jwt)));
    expect(again.every((a) => a === first)).toBe(true);
    expect(gh.counts.jwks).toBe(2);
  });

  it('a key added to the set (a rotation starting) leaves the other keys\' tokens accepted', async () => {
    const v = verifier();
    const jwt = await token({ expiresIn: 600 });
    await v.verifyToken(jwt);
    gh.published.push((await makeSigningKey('k3')).publicJwk);
    clock += 60_000;
    await expect(v.verifyToken(jwt)).resolves.toMatchObject({ sub: 'user-1' });
    expect(gh.counts.jwks).toBe(2);
  });

  it('while the JWKS cannot be re-read, the keys last read stay in use', async () => {
    const v = verifier();
    const jwt = await token({ expiresIn: 600 });
    await v.verifyToken(jwt, { cache: false });
    const published = gh.jwksStatus;
    gh.jwksStatus = 503;
    try {
      clock += 60_000;
      await expect(v.verifyToken(jwt, { cache: false })).resolves.toMatchObject({ sub: 'user-1' });
      await expect(v.verifyToken(jwt)).resolves.toMatchObject({ sub: 'user-1' });
      expect(gh.counts.jwks).toBe(2); // one attempt; the next is at least retryMs later
    } finally {
      gh.jwksStatus = published;
    }
  });
});

describe('introspected tokens', () => {
  const pat = 'gh_pat_abcdefghijklmnopqrstuvwxyz012345';
  const personal = () => ({ active: true, iss: gh.issuer, sub: 'u-7', scope: '', aud: gh.issuer, token_type: 'Bearer', token_kind: 'personal_token', workspaces: ['alpha'], tools: ['list_documents'] });

  it('accepts a personal token with what Gatehouse says it may reach', async () => {
    gh.answers.set(pat, personal());
    const auth = await verifier({ introspection: introspection(60_000) }).verifyToken(pat);
    expect(auth).toMatchObject({ verifiedBy: 'introspection', kind: 'personal_token', sub: 'u-7', clientId: null, scopes: [], expiresAt: null, workspaces: ['alpha'], tools: ['list_documents'] });
  });

  it('accepts a team token', async () => {
    gh.answers.set('gh_team_xyz', { active: true, iss: gh.issuer, sub: 'team:t1', scope: '', aud: gh.issuer, jti: 'tj', token_type: 'Bearer', token_kind: 'team_token', workspaces: ['alpha'], tools: ['*'] });
    await expect(verifier({ introspection: introspection(1_000) }).verifyToken('gh_team_xyz')).resolves.toMatchObject({ kind: 'team_token', sub: 'team:t1', tools: ['*'] });
  });

  it('refuses inactive, refresh, foreign and expired answers', async () => {
    const v = verifier({ introspection: introspection(0) });
    await expect(v.verifyToken('gh_pat_unknown')).rejects.toThrow(/not active/);
    gh.answers.set('gh_rt_1', { ...personal(), token_type: 'refresh_token', token_kind: 'refresh_token' });
    await expect(v.verifyToken('gh_rt_1')).rejects.toThrow(/kind of token/);
    gh.answers.set('gh_pat_2', { ...personal(), iss: 'http://other.example' });
    await expect(v.verifyToken('gh_pat_2')).rejects.toThrow(/another authorization server/);
    gh.answers.set('gh_pat_3', { ...personal(), exp: nowSec() - 1 });
    await expect(v.verifyToken('gh_pat_3')).rejects.toThrow(/expired/);
    gh.answers.set('opaque', { ...personal(), token_kind: 'access_token', aud: 'http://localhost:9999/other' });
    await expect(v.verifyToken('opaque')).rejects.toThrow(/not issued for this resource/);
  });

  it('without introspection credentials only JWTs are accepted', async () => {
    await expect(verifier().verifyToken(pat)).rejects.toThrow(InvalidTokenError);
    expect(gh.counts.introspection).toBe(0);
  });

  it('keeps an answer for the TTL the resource chose; a revocation shows after it', async () => {
    gh.answers.set(pat, personal());
    const v = verifier({ introspection: introspection(500) });
    await v.verifyToken(pat);
    await v.verifyToken(pat);
    expect(gh.counts.introspection).toBe(1);

    gh.answers.set(pat, { active: false });
    clock += 499;
    await expect(v.verifyToken(pat)).resolves.toMatchObject({ kind: 'personal_token' });
    clock += 1;
    await expect(v.verifyToken(pat)).rejects.toThrow(InvalidTokenError);
    expect(gh.counts.introspection).toBe(2);
  });

  it("never keeps an answer past the token's own expiry", async () => {
    gh.answers.set(pat, { ...personal(), exp: nowSec() + 2 });
    const v = verifier({ introspection: introspection(60_000) });
    await v.verifyToken(pat);
    clock = (nowSec() + 2) * 1000;
    await expect(v.verifyToken(pat)).rejects.toThrow(/expired/);
    expect(gh.counts.introspection).toBe(2);
  });

  it('the cache is bounded: the least recently used answer goes first', async () => {
    const v = verifier({ introspection: introspection(60_000, { maxEntries: 3 }) });
    for (const n of [1, 2, 3, 4, 5]) gh.answers.set(`gh_pat_${n}`, personal());
    for (const n of [1, 2, 3]) await v.verifyToken(`gh_pat_${n}`);
    await v.verifyToken('gh_pat_1'); // 1 is now the most recent
    for (const n of [4, 5]) await v.verifyToken(`gh_pat_${n}`);
    expect(v.introspection!.cacheSize).toBe(3);
    expect(gh.counts.introspection).toBe(5);
    await v.verifyToken('gh_pat_1'); // still cached
    expect(gh.counts.introspection).toBe(5);
    await v.verifyToken('gh_pat_2'); // evicted
    expect(gh.counts.introspection).toBe(6);
  });

  it('concurrent requests for one token share one introspection', async () => {
    gh.answers.set(pat, personal());
    gh.introspectionDelayMs = 50;
    try {
      const v = verifier({ introspection: introspection(60_000) });
      await Promise.all(Array.from({ length: 10 }, () => v.verifyToken(pat)));
      expect(gh.counts.introspection).toBe(1);
    } finally {
      gh.introspectionDelayMs = 0;
    }
  });

  it('wrong introspection credentials are a 503, never a cached refusal', async () => {
    gh.answers.set(pat, personal());
    const v = verifier({ introspection: introspection(60_000, { clientSecret: 'wrong' }) });
    const error = await v.verifyToken(pat).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VerifierUnavailableError);
    expect((error as VerifierUnavailableError).status).toBe(503);
    expect(v.introspection!.cacheSize).toBe(0);
  });

  it('finds the introspection endpoint through the metadata', async () => {
    gh.answers.set(pat, personal());
    const v = createVerifier({ issuer: gh.issuer, resource: RESOURCE, introspection: { clientId: gh.client.id, clientSecret: gh.client.secret, cacheTtlMs: 1000 } });
    await expect(v.verifyToken(pat)).resolves.toMatchObject({ kind: 'personal_token' });
  });

  it('live revocation: a JWT is also introspected, and introspection decides reach', async () => {
    const v = verifier({ introspection: introspection(500), liveRevocation: true });
    const jwt = await token({ claims: { workspaces: ['alpha', 'beta'] } });
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as { jti: string };
    gh.answers.set(jwt, { active: true, iss: gh.issuer, sub: 'user-1', client_id: 'client-1', scope: 'mcp:tools', aud: RESOURCE, exp: nowSec() + 300, jti: claims.jti, token_type: 'Bearer', token_kind: 'access_token', workspaces: ['alpha'], tools: ['*'] });
    await expect(v.verifyToken(jwt)).resolves.toMatchObject({ verifiedBy: 'introspection', kind: 'access_token', workspaces: ['alpha'] });
    gh.answers.set(jwt, { active: false });
    clock += 500;
    await expect(v.verifyToken(jwt)).rejects.toThrow(/not active/);
    expect(() => createVerifier({ issuer: gh.issuer, resource: RESOURCE, liveRevocation: true })).toThrow(/introspection/);
  });
});

describe('verifyRequest', () => {
  it('takes the Authorization header over a cookie, the cookie only without a header', async () => {
    const v = verifier({ cookieName: 'mcp_token' });
    const fromHeader = await token({ claims: { sub: 'header-user' } });
    const fromCookie = await token({ claims: { sub: 'cookie-user' } });
    const both = new Request(RESOURCE, { headers: { Authorization: `Bearer ${fromHeader}`, Cookie: `a=b; mcp_token=${fromCookie}` } });
    expect((await v.verifyRequest(both)).sub).toBe('header-user');
    const cookieOnly = { headers: { cookie: `mcp_token=${fromCookie}` } };
    expect((await v.verifyRequest(cookieOnly)).sub).toBe('cookie-user');
  });

  it('a malformed Authorization header is an error even with a good cookie', async () => {
    const v = verifier({ cookieName: 'mcp_token' });
    const good = await token();
    await expect(v.verifyRequest({ headers: { authorization: 'Basic dTpw', cookie: `mcp_token=${good}` } })).rejects.toThrow(InvalidRequestError);
    await expect(v.verifyRequest({ headers: { authorization: 'Bearer', cookie: `mcp_token=${good}` } })).rejects.toThrow(InvalidRequestError);
  });

  it('no token at all is MissingTokenError; cookies are ignored unless a cookie name is set', async () => {
    const good = await token();
    await expect(verifier().verifyRequest({ headers: {} })).rejects.toThrow(MissingTokenError);
    await expect(verifier().verifyRequest({ headers: { cookie: `mcp_token=${good}` } })).rejects.toThrow(MissingTokenError);
  });
});

describe('requireScopes', () => {
  it('throws insufficient_scope naming what is needed', async () => {
    const auth = await verifier().verifyToken(await token({ claims: { scope: 'mcp:tools' } }));
    expect(() => requireScopes(auth, ['mcp:tools'])).not.toThrow();
    const error = (() => {
      try {
        requireScopes(auth, ['mcp:tools', 'docs:write']);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InsufficientScopeError);
    expect((error as InsufficientScopeError).requiredScopes).toEqual(['mcp:tools', 'docs:write']);
  });
});
