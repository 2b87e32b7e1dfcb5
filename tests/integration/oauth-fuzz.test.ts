// Property tests over HTTP: random and malformed requests at every protocol
// endpoint — random methods and content types, garbage bodies (random text,
// random form fields with huge, unicode and repeated values, random JSON),
// garbage Authorization headers, random query strings on /oauth/authorize,
// random paths under /oauth/register/. Whatever arrives, the server answers
// without a 5xx, in the endpoint's format (JSON with an `error` string on the
// JSON endpoints, an HTML page for the authorize errors), and a client set up
// before the fuzzing works exactly as before afterwards. SQLite only.
import http from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient as createAdminClient } from '../../lib/server/clients/create-client.ts';
import { createConsentTicket } from '../../lib/server/oauth/consent-ticket.ts';
import {
  authorizeThroughConsent,
  basicAuth,
  createUser,
  pkcePair,
  postForm,
  signInCookie,
  startProtocolServer,
  type ProtocolServer,
} from '../helpers/protocol-server.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const REDIRECT_URI = 'http://127.0.0.1:8765/callback';
const RESOURCE = 'https://mcp.example/';
const FORM = 'application/x-www-form-urlencoded';

type FuzzRequest = { method: string; path: string; headers: Record<string, string>; body?: string | Uint8Array };
type Answer = { status: number; contentType: string; text: string };
/** How an endpoint answers: its errors as JSON, as HTML, or as either (the consent decision). */
type Format = 'json' | 'html' | 'json-or-html';

const METHODS = http.METHODS.filter((m) => m !== 'CONNECT');

// ---------------------------------------------------------------------------
// Arbitraries that need nothing from the server

const printable = (maxLength = 200) => fc.string({ unit: 'grapheme-ascii', maxLength });
/** Strings that are anything: printable, any unicode (lone surrogates included), control characters. */
const anyText = (maxLength = 200) =>
  fc.oneof(printable(maxLength), fc.string({ unit: 'grapheme', maxLength }), fc.string({ unit: 'binary', maxLength }), fc.string({ unit: 'binary-ascii', maxLength }));
/** Values past every limit: the 4096-character parameter cap, the 64 KiB body cap. */
const huge = fc.oneof(fc.integer({ min: 4000, max: 5000 }), fc.integer({ min: 60_000, max: 70_000 })).map((n) => 'é'.repeat(Math.floor(n / 2)) + 'x'.repeat(n - Math.floor(n / 2)));

const contentType = fc.oneof(
  { weight: 4, arbitrary: fc.constant(FORM) },
  fc.constantFrom('application/json', 'text/plain', 'multipart/form-data; boundary=x', `${FORM}; charset=utf-8`, 'APPLICATION/X-WWW-FORM-URLENCODED', 'application/json; charset=utf-8', ''),
  printable(40),
);

const method = (preferred: string) => fc.oneof({ weight: 4, arbitrary: fc.constant(preferred) }, fc.constantFrom(...METHODS));

const base64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
/** Every UTF-8 byte percent-encoded (encodeURIComponent throws on lone surrogates). */
const percentEncode = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');

function encodeForm(fields: [string, string][]): string {
  const search = new URLSearchParams();
  for (const [name, value] of fields) search.append(name, value);
  return search.toString();
}

/** Random JSON, and objects shaped like client metadata with random values. */
const jsonBody = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc
    .dictionary(
      fc.oneof(
        fc.constantFrom(
          'redirect_uris',
          'client_name',
          'grant_types',
          'response_types',
          'token_endpoint_auth_method',
          'scope',
          'client_uri',
          'logo_uri',
          'contacts',
          'application_type',
          'software_id',
          'client_id',
          'client_secret',
          '__proto__',
          'constructor',
        ),
        anyText(20),
      ),
      fc.oneof(
        fc.jsonValue({ maxDepth: 2 }),
        fc.array(fc.constantFrom('https://app.example/cb', REDIRECT_URI, 'javascript:alert(1)', 'http://evil.example/', 'https://a/#f', '*'), { maxLength: 3 }),
        fc.constantFrom('none', 'client_secret_basic', 'client_secret_post', 'authorization_code', 'mcp:tools'),
        huge,
      ),
      { maxKeys: 8 },
    )
    .map((o) => JSON.stringify(o)),
);

