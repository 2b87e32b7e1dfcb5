// The logger's last line of defence: nothing shaped like a Gatehouse secret,
// a JWT, an Authorization value or a session cookie survives into a log line.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { runWithRequestContext } from '../../lib/server/observability/request-context.ts';
import { REDACTED, addSensitiveValues, scrubSecrets, scrubValue } from '../../lib/server/observability/scrub.ts';
import { createLogger, errorSummary, log, setLogger } from '../../lib/server/runtime/logger.ts';

const b64 = (n = 32) => randomBytes(n).toString('base64url');
const jwt = () => `eyJ${b64(12)}.${b64(40)}.${b64(64)}`;
// next-auth's session cookie is a JWE (dir): five parts, the second empty.
const jwe = () => `eyJ${b64(20)}..${b64(12)}.${b64(80)}.${b64(16)}`;

describe('scrubSecrets', () => {
  const secrets: Array<[string, string]> = [
    ['refresh token', `gh_rt_${b64()}`],
    ['personal token', `gh_pat_${b64()}`],
    ['team token', `gh_team_${b64()}`],
    ['client secret', `gh_cs_${b64()}`],
    ['registration access token', `gh_rat_${b64()}`],
    ['authorization code', `gh_ac_${b64()}`],
    ['access token (JWT)', jwt()],
    ['session (JWE)', jwe()],
  ];

  for (const [kind, secret] of secrets) {
    it(`masks a ${kind} wherever it appears`, () => {
      for (const text of [secret, `token=${secret}`, `before ${secret} after`, `{"x":"${secret}"}`, `/cb?code=${secret}&state=1`, `a_${secret}`]) {
        const out = scrubSecrets(text);
        expect(out, text).not.toContain(secret);
        // Nothing of the secret's body is left either.
        expect(out, text).not.toContain(secret.slice(-12));
        expect(out).toContain(REDACTED);
      }
    });
  }

  it('masks Authorization values, session cookies and secret-bearing parameters', () => {
    const opaque = b64(24);
    expect(scrubSecrets(`Authorization: Bearer ${opaque}`)).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(scrubSecrets(`basic ${Buffer.from(`client:${opaque}`).toString('base64')}`)).toBe(`basic ${REDACTED}`);
    expect(scrubSecrets(`cookie: gatehouse.session=${opaque}; theme=dark`)).toBe(`cookie: gatehouse.session=${REDACTED}; theme=dark`);
    expect(scrubSecrets(`__Host-gatehouse.session=${opaque}`)).toBe(`__Host-gatehouse.session=${REDACTED}`);
    expect(scrubSecrets(`next-auth.csrf-token=${opaque}`)).toBe(`next-auth.csrf-token=${REDACTED}`);
    expect(scrubSecrets(`/oauth/authorize?client_id=abc&code_verifier=${opaque}&state=s`)).toBe(`/oauth/authorize?client_id=abc&code_verifier=${REDACTED}&state=s`);
    expect(scrubSecrets(`grant_type=refresh_token&refresh_token=${opaque}`)).toBe(`grant_type=refresh_token&refresh_token=${REDACTED}`);
    expect(scrubSecrets(`{"client_secret":"${opaque}","client_id":"abc"}`)).toBe(`{"client_secret":"${REDACTED}","client_id":"abc"}`);
  });

  it('masks exact configured secrets that have no recognisable shape', () => {
    const secret = b64(32);
    expect(scrubSecrets(`secret is ${secret}`)).toContain(secret);
    addSensitiveValues([secret, null, 'short']);
    expect(scrubSecrets(`secret is ${secret}!`)).toBe(`secret is ${REDACTED}!`);
    expect(scrubSecrets('short')).toBe('short');
  });

  it('leaves ordinary text alone', () => {
    for (const text of [
      'Gatehouse listening on http://localhost:3000',
      'client ghc_4f9aQx2b7LmN0pQrStUvWx registered',
      'request failed: P1001 database unreachable',
      '/oauth/register/ghc_abc',
      '3f2b8a9e-6c1d-4e5f-8a7b-9c0d1e2f3a4b',
      'exit code: 1',
      'the token endpoint answered 400',
    ]) {
      expect(scrubSecrets(text)).toBe(text);
    }
  });
});

