import { describe, expect, it } from 'vitest';
import { preflightHeaders } from './cors.ts';
import { InsufficientScopeError, InvalidDpopProofError, InvalidRequestError, InvalidTokenError, MissingTokenError, ToolForbiddenError, VerifierUnavailableError } from './errors.ts';
import { errorAnswer, errorResponse, insufficientScopeResponse, unauthorizedResponse, wwwAuthenticate } from './responses.ts';

const RMU = 'http://localhost:3120/.well-known/oauth-protected-resource/mcp';

describe('401 and 403 answers', () => {
  it('a request without a token gets a bare challenge pointing at the resource metadata', async () => {
    const res = unauthorizedResponse({ resourceMetadataUrl: RMU });
    expect(res.status).toBe(401);
    expect(res.headers.get('WWW-Authenticate')).toBe(`Bearer resource_metadata="${RMU}"`);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('*');
    expect(res.headers.get('Access-Control-Expose-Headers')).toContain('WWW-Authenticate');
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    expect(await res.json()).toEqual({ error: 'unauthorized', error_description: 'a bearer token is required' });
  });

  it('an invalid token gets error="invalid_token"', () => {
    const answer = errorAnswer(new InvalidTokenError('the token has expired'), { resourceMetadataUrl: RMU });
    expect(answer.status).toBe(401);
    expect(answer.headers['WWW-Authenticate']).toBe(`Bearer resource_metadata="${RMU}", error="invalid_token", error_description="the token has expired"`);
    expect(answer.body).toEqual({ error: 'invalid_token', error_description: 'the token has expired' });
  });

  it('a token without the needed scope gets 403 insufficient_scope with the scope (step-up)', async () => {
    const res = insufficientScopeResponse({ resourceMetadataUrl: RMU, scopes: ['mcp:tools', 'docs:write'] });
    expect(res.status).toBe(403);
    expect(res.headers.get('WWW-Authenticate')).toBe(
      `Bearer resource_metadata="${RMU}", error="insufficient_scope", error_description="the token lacks a scope this request needs", scope="mcp:tools docs:write"`,
    );
    expect(errorAnswer(new InsufficientScopeError(['a']), { resourceMetadataUrl: RMU }).headers['WWW-Authenticate']).toContain('scope="a"');
  });

  it('a malformed header is 400 invalid_request; an unreachable Gatehouse 503 with Retry-After; a tool refusal 403 without a challenge', () => {
    expect(errorAnswer(new InvalidRequestError('bad header'), { resourceMetadataUrl: RMU })).toMatchObject({
      status: 400,
      headers: { 'WWW-Authenticate': `Bearer resource_metadata="${RMU}", error="invalid_request", error_description="bad header"` },
    });
    const unavailable = errorAnswer(new VerifierUnavailableError('down'), { resourceMetadataUrl: RMU });
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers['Retry-After']).toBe('5');
    expect(unavailable.headers['WWW-Authenticate']).toBeUndefined();
    const tool = errorAnswer(new ToolForbiddenError('t', 'beta', 'no'), { resourceMetadataUrl: RMU });
    expect(tool.status).toBe(403);
    expect(tool.headers['WWW-Authenticate']).toBeUndefined();
  });

  it('anything else is a 500 that says nothing', async () => {
    const res = errorResponse(new Error('database password is hunter2'), { resourceMetadataUrl: RMU });
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('hunter2');
  });

  it('quotes cannot break out of the challenge', () => {
    expect(wwwAuthenticate({ resourceMetadataUrl: RMU, error: 'invalid_token', description: 'a "quoted"\\ value\r\n' })).toBe(
      `Bearer resource_metadata="${RMU}", error="invalid_token", error_description="a  quoted   value  "`,
    );
  });

  it('with DPoP offered, Bearer comes first and the error goes on the scheme the request used (RFC 9449 §7.1, §7.2)', () => {
    const dpopAlgorithms = ['ES256', 'EdDSA'];
    expect(errorAnswer(new MissingTokenError(), { resourceMetadataUrl: RMU, dpopAlgorithms }).headers['WWW-Authenticate']).toBe(
      `Bearer resource_metadata="${RMU}", DPoP resource_metadata="${RMU}", algs="ES256 EdDSA"`,
    );
    expect(errorAnswer(new InvalidTokenError('expired'), { resourceMetadataUrl: RMU, dpopAlgorithms }).headers['WWW-Authenticate']).toBe(
      `Bearer resource_metadata="${RMU}", error="invalid_token", error_description="expired", DPoP resource_metadata="${RMU}", algs="ES256 EdDSA"`,
    );
    expect(errorAnswer(new InvalidDpopProofError('stale'), { resourceMetadataUrl: RMU, dpopAlgorithms })).toMatchObject({
      status: 401,
      headers: { 'WWW-Authenticate': `Bearer resource_metadata="${RMU}", DPoP resource_metadata="${RMU}", error="invalid_dpop_proof", error_description="stale", algs="ES256 EdDSA"` },
      body: { error: 'invalid_dpop_proof', error_description: 'stale' },
    });
    // A caller that passes no algorithms still gets the DPoP error in a DPoP challenge; Bearer errors stay Bearer only.
    expect(errorAnswer(new InvalidDpopProofError('stale'), { resourceMetadataUrl: RMU }).headers['WWW-Authenticate']).toBe(
      `Bearer resource_metadata="${RMU}", DPoP resource_metadata="${RMU}", error="invalid_dpop_proof", error_description="stale"`,
    );
    expect(errorAnswer(new InvalidTokenError('expired'), { resourceMetadataUrl: RMU }).headers['WWW-Authenticate']).toBe(`Bearer resource_metadata="${RMU}", error="invalid_token", error_description="expired"`);
  });

  it('MissingTokenError is the bare challenge also through errorAnswer', () => {
    expect(errorAnswer(new MissingTokenError(), { resourceMetadataUrl: RMU }).headers['WWW-Authenticate']).toBe(`Bearer resource_metadata="${RMU}"`);
  });
});

describe('CORS', () => {
  it('lets browser clients send Authorization and MCP-Protocol-Version and read WWW-Authenticate', () => {
    const h = preflightHeaders();
    expect(h['Access-Control-Allow-Origin']).toBe('*');
    expect(h['Access-Control-Allow-Headers'].split(', ')).toEqual(expect.arrayContaining(['Authorization', 'MCP-Protocol-Version', 'Content-Type', 'Mcp-Session-Id']));
    expect(h['Access-Control-Expose-Headers'].split(', ')).toEqual(expect.arrayContaining(['WWW-Authenticate', 'Mcp-Session-Id']));
    expect(h['Access-Control-Allow-Methods']).toContain('POST');
  });

  it('with a list of origins, only those are echoed', () => {
    expect(preflightHeaders('https://app.example', { allowOrigin: ['https://app.example'] })['Access-Control-Allow-Origin']).toBe('https://app.example');
    expect(preflightHeaders('https://evil.example', { allowOrigin: ['https://app.example'] })['Access-Control-Allow-Origin']).toBeUndefined();
  });
});
