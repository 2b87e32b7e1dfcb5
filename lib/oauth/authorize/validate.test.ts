// The authorization request's checks (RFC 6749 §4.1.1 and §4.1.2.1, OAuth 2.1
// §4.1.1, RFC 7636 §4.3, RFC 8707 §2), in order: each one's error code, and
// whether the error may go back to the redirect URI. Errors about the client or
// the redirect URI are shown to the user (no redirectUri); every later error is
// redirected with `state`.
import { beforeEach, describe, expect, it } from 'vitest';
import { clientFixture, createMemoryContext, type MemoryContext } from '../../../tests/helpers/memory-context.ts';
import { OAuthError } from '../errors.ts';
import type { OAuthClient } from '../ports.ts';
import { s256 } from '../pkce.ts';
import { AuthorizationError, readAuthorizationParams, toSearchParams, type AuthorizationParams } from './request.ts';
import { validateAuthorizationRequest } from './validate.ts';

const REDIRECT = 'https://app.example/callback';
const CHALLENGE = s256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk');

let ctx: MemoryContext;
let client: OAuthClient;

beforeEach(async () => {
  ctx = await createMemoryContext();
  ctx.store.scopes = [
    { name: 'mcp:tools', description: 'tools', tools: ['*'], isDefault: true },
    { name: 'mcp:read', description: 'read', tools: ['read'], isDefault: false },
    { name: 'admin', description: 'admin', tools: [], isDefault: false },
  ];
  client = await ctx.store.insertClient(clientFixture({ redirectUris: [REDIRECT, 'http://127.0.0.1:8000/cb'] }));
});

function params(overrides: Partial<AuthorizationParams> = {}): AuthorizationParams {
  return {
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: REDIRECT,
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    state: 'xyz',
    resource: [],
    ...overrides,
  };
}