describe('scrubValue', () => {
  it('masks sensitive keys at any depth and scrubs every string', () => {
    const rt = `gh_rt_${b64()}`;
    const out = scrubValue({
      headers: { authorization: 'Bearer abc', cookie: 'a=b', 'x-gatehouse-proxy-secret': 'p', accept: 'text/html' },
      body: { client_secret: 'plain', nested: [{ refresh_token: 'x' }, `see ${rt}`] },
      error: new Error(`failed for ${rt}`),
      code: 'P1001',
      count: 3,
    }) as Record<string, any>;
    expect(out.headers).toEqual({ authorization: REDACTED, cookie: REDACTED, 'x-gatehouse-proxy-secret': REDACTED, accept: 'text/html' });
    expect(out.body.client_secret).toBe(REDACTED);
    expect(out.body.nested[0].refresh_token).toBe(REDACTED);
    expect(out.body.nested[1]).toBe(`see ${REDACTED}`);
    expect(out.error.message).toBe(`failed for ${REDACTED}`);
    expect(out.code).toBe('P1001');
    expect(out.count).toBe(3);
    expect(JSON.stringify(out)).not.toContain(rt);
  });

  it('survives cycles', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(scrubValue(a)).toEqual({ name: 'a', self: '[Circular]' });
  });
});

describe('log()', () => {
  let lines: Array<{ stream: 'stdout' | 'stderr'; line: Record<string, unknown> }> = [];
  const sink = {
    stdout: { write: (l: string) => lines.push({ stream: 'stdout', line: JSON.parse(l) }) },
    stderr: { write: (l: string) => lines.push({ stream: 'stderr', line: JSON.parse(l) }) },
  };

  afterEach(() => {
    setLogger(undefined);
    lines = [];
  });

  it('writes one JSON line per call, info to stdout, warn and error to stderr', () => {
    setLogger(createLogger(sink));
    log('info', 'hello', { a: 1 });
    log('warn', 'careful');
    log('error', 'broken');
    expect(lines.map((l) => [l.stream, l.line.level, l.line.msg])).toEqual([
      ['stdout', 'info', 'hello'],
      ['stderr', 'warn', 'careful'],
      ['stderr', 'error', 'broken'],
    ]);
    expect(lines[0].line).toMatchObject({ a: 1 });
    expect(typeof lines[0].line.time).toBe('string');
  });

  it('names the request id of the request it runs for', async () => {
    setLogger(createLogger(sink));
    log('info', 'outside');
    await runWithRequestContext({ requestId: 'req-123' }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      log('info', 'inside');
    });
    expect(lines[0].line.request_id).toBeUndefined();
    expect(lines[1].line.request_id).toBe('req-123');
  });

  it('never prints a secret, in the message or in any field', () => {
    setLogger(createLogger(sink));
    const secrets = [`gh_rt_${b64()}`, `gh_cs_${b64()}`, `gh_ac_${b64()}`, jwt()];
    log('info', `issued ${secrets[0]}`, {
      authorization: `Bearer ${secrets[3]}`,
      form: { client_secret: secrets[1], code: secrets[2] },
      url: `/cb?code=${secrets[2]}`,
      list: secrets,
    });
    const text = JSON.stringify(lines);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(lines[0].line.authorization).toBe(REDACTED);
  });

  it('keeps its own message, level and time against same-named fields', () => {
    setLogger(createLogger(sink));
    log('info', 'real', { msg: 'fake', level: 'error', time: 'never' });
    expect(lines[0].line).toMatchObject({ msg: 'real', level: 'info' });
    expect(lines[0].line.time).not.toBe('never');
  });
});

describe('errorSummary', () => {
  it('keeps the first line that says something, so a driver error that starts with a newline is not logged as ""', () => {
    const prismaLike = new Error('\nInvalid `prisma.auditEvent.create()` invocation:\n\n  SELECT … FROM "AuditEvent"\nconnection refused');
    expect(errorSummary(prismaLike)).toBe('Invalid `prisma.auditEvent.create()` invocation:');
    expect(errorSummary(new Error('plain'))).toBe('plain');
    expect(errorSummary(new TypeError(''))).toBe('TypeError');
    expect(errorSummary('thrown text')).toBe('thrown text');
  });
});
