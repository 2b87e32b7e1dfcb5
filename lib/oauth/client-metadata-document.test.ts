// Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document,
// "CIMD"), as required by the MCP authorization specification. Documents are
// served by a real node:http server on 127.0.0.1 (allowHttpLoopback: true).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryRateLimiter } from '../server/http/rate-limit.ts';
import {
  BLOCKED_DESCRIPTION,
  cacheTtlMs,
  createClientMetadataResolver,
  FETCH_FAILED_DESCRIPTION,
  resolveMetadataDocumentClient,
  isClientMetadataDocumentId,
  isForbiddenAddress,
  metadataDocumentClientRowId,
  syncMetadataDocumentClient,
  toStoredClient,
  type ClientMetadataResolverOptions,
} from './client-metadata-document.ts';
import { OAuthError } from './errors.ts';
import { MemoryOAuthStore } from './testing/memory-store.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let base: string;
const routes = new Map<string, Handler>();
const hits = new Map<string, number>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const handler = routes.get(path);
    if (handler) handler(req, res);
    else res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  routes.clear();
  hits.clear();
});

const url = (path: string) => `${base}${path}`;

/** Runs `body` counting the connections made to the test server (a TLS fetch to it fails after connecting). */
async function countingConnections(body: (connections: () => number) => Promise<void>): Promise<void> {
  let connections = 0;
  const onConnection = () => connections++;
  server.on('connection', onConnection);
  try {
    await body(() => connections);
  } finally {
    server.off('connection', onConnection);
  }
}

function document(path: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    client_id: url(path),
    client_name: 'Example MCP Client',
    client_uri: 'https://client.example.com',
    logo_uri: 'https://client.example.com/logo.png',
    redirect_uris: ['http://127.0.0.1/callback', 'https://client.example.com/cb'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    ...overrides,
  };
}

function serveJson(path: string, body: unknown, headers: Record<string, string> = {}): void {
  routes.set(path, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
}

let clock = 1_750_000_000_000;
const resolver = (opts: Partial<ClientMetadataResolverOptions> = {}) =>
  createClientMetadataResolver({ allowHttpLoopback: true, now: () => clock, fetchTimeoutMs: 2_000, ...opts });

async function rejection(promise: Promise<unknown>): Promise<OAuthError> {
  const err = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OAuthError);
  const oauth = err as OAuthError;
  // Errors about the client itself are never sent to a redirect URI.
  expect(oauth.code).toBe('invalid_client');
  expect(oauth.mayRedirect).toBe(false);
  return oauth;
}

describe('isClientMetadataDocumentId (draft §3: the client_id URL)', () => {
  it.each([
    'https://client.example.com/oauth/client.json',
    'https://client.example.com:8443/c',
    'https://client.example.com/c?v=1', // a query is discouraged but allowed
  ])('accepts %s', (id) => expect(isClientMetadataDocumentId(id)).toBe(true));

  it.each([
    ['no path', 'https://client.example.com'],
    ['the root path', 'https://client.example.com/'],
    ['a query without a path', 'https://client.example.com?x=1'],
    ['http', 'http://client.example.com/c'],
    ['a fragment', 'https://client.example.com/c#x'],
    ['credentials', 'https://user:pw@client.example.com/c'],
    ['a dot segment', 'https://client.example.com/a/./c'],
    ['a double-dot segment', 'https://client.example.com/a/../c'],
    ['an encoded dot segment', 'https://client.example.com/a/%2E%2e/c'],
    ['a backslash', 'https://client.example.com\\c'],
    ['whitespace', 'https://client.example.com/c d'],
    ['a registered client id', 'ghc_abcdefghijklmnopqrstuv'],
    ['another scheme', 'urn:example:client'],
  ])('rejects %s', (_why, id) => expect(isClientMetadataDocumentId(id)).toBe(false));

  it('accepts http loopback URLs only when allowHttpLoopback is on (development and tests)', () => {
    for (const id of ['http://127.0.0.1:3000/c.json', 'http://localhost/c.json', 'http://[::1]:8080/c']) {
      expect(isClientMetadataDocumentId(id)).toBe(false);
      expect(isClientMetadataDocumentId(id, { allowHttpLoopback: true })).toBe(true);
    }
    expect(isClientMetadataDocumentId('http://10.0.0.1/c', { allowHttpLoopback: true })).toBe(false);
  });
});