// ---------------------------------------------------------------------------

describe('fuzzing the protocol endpoints (sqlite)', () => {
  let server: ProtocolServer;
  let user: Awaited<ReturnType<typeof createUser>>;
  let cookie: string;
  /** Set up before the fuzzing; must work the same afterwards. */
  let survivor: { clientId: string; rat: string; refreshToken: string; accessToken: string };
  let introspector: { clientId: string; secret: string };

  beforeAll(async () => {
    server = await startProtocolServer({ provider: 'sqlite' });
    user = await createUser(server);
    cookie = await signInCookie(server.app, user);
    const created = await createAdminClient(server.db, { name: 'Introspector', confidential: true, canIntrospect: true }, { type: 'system' });
    introspector = { clientId: created.client.clientId, secret: created.clientSecret! };

    const registered = await server.fetch('/oauth/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Survivor', redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none' }),
    });
    expect(registered.status).toBe(201);
    const client = (await registered.json()) as { client_id: string; registration_access_token: string };
    const pkce = pkcePair();
    const { code } = await authorizeThroughConsent(server, user, { clientId: client.client_id, redirectUri: REDIRECT_URI, codeChallenge: pkce.challenge, resource: RESOURCE });
    const tokens = await postForm(server, '/oauth/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: pkce.verifier,
      client_id: client.client_id,
    });
    expect(tokens.status).toBe(200);
    const body = (await tokens.json()) as { access_token: string; refresh_token: string };
    survivor = { clientId: client.client_id, rat: client.registration_access_token, refreshToken: body.refresh_token, accessToken: body.access_token };
  });
  afterAll(async () => {
    await server?.stop();
  });

  /**
   * One request on its own connection, the body always framed by
   * Content-Length (Node's client sends a GET body unframed, which the server
   * would read as the next request and answer itself with a bare 400).
   */
  function send(request: FuzzRequest): Promise<Answer> {
    const url = new URL(server.url);
    const headers = { ...request.headers };
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: url.hostname, port: url.port, method: request.method, path: request.path, headers, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (request.body !== undefined) req.end(request.body);
      else req.end();
    });
  }

  function describeRequest(r: FuzzRequest): string {
    const body = r.body === undefined ? '' : typeof r.body === 'string' ? r.body.slice(0, 300) : `<${r.body.length} bytes>`;
    return `${r.method} ${r.path.slice(0, 300)} ${JSON.stringify(r.headers).slice(0, 300)} ${body}`;
  }

  /** The invariants every answer keeps. */
  async function check(request: FuzzRequest, format: Format): Promise<void> {
    const answer = await send(request);
    const what = `${answer.status} ${answer.contentType} ${answer.text.slice(0, 200)} ← ${describeRequest(request)}`;
    expect(answer.status, what).toBeGreaterThanOrEqual(200);
    expect(answer.status, what).toBeLessThan(500);
    expect(server.unhandledErrors, what).toEqual([]);
    if (request.method === 'HEAD' || answer.status < 400) return;
    const isJson = answer.contentType.startsWith('application/json');
    const isHtml = answer.contentType.startsWith('text/html');
    if (format === 'html') expect(isHtml, what).toBe(true);
    if (format === 'json') expect(isJson, what).toBe(true);
    if (format === 'json-or-html') expect(isJson || isHtml, what).toBe(true);
    if (isJson) {
      const body = JSON.parse(answer.text) as { error?: unknown };
      expect(typeof body.error, what).toBe('string');
    }
  }

  // -- arbitraries that use the server's clients and tokens ------------------

  const authorization = () =>
    fc.oneof(
      { weight: 2, arbitrary: fc.constant(undefined) },
      anyText(60).map((s) => `Basic ${base64(s)}`),
      fc.tuple(anyText(30), anyText(30)).map(([id, secret]) => `Basic ${base64(`${id}:${secret}`)}`),
      printable(80).map((s) => `Basic ${s}`),
      printable(80).map((s) => `Bearer ${s}`),
      printable(80),
      anyText(40).map((secret) => `Basic ${base64(`${introspector.clientId}:${secret}`)}`),
      fc.constant(basicAuth(introspector.clientId, introspector.secret)),
      fc.constantFrom('Basic', 'Basic ', 'basic  Og==', 'Bearer', 'Basic ====', 'Basic %%%%'),
    );

  /** Values that sometimes mean something to the server, so requests get past the first check. */
  const meaningful = () =>
    fc.constantFrom(
      'authorization_code',
      'refresh_token',
      'client_credentials',
      'password',
      'code',
      'S256',
      'plain',
      'mcp:tools',
      'offline_access openid',
      REDIRECT_URI,
      RESOURCE,
      'https://other.example/',
      survivor.clientId,
      introspector.clientId,
      'gh_rt_' + 'A'.repeat(43),
      'gh_pat_x',
      'gh_team_x',
      'a.b.c',
      'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
    );

  const fieldValue = () => fc.oneof({ weight: 3, arbitrary: anyText(100) }, { weight: 3, arbitrary: meaningful() }, huge);

  const formFields = (names: string[]) =>
    fc
      .array(fc.tuple(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...names) }, fc.constantFrom('__proto__', 'constructor', 'toString'), anyText(20)), fieldValue()), { maxLength: 10 })
      // Repeated parameters, on purpose.
      .chain((fields) => fc.boolean().map((repeat) => (repeat && fields.length ? [...fields, fields[0]] : fields)));

  const body = (names: string[]) =>
    fc.oneof(
      { weight: 5, arbitrary: formFields(names).map(encodeForm) },
      anyText(500),
      jsonBody,
      fc.uint8Array({ maxLength: 300 }),
      huge,
      fc.constant(''),
    );

  const headers = (opts: { auth?: boolean; cookie?: boolean; origin?: boolean } = {}) =>
    fc
      .record({
        'content-type': contentType,
        authorization: opts.auth === false ? fc.constant(undefined) : authorization(),
        cookie: opts.cookie ? fc.oneof(fc.constant(undefined), fc.constant(cookie), printable(80), printable(80).map((v) => `gatehouse.session=${v}`)) : fc.constant(undefined),
        origin: opts.origin ? fc.oneof(fc.constant(undefined), fc.constant(server.issuer), printable(40), fc.constant('null')) : fc.constant(undefined),
        'sec-fetch-site': opts.origin ? fc.constantFrom(undefined, 'same-origin', 'cross-site', 'none') : fc.constant(undefined),
      })
      .map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>);

  const formEndpoint = (path: string, names: string[]) =>
    fc.record({ method: method('POST'), path: fc.constant(path), headers: headers(), body: body(names) });

  // -- the properties --------------------------------------------------------

  it('token endpoint', async () => {
    const names = ['grant_type', 'code', 'redirect_uri', 'code_verifier', 'client_id', 'client_secret', 'refresh_token', 'scope', 'resource'];
    await fc.assert(fc.asyncProperty(formEndpoint('/oauth/token', names), (r) => check(r, 'json')), { numRuns: RUNS });
  });

  it('revocation endpoint', async () => {
    const names = ['token', 'token_type_hint', 'client_id', 'client_secret'];
    await fc.assert(fc.asyncProperty(formEndpoint('/oauth/revoke', names), (r) => check(r, 'json')), { numRuns: RUNS });
  });

  it('introspection endpoint', async () => {
    const names = ['token', 'token_type_hint', 'client_id', 'client_secret'];
    await fc.assert(fc.asyncProperty(formEndpoint('/oauth/introspect', names), (r) => check(r, 'json')), { numRuns: RUNS });
  });

  it('registration endpoint', async () => {
    const request = fc.record({
      method: method('POST'),
      path: fc.constant('/oauth/register'),
      headers: headers().map((h) => ({ ...h, 'content-type': h['content-type'] === FORM ? 'application/json' : h['content-type'] })),
      body: fc.oneof({ weight: 5, arbitrary: jsonBody }, body(['redirect_uris', 'client_name'])),
    });
    await fc.assert(fc.asyncProperty(request, (r) => check(r, 'json')), { numRuns: RUNS });
  });

  it('client configuration endpoint (random paths under /oauth/register/)', async () => {
    // Anything http.request lets through as a path: visible ASCII, raw or percent-encoded, malformed escapes too.
    const segment = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'abcXYZ019-._~%/!$&\'()*+,;=:@"<>[]\\^`{|}'.split('')), maxLength: 40 }),
      anyText(40).map(percentEncode),
      fc.constantFrom('%', '%E0%A4%A', '%zz', '%00', '..', '../token', survivor.clientId, `${survivor.clientId}/x`, encodeURIComponent(survivor.clientId)),
    );
    const request = fc.record({
      method: fc.oneof({ weight: 2, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE') }, fc.constantFrom(...METHODS)),
      path: fc.tuple(segment, fc.option(printable(30).map((q) => encodeURIComponent(q)))).map(([s, q]) => `/oauth/register/${s}${q ? `?${q}` : ''}`),
      headers: headers().map((h) => ({ ...h, 'content-type': 'application/json' })),
      body: fc.option(jsonBody, { nil: undefined }),
    });
    await fc.assert(fc.asyncProperty(request, (r) => check(r, 'json')), { numRuns: RUNS });
  });

  it('authorization endpoint (random query strings, signed in or not)', async () => {
    const names = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method', 'resource'];
    const plausible = fc.record({
      response_type: fc.constantFrom('code', 'token', ''),
      client_id: fc.constantFrom(survivor.clientId, introspector.clientId, 'ghc_unknown'),
      redirect_uri: fc.constantFrom(REDIRECT_URI, 'http://127.0.0.1:1/callback', 'https://evil.example/cb'),
      code_challenge: fc.constantFrom(pkcePair().challenge, 'short'),
      code_challenge_method: fc.constantFrom('S256', 'plain'),
      scope: fc.constantFrom('mcp:tools', 'unknown', 'offline_access', ''),
      resource: fc.constantFrom(RESOURCE, 'not a url', 'https://x.example/#frag'),
    });
    const query = fc.oneof(
      formFields(names).map(encodeForm),
      // A plausible request with some fields dropped or replaced by noise.
      fc.tuple(plausible, formFields(names)).map(([p, noise]) => encodeForm([...Object.entries(p), ...noise.slice(0, 2)])),
      fc.string({ unit: fc.constantFrom(...'abc=&%+;?/#:@[]ZZ09é'.split('')), maxLength: 80 }).map((s) => encodeURI(s).replace(/#/g, '%23')),
    );
    const request = fc.record({
      method: fc.oneof({ weight: 6, arbitrary: fc.constant('GET') }, fc.constant('HEAD'), fc.constantFrom(...METHODS)),
      // Node refuses request lines over 16 KiB itself; stay under it.
      path: query.map((q) => `/oauth/authorize?${q.slice(0, 12_000)}`),
      headers: headers({ cookie: true }),
      body: fc.option(body(names), { nil: undefined }),
    });
    await fc.assert(
      // GET, HEAD and POST are browser navigations (OAuth 2.1 §4.1.1): their errors are pages.
      fc.asyncProperty(request, (r) => check(r, ['GET', 'HEAD', 'POST'].includes(r.method) ? 'html' : 'json')),
      { numRuns: RUNS },
    );
  });

  it('consent decision endpoint (tickets forged, foreign or real; origins random)', async () => {
    const searchFor = (clientId: string, challenge: string) =>
      new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256' });
    const ticket = fc.oneof(
      printable(100),
      fc.constant(createConsentTicket(server.app.secret, user.id, searchFor(survivor.clientId, pkcePair().challenge))),
      fc.constant(createConsentTicket(server.app.secret, 'someone-else', searchFor(survivor.clientId, pkcePair().challenge))),
      fc.constant(createConsentTicket(server.app.secret, user.id, searchFor('ghc_unknown', 'short'))),
      formFields(['client_id', 'redirect_uri']).map((fields) => createConsentTicket(server.app.secret, user.id, new URLSearchParams(fields))),
    );
    const form = fc
      .tuple(ticket, fc.constantFrom('allow', 'deny', 'maybe', ''), fc.array(anyText(20), { maxLength: 3 }), formFields(['ticket', 'decision', 'workspace']))
      .map(([t, d, ws, noise]) => encodeForm([['ticket', t], ['decision', d], ...ws.map((w): [string, string] => ['workspace', w]), ...noise]));
    const request = fc.record({
      method: method('POST'),
      path: fc.constant('/oauth/authorize/decision'),
      headers: headers({ auth: false, cookie: true, origin: true }),
      body: fc.oneof({ weight: 4, arbitrary: form }, body(['ticket', 'decision', 'workspace'])),
    });
    await fc.assert(fc.asyncProperty(request, (r) => check(r, 'json-or-html')), { numRuns: RUNS });
  });

  it('discovery, JWKS and unknown paths', async () => {
    const path = fc.oneof(
      fc.constantFrom(
        '/.well-known/oauth-authorization-server',
        '/.well-known/openid-configuration',
        '/.well-known/oauth-protected-resource',
        '/.well-known/jwks.json',
        '/oauth/',
        '/oauth/tokenx',
        '/oauth/authorize/',
        '/oauth/register/',
      ),
      fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)),
    );
    const request = fc.record({ method: method('GET'), path, headers: headers(), body: fc.option(anyText(100), { nil: undefined }) });
    await fc.assert(fc.asyncProperty(request, (r) => check(r, 'json')), { numRuns: RUNS });
  });

  it('lost nothing stored before the fuzzing', async () => {
    // The registration reads back unchanged.
    const read = await server.fetch(`/oauth/register/${survivor.clientId}`, { headers: { authorization: `Bearer ${survivor.rat}` } });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ client_id: survivor.clientId, client_name: 'Survivor', redirect_uris: [REDIRECT_URI] });
    // Its access token is still active, its refresh token still rotates.
    const introspect = (token: string) => postForm(server, '/oauth/introspect', { token }, { authorization: basicAuth(introspector.clientId, introspector.secret) });
    expect(await (await introspect(survivor.accessToken)).json()).toMatchObject({ active: true, client_id: survivor.clientId });
    const refreshed = await postForm(server, '/oauth/token', { grant_type: 'refresh_token', refresh_token: survivor.refreshToken, client_id: survivor.clientId });
    expect(refreshed.status).toBe(200);
    const tokens = (await refreshed.json()) as { access_token: string };
    expect(await (await introspect(tokens.access_token)).json()).toMatchObject({ active: true, aud: RESOURCE });
    // And the client can still go through the whole flow.
    const pkce = pkcePair();
    const { code } = await authorizeThroughConsent(server, user, { clientId: survivor.clientId, redirectUri: REDIRECT_URI, codeChallenge: pkce.challenge, resource: RESOURCE });
    const again = await postForm(server, '/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: pkce.verifier, client_id: survivor.clientId });
    expect(again.status).toBe(200);
    expect(server.unhandledErrors).toEqual([]);
  });
});
