// Resource indicators (RFC 8707 §2).
import { describe, expect, it } from 'vitest';
import { OAuthError } from './errors.ts';
import { canonicalResource, checkResource, resourceProblem, scopeForResource } from './resource.ts';

function targetError(fn: () => unknown): OAuthError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError);
    expect((error as OAuthError).code).toBe('invalid_target');
    expect((error as OAuthError).status).toBe(400);
    return error as OAuthError;
  }
  throw new Error('expected invalid_target');
}

describe('canonicalResource', () => {
  it('lower-cases scheme and host only (RFC 3986 §6.2.2.1)', () => {
    expect(canonicalResource('HTTPS://MCP.Example.COM/Path/To?Q=Value')).toBe('https://mcp.example.com/Path/To?Q=Value');
    expect(canonicalResource('https://mcp.example/')).toBe('https://mcp.example/');
    expect(canonicalResource('https://mcp.example')).toBe('https://mcp.example');
    expect(canonicalResource('HTTP://LOCALHOST:8080/mcp')).toBe('http://localhost:8080/mcp');
  });

  it('leaves what is not an authority-based URI alone', () => {
    expect(canonicalResource('urn:Example:Thing')).toBe('urn:Example:Thing');
    expect(canonicalResource('not a uri')).toBe('not a uri');
  });
});

describe('resourceProblem', () => {
  it('accepts https, and http on loopback addresses', () => {
    expect(resourceProblem('https://mcp.example/')).toBeNull();
    expect(resourceProblem('https://mcp.example/path?x=1')).toBeNull();
    expect(resourceProblem('http://127.0.0.1:3000/mcp')).toBeNull();
    expect(resourceProblem('http://localhost/mcp')).toBeNull();
    expect(resourceProblem('http://[::1]:8080/')).toBeNull();
  });

  it('refuses relative URIs, fragments, and other schemes or hosts', () => {
    expect(resourceProblem('/mcp')).toMatch(/absolute/);
    expect(resourceProblem('mcp.example')).toMatch(/absolute/);
    expect(resourceProblem('https://mcp.example/#section')).toMatch(/fragment/);
    expect(resourceProblem('https://mcp.example/#')).toMatch(/fragment/);
    expect(resourceProblem('http://mcp.example/')).toMatch(/https/);
    expect(resourceProblem('ftp://mcp.example/')).toMatch(/https/);
    expect(resourceProblem('urn:example:mcp')).toMatch(/https/);
  });
});

describe('checkResource', () => {
  it('is null when no resource was asked for', () => {
    expect(checkResource(undefined, [])).toBeNull();
    expect(checkResource([], ['https://mcp.example/'])).toBeNull();
  });

  it('allows one resource per token', () => {
    targetError(() => checkResource(['https://a.example/', 'https://b.example/'], []));
    targetError(() => checkResource(['https://a.example/', 'https://a.example/'], []));
  });

  it('refuses a malformed resource', () => {
    targetError(() => checkResource(['relative'], []));
    targetError(() => checkResource(['https://mcp.example/#f'], []));
    targetError(() => checkResource(['http://mcp.example/'], ['http://mcp.example/']));
  });

  it('accepts any well-formed resource, canonically, while none is registered', () => {
    expect(checkResource(['HTTPS://Anything.Example/Mcp'], [])).toBe('https://anything.example/Mcp');
  });

  it('accepts only registered resources once some are, answering with the registered spelling', () => {
    const registered = ['https://MCP.example/', 'https://tools.example/mcp'];
    expect(checkResource(['https://mcp.example/'], registered)).toBe('https://MCP.example/');
    expect(checkResource(['HTTPS://TOOLS.EXAMPLE/mcp'], registered)).toBe('https://tools.example/mcp');
    targetError(() => checkResource(['https://tools.example/MCP'], registered));
    targetError(() => checkResource(['https://tools.example/mcp/'], registered));
    targetError(() => checkResource(['https://other.example/'], registered));
  });
});

describe('scopeForResource', () => {
  const servers = [
    { url: 'https://mcp.example/', name: 'Docs MCP', scopes: ['mcp:read'] },
    { url: 'https://open.example/', name: 'Open MCP', scopes: [] },
  ];
  it('passes accepted and identity scopes', () => {
    expect(scopeForResource(['mcp:read', 'openid', 'offline_access'], { explicit: true, resource: 'https://mcp.example/', servers })).toEqual(['mcp:read', 'openid', 'offline_access']);
  });
  it('refuses an explicit scope the resource server does not accept (invalid_scope)', () => {
    expect(() => scopeForResource(['mcp:tools'], { explicit: true, resource: 'https://mcp.example/', servers })).toThrow(expect.objectContaining({ code: 'invalid_scope' }));
  });
  it('narrows defaults to what it accepts', () => {
    expect(scopeForResource(['mcp:tools', 'mcp:read'], { explicit: false, resource: 'https://mcp.example/', servers })).toEqual(['mcp:read']);
  });
  it('leaves scopes alone without a resource, for an unregistered one, or when the server accepts any', () => {
    expect(scopeForResource(['mcp:tools'], { explicit: true, resource: null, servers })).toEqual(['mcp:tools']);
    expect(scopeForResource(['mcp:tools'], { explicit: true, resource: 'https://open.example/', servers })).toEqual(['mcp:tools']);
  });
});