describe('isForbiddenAddress (draft §6 SSRF: no requests to internal addresses)', () => {
  it.each([
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '127.0.0.1',
    '::1',
    'fe80::1',
    'fe80::1%eth0',
    '169.254.169.254',
    '100.64.0.1',
    '::ffff:10.0.0.1',
    '::ffff:127.0.0.1',
    '::ffff:a9fe:a9fe', // 169.254.169.254, hex form
    '0.0.0.0',
    '::',
    'fc00::1',
    'fd12:3456::1',
    '224.0.0.1',
    'ff02::1',
    '255.255.255.255',
    '64:ff9b::a00:1', // NAT64 of 10.0.0.1
    '2002:c0a8:0101::1', // 6to4 of 192.168.1.1
    '2001:db8::1',
    'not an address',
  ])('%s is forbidden', (ip) => expect(isForbiddenAddress(ip)).toBe(true));

  it.each(['93.184.216.34', '2606:4700::1', '8.8.8.8', '::ffff:93.184.216.34', '172.32.0.1', '100.128.0.1', '[2606:4700::1]'])(
    '%s is allowed',
    (ip) => expect(isForbiddenAddress(ip)).toBe(false),
  );
});

describe('createClientMetadataResolver', () => {
  it('draft §4: maps a valid document to a public metadata_document client', async () => {
    serveJson('/client.json', document('/client.json', { scope: 'mcp:read', software_id: 'example' }));
    const client = await resolver().resolve(url('/client.json'));
    expect(client).toMatchObject({
      id: metadataDocumentClientRowId(url('/client.json')),
      clientId: url('/client.json'),
      name: 'Example MCP Client',
      secretHash: null,
      redirectUris: ['http://127.0.0.1/callback', 'https://client.example.com/cb'],
      grantTypes: ['authorization_code', 'refresh_token'],
      responseTypes: ['code'],
      tokenEndpointAuthMethod: 'none',
      scope: 'mcp:read',
      logoUri: 'https://client.example.com/logo.png',
      clientUri: 'https://client.example.com',
      applicationType: 'web',
      source: 'metadata_document',
      registrationAccessTokenHash: null,
      canIntrospect: false,
      disabled: false,
    });
    expect(client.id).toMatch(/^cimd:[0-9a-f]{32}$/);
    expect(client.metadata).toMatchObject({ software_id: 'example' });
    expect(client.createdAt.getTime()).toBe(clock);
  });

  it('draft §4: token_endpoint_auth_method may be absent (→ none) and grant/response types default', async () => {
    const doc = document('/minimal.json');
    delete doc.token_endpoint_auth_method;
    delete doc.grant_types;
    delete doc.response_types;
    serveJson('/minimal.json', doc);
    const client = await resolver().resolve(url('/minimal.json'));
    expect(client).toMatchObject({ tokenEndpointAuthMethod: 'none', grantTypes: ['authorization_code'], responseTypes: ['code'] });
  });

  it('draft §4.1: the document client_id must equal the URL exactly', async () => {
    serveJson('/mismatch.json', document('/mismatch.json', { client_id: url('/other.json') }));
    const err = await rejection(resolver().resolve(url('/mismatch.json')));
    expect(err.description).toMatch(/client_id .* must equal the URL/);
    serveJson('/trailing.json', document('/trailing.json', { client_id: `${url('/trailing.json')}/` }));
    await rejection(resolver().resolve(url('/trailing.json')));
  });

  it('draft §4: redirect_uris is required', async () => {
    const doc = document('/no-redirects.json');
    delete doc.redirect_uris;
    serveJson('/no-redirects.json', doc);
    expect((await rejection(resolver().resolve(url('/no-redirects.json')))).description).toMatch(/redirect_uris/);
  });

  it('RFC 9449 §5.2: dpop_bound_access_tokens is kept in the client\'s metadata, and must be a boolean', async () => {
    serveJson('/dpop-bound.json', document('/dpop-bound.json', { dpop_bound_access_tokens: true }));
    expect((await resolver().resolve(url('/dpop-bound.json'))).metadata.dpop_bound_access_tokens).toBe(true);
    serveJson('/dpop-yes.json', document('/dpop-yes.json', { dpop_bound_access_tokens: 'yes' }));
    expect((await rejection(resolver().resolve(url('/dpop-yes.json')))).description).toMatch(/dpop_bound_access_tokens/);
  });

  it('draft §4: client_name is required', async () => {
    const doc = document('/no-name.json');
    delete doc.client_name;
    serveJson('/no-name.json', doc);
    expect((await rejection(resolver().resolve(url('/no-name.json')))).description).toMatch(/client_name/);
  });

  it('OAuth 2.1 §2.3.1: each redirect URI must be acceptable', async () => {
    serveJson('/bad-redirect.json', document('/bad-redirect.json', { redirect_uris: ['http://evil.example/cb'] }));
    expect((await rejection(resolver().resolve(url('/bad-redirect.json')))).description).toMatch(/redirect URI .* loopback/);
  });

  it.each([
    ['client_secret_basic', { token_endpoint_auth_method: 'client_secret_basic' }, /shared secret/],
    ['client_secret_post', { token_endpoint_auth_method: 'client_secret_post' }, /shared secret/],
    ['private_key_jwt (unsupported)', { token_endpoint_auth_method: 'private_key_jwt' }, /not supported/],
    ['an embedded client_secret', { client_secret: 'leaked' }, /client_secret/],
    ['client_credentials', { grant_types: ['client_credentials'] }, /grant_types/],
    ['no authorization_code grant', { grant_types: ['refresh_token'] }, /authorization_code/],
    ['an http logo_uri', { logo_uri: 'http://client.example.com/logo.png' }, /logo_uri/],
  ])('draft §4 / MCP: rejects a document with %s (no secret can be shared)', async (_why, overrides, message) => {
    serveJson('/secret.json', document('/secret.json', overrides));
    expect((await rejection(resolver().resolve(url('/secret.json')))).description).toMatch(message);
  });

  it('draft §4: rejects a response that is not JSON, or not a JSON object', async () => {
    serveJson('/html.json', '<html>hello</html>');
    expect((await rejection(resolver().resolve(url('/html.json')))).detail).toMatch(/not valid JSON/);
    serveJson('/array.json', '[1,2]');
    expect((await rejection(resolver().resolve(url('/array.json')))).detail).toMatch(/JSON \(an object\)/);
  });

  it('draft §6: rejects an oversized document, declared or streamed', async () => {
    const big = JSON.stringify(document('/big.json', { padding: 'x'.repeat(20_000) }));
    serveJson('/big.json', big);
    expect((await rejection(resolver().resolve(url('/big.json')))).detail).toMatch(/larger than 16384 bytes/);
    routes.set('/big-chunked.json', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }); // chunked: no content-length
      for (let i = 0; i < 40; i++) res.write('x'.repeat(1024));
      res.end();
    });
    expect((await rejection(resolver().resolve(url('/big-chunked.json')))).detail).toMatch(/larger than/);
    serveJson('/small-cap.json', document('/small-cap.json'));
    expect((await rejection(resolver({ maxBytes: 100 }).resolve(url('/small-cap.json')))).detail).toMatch(/larger than 100 bytes/);
  });

  it('draft §6: gives up on a slow server (timeout)', async () => {
    routes.set('/slow.json', () => {
      /* never answers */
    });
    const started = Date.now();
    const err = await rejection(resolver({ fetchTimeoutMs: 200 }).resolve(url('/slow.json')));
    expect(err.detail).toMatch(/not fetched within 200 ms/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('draft §6: gives up on a body that trickles in past the deadline', async () => {
    routes.set('/trickle.json', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"client_id":');
      /* never finishes */
    });
    expect((await rejection(resolver({ fetchTimeoutMs: 200 }).resolve(url('/trickle.json')))).detail).toMatch(/not fetched within/);
  });

  it('draft §6: does not follow redirects', async () => {
    serveJson('/target.json', document('/redirect.json'));
    routes.set('/redirect.json', (_req, res) => res.writeHead(302, { location: url('/target.json') }).end());
    const err = await rejection(resolver().resolve(url('/redirect.json')));
    expect(err.detail).toMatch(/redirect \(HTTP 302\)/);
    expect(hits.get('/target.json')).toBeUndefined();
  });

  it('rejects an error status', async () => {
    expect((await rejection(resolver().resolve(url('/missing.json')))).detail).toMatch(/HTTP 404/);
  });

  it('rejects a client_id that is not a document URL without fetching anything', async () => {
    const err = await rejection(resolver().resolve('https://client.example.com/'));
    expect(err.description).toMatch(/must contain a path/);
    const noLoopback = await rejection(resolver({ allowHttpLoopback: false }).resolve(url('/client.json')));
    expect(noLoopback.description).toMatch(/https/);
    expect(hits.size).toBe(0);
  });

  describe('caching (draft §5: respect HTTP cache headers, within bounds)', () => {
    it('Cache-Control max-age: no refetch within max-age, refetch after it', async () => {
      serveJson('/cached.json', document('/cached.json'), { 'cache-control': 'public, max-age=120' });
      const r = resolver();
      await r.resolve(url('/cached.json'));
      clock += 60_000;
      await r.resolve(url('/cached.json'));
      expect(hits.get('/cached.json')).toBe(1);
      clock += 61_000;
      await r.resolve(url('/cached.json'));
      expect(hits.get('/cached.json')).toBe(2);
    });

    it('a changed document is seen after expiry', async () => {
      serveJson('/changing.json', document('/changing.json'), { 'cache-control': 'max-age=300' });
      const r = resolver();
      expect((await r.resolve(url('/changing.json'))).name).toBe('Example MCP Client');
      serveJson('/changing.json', document('/changing.json', { client_name: 'Renamed' }), { 'cache-control': 'max-age=300' });
      expect((await r.resolve(url('/changing.json'))).name).toBe('Example MCP Client');
      clock += 301_000;
      expect((await r.resolve(url('/changing.json'))).name).toBe('Renamed');
    });

    it('max-age below the 60 s floor is raised to it; no-store too', async () => {
      serveJson('/short.json', document('/short.json'), { 'cache-control': 'max-age=5' });
      const r = resolver();
      await r.resolve(url('/short.json'));
      clock += 30_000;
      await r.resolve(url('/short.json'));
      expect(hits.get('/short.json')).toBe(1);
      clock += 31_000;
      await r.resolve(url('/short.json'));
      expect(hits.get('/short.json')).toBe(2);
    });

    it('cacheTtlMs: default 5 min without a max-age, capped at 24 h', () => {
      const bounds = { minTtlMs: 60_000, maxTtlMs: 86_400_000, defaultTtlMs: 300_000 };
      expect(cacheTtlMs(undefined, bounds)).toBe(300_000);
      expect(cacheTtlMs('public', bounds)).toBe(300_000);
      expect(cacheTtlMs('max-age=600', bounds)).toBe(600_000);
      expect(cacheTtlMs('max-age=999999999', bounds)).toBe(86_400_000);
      expect(cacheTtlMs('no-store', bounds)).toBe(60_000);
      expect(cacheTtlMs('private, no-cache, max-age=600', bounds)).toBe(60_000);
    });

    it('a failed fetch is remembered for a minute, and concurrent resolutions share one fetch', async () => {
      const r = resolver();
      await rejection(r.resolve(url('/later.json')));
      serveJson('/later.json', document('/later.json'));
      clock += 60_000;
      const [a, b, c] = await Promise.all([r.resolve(url('/later.json')), r.resolve(url('/later.json')), r.resolve(url('/later.json'))]);
      expect(a.name).toBe('Example MCP Client');
      expect(b).toEqual(a);
      expect(c).toEqual(a);
      expect(hits.get('/later.json')).toBe(2); // the 404, then one fetch for three callers
    });
  });

  describe('SSRF protection (draft §6)', () => {
    const publicLookup = async () => [{ address: '93.184.216.34', family: 4 }];

    it.each(['10.0.0.1', '172.16.0.1', '192.168.1.1', '127.0.0.1', '169.254.169.254', '100.64.0.1', '::1', 'fe80::1', '::ffff:10.0.0.1', '0.0.0.0'])(
      'refuses a host resolving to %s when allowHttpLoopback is false',
      async (address) => {
        let looked = 0;
        const r = resolver({
          allowHttpLoopback: false,
          lookup: async () => {
            looked++;
            return [{ address, family: address.includes(':') ? 6 : 4 }];
          },
        });
        const err = await rejection(r.resolve('https://internal.example.com/client.json'));
        expect(err.detail).toMatch(/non-public address/);
        expect(looked).toBe(1);
      },
    );

    it('refuses a host whose answers mix public and private addresses', async () => {
      const r = resolver({
        allowHttpLoopback: false,
        lookup: async () => [
          { address: '93.184.216.34', family: 4 },
          { address: '10.0.0.1', family: 4 },
        ],
      });
      expect((await rejection(r.resolve('https://mixed.example.com/client.json'))).detail).toMatch(/non-public/);
    });

    it('refuses IP-literal hosts in private ranges without any lookup', async () => {
      const r = resolver({ allowHttpLoopback: false, lookup: publicLookup });
      for (const id of ['https://127.0.0.1/c.json', 'https://[::1]/c.json', 'https://169.254.169.254/latest/meta-data', 'https://10.1.2.3:8443/c']) {
        expect((await rejection(r.resolve(id))).detail).toMatch(/non-public/);
      }
    });

    it('allowHttpLoopback exempts loopback only, not other private ranges', async () => {
      const r = resolver({ allowHttpLoopback: true, lookup: async () => [{ address: '192.168.1.1', family: 4 }] });
      expect((await rejection(r.resolve('https://printer.example.com/c.json'))).detail).toMatch(/non-public/);
    });

    it('reports a name that does not resolve', async () => {
      const r = resolver({
        lookup: async () => {
          throw new Error('ENOTFOUND');
        },
      });
      expect((await rejection(r.resolve('https://nowhere.example.com/c.json'))).detail).toMatch(/could not resolve/);
    });

    it('connects to the checked address, not to a second resolution (DNS rebinding)', async () => {
      // "localhost" is sent to our lookup, which pins 127.0.0.1 — the system resolver is never asked.
      const port = new URL(base).port;
      const id = `http://localhost:${port}/pinned.json`;
      serveJson('/pinned.json', { ...document('/pinned.json'), client_id: id });
      const lookedUp: string[] = [];
      const r = resolver({
        lookup: async (host) => {
          lookedUp.push(host);
          return [{ address: '127.0.0.1', family: 4 }];
        },
      });
      expect((await r.resolve(id)).clientId).toBe(id);
      expect(lookedUp).toEqual(['localhost']);
      expect(hits.get('/pinned.json')).toBe(1);
    });

    it('connects to the pinned address for a name only our lookup knows (https, SNI set)', async () => {
      // cimd.invalid cannot resolve through the system (RFC 6761 .invalid): reaching our
      // 127.0.0.1 server proves the connection used the checked address. The server
      // speaks plain http, so the TLS handshake then fails — after connecting.
      await countingConnections(async (connections) => {
        const port = new URL(base).port;
        const r = resolver({ lookup: async () => [{ address: '127.0.0.1', family: 4 }] });
        const err = await rejection(r.resolve(`https://cimd.invalid:${port}/client.json`));
        expect(err.detail).toMatch(/could not be fetched/);
        expect(err.detail).not.toMatch(/ENOTFOUND|could not resolve/);
        expect(connections()).toBe(1);
      });
    });
  });
});