async function failure(p: AuthorizationParams): Promise<AuthorizationError> {
  const error = await validateAuthorizationRequest(ctx, p).then(
    () => {
      throw new Error('expected the request to be refused');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthorizationError);
  return error as AuthorizationError;
}

/** Refused and shown to the user: nothing may go to the (untrusted) redirect URI. */
async function shown(p: AuthorizationParams, code: string) {
  const error = await failure(p);
  expect(error.error.code).toBe(code);
  expect(error.redirectUri).toBeNull();
  expect(error.error.mayRedirect).toBe(false);
  return error;
}

/** Refused and sent back to the client with state. */
async function redirected(p: AuthorizationParams, code: string, redirectUri = REDIRECT) {
  const error = await failure(p);
  expect(error.error.code).toBe(code);
  expect(error.redirectUri).toBe(redirectUri);
  expect(error.state).toBe(p.state ?? null);
  expect(error.error.mayRedirect).toBe(true);
  return error;
}

describe('the checks that decide whether errors may be redirected', () => {
  it('client_id is required', async () => {
    await shown(params({ client_id: undefined }), 'invalid_request');
  });

  it('an unknown client is invalid_client', async () => {
    await shown(params({ client_id: 'ghc_nobody' }), 'invalid_client');
  });

  it('a disabled client is invalid_client', async () => {
    await ctx.store.updateClient(client.id, { disabled: true });
    await shown(params(), 'invalid_client');
  });

  it('a resolver failure (an unusable metadata document) is shown, never redirected', async () => {
    ctx.clients = {
      resolve: async () => {
        throw new OAuthError('invalid_client', 'the client metadata document could not be fetched');
      },
    };
    await shown(params({ client_id: 'https://client.example/meta.json' }), 'invalid_client');
  });

  it('an unexpected resolver failure is not dressed up as an OAuth error', async () => {
    ctx.clients = {
      resolve: async () => {
        throw new Error('database down');
      },
    };
    await expect(validateAuthorizationRequest(ctx, params())).rejects.toThrow('database down');
  });

  it('redirect_uri may be omitted only when exactly one is registered', async () => {
    await shown(params({ redirect_uri: undefined }), 'invalid_request');
    const single = await ctx.store.insertClient(clientFixture({ redirectUris: [REDIRECT] }));
    const ok = await validateAuthorizationRequest(ctx, params({ client_id: single.clientId, redirect_uri: undefined }));
    expect(ok.redirectUri).toBe(REDIRECT);
  });

  it('an unregistered redirect_uri is shown, never redirected, and audited', async () => {
    await shown(params({ redirect_uri: 'https://evil.example/callback' }), 'invalid_request');
    await shown(params({ redirect_uri: `${REDIRECT}/extra` }), 'invalid_request');
    await shown(params({ redirect_uri: 'https://APP.example/callback' }), 'invalid_request');
    expect(ctx.store.events.filter((e) => e.action === 'oauth.redirect_uri_rejected')).toHaveLength(3);
    expect(ctx.store.events[0]).toMatchObject({ clientId: client.clientId, details: { redirectUri: 'https://evil.example/callback' } });
  });

  it('a loopback redirect_uri may vary only the port (RFC 8252 §7.3)', async () => {
    const ok = await validateAuthorizationRequest(ctx, params({ redirect_uri: 'http://127.0.0.1:51234/cb' }));
    expect(ok.redirectUri).toBe('http://127.0.0.1:51234/cb');
    await shown(params({ redirect_uri: 'http://127.0.0.1:51234/other' }), 'invalid_request');
    await shown(params({ redirect_uri: 'http://localhost:8000/cb' }), 'invalid_request');
  });

  it('the client is checked before the redirect URI, and both before everything else', async () => {
    await shown(params({ client_id: 'ghc_nobody', redirect_uri: 'https://evil.example/', response_type: 'token', code_challenge: undefined }), 'invalid_client');
    await shown(params({ redirect_uri: 'https://evil.example/', response_type: 'token', code_challenge: undefined, scope: 'nope' }), 'invalid_request');
  });
});

describe('the checks whose errors go back to the client', () => {
  it('response_type is required', async () => {
    await redirected(params({ response_type: undefined }), 'invalid_request');
  });

  it('only response_type=code is supported', async () => {
    await redirected(params({ response_type: 'token' }), 'unsupported_response_type');
    await redirected(params({ response_type: 'code id_token' }), 'unsupported_response_type');
  });

  it('a client without the authorization_code grant is unauthorized_client', async () => {
    const machine = await ctx.store.insertClient(clientFixture({ grantTypes: ['client_credentials'], redirectUris: [REDIRECT] }));
    await redirected(params({ client_id: machine.clientId }), 'unauthorized_client');
  });

  it('PKCE is required, S256 only, with a well-formed challenge', async () => {
    await redirected(params({ code_challenge: undefined }), 'invalid_request');
    await redirected(params({ code_challenge_method: undefined }), 'invalid_request');
    await redirected(params({ code_challenge_method: 'plain' }), 'invalid_request');
    await redirected(params({ code_challenge_method: 's256' }), 'invalid_request');
    await redirected(params({ code_challenge: CHALLENGE.slice(1) }), 'invalid_request');
    await redirected(params({ code_challenge: `${CHALLENGE.slice(1)}=` }), 'invalid_request');
  });

  it('scopes must be known and allowed to the client', async () => {
    await redirected(params({ scope: 'mcp:tools unknown' }), 'invalid_scope');
    await redirected(params({ scope: 'bad"scope' }), 'invalid_scope');
    const narrow = await ctx.store.insertClient(clientFixture({ redirectUris: [REDIRECT], scope: 'mcp:read offline_access' }));
    await redirected(params({ client_id: narrow.clientId, scope: 'admin' }), 'invalid_scope');
    const ok = await validateAuthorizationRequest(ctx, params({ client_id: narrow.clientId, scope: 'mcp:read offline_access' }));
    expect(ok.scope).toEqual(['mcp:read', 'offline_access']);
  });

  it('the resource must be one absolute URI without a fragment', async () => {
    await redirected(params({ resource: ['relative/path'] }), 'invalid_target');
    await redirected(params({ resource: ['https://mcp.example/#frag'] }), 'invalid_target');
    await redirected(params({ resource: ['http://mcp.example/'] }), 'invalid_target');
    await redirected(params({ resource: ['https://a.example/', 'https://b.example/'] }), 'invalid_target');
  });

  it('once resource servers are registered, only theirs are accepted', async () => {
    ctx.store.resourceServers = [{ url: 'https://mcp.example/', name: 'MCP', scopes: [] }];
    await redirected(params({ resource: ['https://other.example/'] }), 'invalid_target');
    const ok = await validateAuthorizationRequest(ctx, params({ resource: ['HTTPS://MCP.EXAMPLE/'] }));
    expect(ok.resource).toBe('https://mcp.example/');
  });

  it('redirects to the loopback URI actually requested, and without state when none was sent', async () => {
    await redirected(params({ redirect_uri: 'http://127.0.0.1:9999/cb', response_type: 'token', state: undefined }), 'unsupported_response_type', 'http://127.0.0.1:9999/cb');
  });

  it('checks in order: response_type, then PKCE, then scope, then resource', async () => {
    const all = { response_type: 'token', code_challenge: undefined, scope: 'nope', resource: ['bad'] };
    await redirected(params(all), 'unsupported_response_type');
    await redirected(params({ ...all, response_type: 'code' }), 'invalid_request');
    await redirected(params({ ...all, response_type: 'code', code_challenge: CHALLENGE }), 'invalid_scope');
    await redirected(params({ ...all, response_type: 'code', code_challenge: CHALLENGE, scope: undefined }), 'invalid_target');
  });
});

describe('who gets errors redirected at once (RFC 9700 §4.11.2)', () => {
  it('a client an administrator made gets them at once', async () => {
    expect((await redirected(params({ response_type: 'token' }), 'unsupported_response_type')).delivery).toBe('redirect');
  });

  it('a self-registered client gets them only through a confirmation page, naming it', async () => {
    for (const source of ['dynamic', 'metadata_document'] as const) {
      const stranger = await ctx.store.insertClient(clientFixture({ source, name: 'Stranger', redirectUris: ['https://attacker.example/cb'] }));
      const cases: Array<[Partial<AuthorizationParams>, string]> = [
        [{ response_type: 'token' }, 'unsupported_response_type'],
        [{ scope: 'unknown' }, 'invalid_scope'],
        [{ code_challenge: undefined }, 'invalid_request'],
        [{ resource: ['relative'] }, 'invalid_target'],
      ];
      for (const [p, code] of cases) {
        const error = await redirected(params({ client_id: stranger.clientId, redirect_uri: 'https://attacker.example/cb', ...p }), code, 'https://attacker.example/cb');
        expect(error.delivery, `${source} ${JSON.stringify(p)}`).toBe('confirm');
        expect(error.client?.name).toBe('Stranger');
      }
    }
  });

  it('once an administrator approved it, a self-registered client gets them at once', async () => {
    const approved = await ctx.store.insertClient(clientFixture({ source: 'dynamic' }));
    await ctx.store.updateClient(approved.id, { approvedAt: new Date() });
    expect((await redirected(params({ client_id: approved.clientId, response_type: 'token' }), 'unsupported_response_type')).delivery).toBe('redirect');
  });

  it('errors about the client or its redirect URI stay on the page for every client', async () => {
    const stranger = await ctx.store.insertClient(clientFixture({ source: 'dynamic' }));
    expect((await shown(params({ client_id: stranger.clientId, redirect_uri: 'https://evil.example/' }), 'invalid_request')).delivery).toBe('page');
  });
});

describe('GATEHOUSE_REGISTRATION=approval', () => {
  beforeEach(() => {
    ctx.registrationPolicy = 'approval';
  });

  it('a self-registered client waits for approval: shown, never redirected, before any other check', async () => {
    const waiting = await ctx.store.insertClient(clientFixture({ source: 'dynamic', name: 'Waiting App' }));
    const error = await shown(params({ client_id: waiting.clientId, response_type: 'token', redirect_uri: 'https://evil.example/' }), 'unauthorized_client');
    expect(error.delivery).toBe('awaiting_approval');
    expect(error.error.description).toBe("Waiting App is waiting for an administrator's approval before it can be used");
    expect(error.client?.clientId).toBe(waiting.clientId);
  });

  it('an approved client and an admin-made one are let through', async () => {
    const approved = await ctx.store.insertClient(clientFixture({ source: 'metadata_document', clientId: 'https://client.example/meta.json', redirectUris: [REDIRECT] }));
    await ctx.store.updateClient(approved.id, { approvedAt: new Date() });
    expect((await validateAuthorizationRequest(ctx, params({ client_id: approved.clientId }))).client.clientId).toBe(approved.clientId);
    expect((await validateAuthorizationRequest(ctx, params())).client.clientId).toBe(client.clientId);
  });
});

describe('a valid request', () => {
  it('gets the default scopes, a canonical resource and the challenge', async () => {
    const ok = await validateAuthorizationRequest(ctx, params({ resource: ['HTTPS://MCP.Example/Path?q=A'] }));
    expect(ok).toMatchObject({ redirectUri: REDIRECT, state: 'xyz', scope: ['mcp:tools'], resource: 'https://mcp.example/Path?q=A', codeChallenge: CHALLENGE });
    expect(ok.client.clientId).toBe(client.clientId);
  });

  it('has a null state and resource when none were sent', async () => {
    const ok = await validateAuthorizationRequest(ctx, params({ state: undefined }));
    expect(ok.state).toBeNull();
    expect(ok.resource).toBeNull();
  });
});

describe('reading the parameters (RFC 6749 §3.1)', () => {
  it('refuses a repeated parameter, without redirecting', () => {
    for (const name of ['client_id', 'redirect_uri', 'state', 'response_type', 'scope', 'code_challenge', 'code_challenge_method']) {
      const search = new URLSearchParams([[name, 'a'], [name, 'b']]);
      let error: unknown;
      try {
        readAuthorizationParams(search);
      } catch (e) {
        error = e;
      }
      expect(error, name).toBeInstanceOf(AuthorizationError);
      expect((error as AuthorizationError).error.code).toBe('invalid_request');
      expect((error as AuthorizationError).redirectUri).toBeNull();
    }
  });

  it('refuses a parameter over 4096 characters, without redirecting', () => {
    expect(() => readAuthorizationParams(new URLSearchParams({ state: 'x'.repeat(4097) }))).toThrow(AuthorizationError);
    expect(readAuthorizationParams(new URLSearchParams({ state: 'x'.repeat(4096) })).state).toHaveLength(4096);
  });

  it('keeps every resource (RFC 8707 allows several) and round-trips through toSearchParams', () => {
    const search = new URLSearchParams([
      ['client_id', 'c'],
      ['resource', 'https://a.example/'],
      ['resource', 'https://b.example/'],
      ['unknown', 'ignored'],
    ]);
    const read = readAuthorizationParams(search);
    expect(read).toEqual({ client_id: 'c', resource: ['https://a.example/', 'https://b.example/'] });
    expect(readAuthorizationParams(toSearchParams(read))).toEqual(read);
  });

  it('an empty value is present, not absent', () => {
    expect(readAuthorizationParams(new URLSearchParams('state=&client_id=c'))).toMatchObject({ state: '', client_id: 'c' });
  });
});