describe('not an oracle for the network (draft §6)', () => {
  /** A port on 127.0.0.1 with nothing listening. */
  async function closedPort(): Promise<number> {
    const s = createServer();
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const { port } = s.address() as AddressInfo;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    return port;
  }

  it('the caller hears one generic message whatever went wrong; the reason is kept for the log', async () => {
    routes.set('/forbidden.json', (_req, res) => res.writeHead(403).end('no'));
    routes.set('/moved.json', (_req, res) => res.writeHead(302, { location: url('/elsewhere') }).end());
    serveJson('/page.json', '<html>a web page</html>');
    routes.set('/slow.json', () => {});
    const refused = `http://127.0.0.1:${await closedPort()}/client.json`;
    const cases: Array<[string, string, RegExp, Partial<ClientMetadataResolverOptions>?]> = [
      ['connection refused', refused, /ECONNREFUSED/],
      ['an error status', url('/forbidden.json'), /HTTP 403/],
      ['a redirect', url('/moved.json'), /redirect \(HTTP 302\)/],
      ['not JSON', url('/page.json'), /not valid JSON/],
      ['a timeout', url('/slow.json'), /not fetched within 200 ms/, { fetchTimeoutMs: 200 }],
      ['a private address', 'https://internal.example.com/c.json', /non-public address/, { allowHttpLoopback: false, lookup: async () => [{ address: '10.0.0.7', family: 4 }] }],
      ['a name that does not resolve', 'https://nowhere.example.com/c.json', /could not resolve/, { lookup: async () => { throw new Error('ENOTFOUND'); } }],
    ];
    for (const [why, id, detail, opts] of cases) {
      const err = await rejection(resolver(opts).resolve(id));
      expect(err.description, why).toBe(FETCH_FAILED_DESCRIPTION);
      expect(JSON.stringify(err.toJSON()), why).not.toMatch(/ECONNREFUSED|403|302|10\.0\.0\.7|timeout|within|resolve|JSON|127\.0\.0\.1/);
      expect(err.detail, why).toMatch(detail);
    }
  });

  it('a failed fetch is remembered for 60 s per document URL: a second request within it sends nothing', async () => {
    routes.set('/down.json', (_req, res) => res.writeHead(503).end());
    const r = resolver();
    await rejection(r.resolve(url('/down.json')));
    expect(hits.get('/down.json')).toBe(1);
    serveJson('/down.json', document('/down.json'));
    clock += 59_000;
    const again = await rejection(r.resolve(url('/down.json')));
    expect(again.description).toBe(FETCH_FAILED_DESCRIPTION);
    expect(hits.get('/down.json')).toBe(1);
    // Another URL is not affected by it.
    serveJson('/up.json', document('/up.json'));
    await expect(r.resolve(url('/up.json'))).resolves.toMatchObject({ clientId: url('/up.json') });
    clock += 1_000;
    await expect(r.resolve(url('/down.json'))).resolves.toMatchObject({ clientId: url('/down.json') });
    expect(hits.get('/down.json')).toBe(2);
  });

  it('the memory of failures is bounded: the oldest goes first', async () => {
    const r = resolver({ negativeCache: { maxEntries: 2 } });
    for (const path of ['/gone-1.json', '/gone-2.json', '/gone-3.json']) await rejection(r.resolve(url(path)));
    await rejection(r.resolve(url('/gone-1.json')));
    await rejection(r.resolve(url('/gone-3.json')));
    expect(hits.get('/gone-1.json')).toBe(2);
    expect(hits.get('/gone-3.json')).toBe(1);
  });

  it('a host gets at most its limit of fetches a minute, then nothing is sent to it until the minute is over', async () => {
    let t = 1_000_000;
    const limiter = createMemoryRateLimiter(() => t);
    const r = resolver({ now: () => t, fetchLimit: { limiter, perHost: 3, perAddress: 100 } });
    for (const n of [1, 2, 3, 4, 5]) serveJson(`/many-${n}.json`, document(`/many-${n}.json`));
    for (const n of [1, 2, 3]) await r.resolve(url(`/many-${n}.json`));
    const err = await rejection(r.resolve(url('/many-4.json')));
    expect(err.description).toBe(FETCH_FAILED_DESCRIPTION);
    expect(err.detail).toMatch(/limit/);
    expect(hits.get('/many-4.json')).toBeUndefined();
    // Refused for the limit, not for the document: not remembered as a failure.
    t += 60_000;
    await expect(r.resolve(url('/many-4.json'))).resolves.toMatchObject({ clientId: url('/many-4.json') });
    expect(hits.get('/many-4.json')).toBe(1);
  });

  it('many names for one address share the address\'s limit (no way around it with wildcard DNS)', async () => {
    // Names only our lookup knows, all pinned to the test server: each fetch is one connection
    // (the server speaks plain http, so the TLS handshake then fails — after connecting).
    await countingConnections(async (connections) => {
      const port = new URL(base).port;
      const limiter = createMemoryRateLimiter(() => clock);
      const r = resolver({ lookup: async () => [{ address: '127.0.0.1', family: 4 }], fetchLimit: { limiter, perHost: 100, perAddress: 2 } });
      for (const name of ['a', 'b']) await rejection(r.resolve(`https://${name}.cimd.invalid:${port}/c.json`));
      expect(connections()).toBe(2);
      expect((await rejection(r.resolve(`https://c.cimd.invalid:${port}/c.json`))).detail).toMatch(/limit/);
      expect(connections()).toBe(2);
    });
  });
});

describe('resolveMetadataDocumentClient (the stored row, blocks, and the fetch)', () => {
  it('a blocked document URL is refused before any fetch, and no row comes back', async () => {
    const store = new MemoryOAuthStore();
    serveJson('/blocked.json', document('/blocked.json'));
    const r = resolver();
    const client = await resolveMetadataDocumentClient(store, r, url('/blocked.json'));
    expect(hits.get('/blocked.json')).toBe(1);
    await store.deleteClient(client.id);
    store.blockedDocuments.add(url('/blocked.json'));
    r.clear();
    const err = await rejection(resolveMetadataDocumentClient(store, r, url('/blocked.json')));
    expect(err.description).toBe(BLOCKED_DESCRIPTION);
    expect(hits.get('/blocked.json')).toBe(1);
    expect(store.clients.size).toBe(0);
  });

  it('a block that lands while the document is being fetched still wins', async () => {
    const store = new MemoryOAuthStore();
    routes.set('/racing.json', (_req, res) => {
      store.blockedDocuments.add(url('/racing.json'));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document('/racing.json')));
    });
    const err = await rejection(resolveMetadataDocumentClient(store, resolver(), url('/racing.json')));
    expect(err.description).toBe(BLOCKED_DESCRIPTION);
    expect(store.clients.size).toBe(0);
  });

  it('a known client keeps working from its stored row while its host is over the fetch limit', async () => {
    const store = new MemoryOAuthStore();
    const limiter = createMemoryRateLimiter(() => clock);
    const r = resolver({ fetchLimit: { limiter, perHost: 1, perAddress: 1 } });
    serveJson('/known.json', document('/known.json'));
    const first = await resolveMetadataDocumentClient(store, r, url('/known.json'));
    r.clear();
    await expect(resolveMetadataDocumentClient(store, r, url('/known.json'))).resolves.toMatchObject({ id: first.id, clientId: url('/known.json') });
    expect(hits.get('/known.json')).toBe(1);
    serveJson('/unknown.json', document('/unknown.json'));
    await rejection(resolveMetadataDocumentClient(store, r, url('/unknown.json')));
  });
});

describe('storing a metadata-document client (grants reference its row)', () => {
  it('toStoredClient gives what insertClient takes', async () => {
    serveJson('/stored.json', document('/stored.json'));
    const client = await resolver().resolve(url('/stored.json'));
    const stored = toStoredClient(client);
    expect(stored).not.toHaveProperty('createdAt');
    expect(stored).not.toHaveProperty('disabled');
    const store = new MemoryOAuthStore();
    const row = await store.insertClient(stored);
    expect(row.id).toBe(client.id);
  });

  it('syncMetadataDocumentClient inserts, refreshes changed metadata, and keeps an operator\'s disabled flag', async () => {
    const store = new MemoryOAuthStore();
    serveJson('/sync.json', document('/sync.json'));
    const r = resolver();
    const first = await syncMetadataDocumentClient(store, await r.resolve(url('/sync.json')));
    expect(first).toMatchObject({ clientId: url('/sync.json'), source: 'metadata_document', disabled: false });
    await store.updateClient(first.id, { disabled: true });

    serveJson('/sync.json', document('/sync.json', { client_name: 'New name' }));
    r.clear();
    const second = await syncMetadataDocumentClient(store, await r.resolve(url('/sync.json')));
    expect(second).toMatchObject({ id: first.id, name: 'New name', disabled: true });
    expect(store.clients.size).toBe(1);
  });
});
