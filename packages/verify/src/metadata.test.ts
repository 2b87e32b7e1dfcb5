import { describe, expect, it } from 'vitest';
import { canonicalResource, protectedResourceMetadata, protectedResourceMetadataPaths, protectedResourceMetadataResponse, resourceMetadataUrl } from './metadata.ts';

describe('RFC 9728 protected resource metadata', () => {
  it('names the resource exactly and Gatehouse as its authorization server, without offline_access', () => {
    expect(protectedResourceMetadata({ resource: 'https://MCP.Example.com/mcp', issuer: 'https://auth.example.com', scopes: ['mcp:tools', 'offline_access'], resourceName: 'Docs' })).toEqual({
      resource: 'https://mcp.example.com/mcp',
      authorization_servers: ['https://auth.example.com'],
      bearer_methods_supported: ['header'],
      scopes_supported: ['mcp:tools'],
      resource_name: 'Docs',
    });
    expect(protectedResourceMetadata({ resource: 'https://mcp.example.com', issuer: 'https://a' })).not.toHaveProperty('scopes_supported');
  });

  it('is served at the path-suffixed and the root well-known URL', () => {
    expect(protectedResourceMetadataPaths('http://localhost:3120/mcp')).toEqual(['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']);
    expect(protectedResourceMetadataPaths('http://localhost:3120/')).toEqual(['/.well-known/oauth-protected-resource']);
    expect(resourceMetadataUrl('http://localhost:3120/mcp')).toBe('http://localhost:3120/.well-known/oauth-protected-resource/mcp');
    expect(resourceMetadataUrl('https://mcp.example.com')).toBe('https://mcp.example.com/.well-known/oauth-protected-resource');
  });

  it('the canonical resource lower-cases scheme and host only, and refuses fragments and non-http URLs', () => {
    expect(canonicalResource('HTTPS://Mcp.Example.COM/Path/MCP')).toBe('https://mcp.example.com/Path/MCP');
    expect(canonicalResource('https://mcp.example.com')).toBe('https://mcp.example.com');
    expect(() => canonicalResource('https://mcp.example.com/mcp#x')).toThrow(/fragment/);
    expect(() => canonicalResource('/mcp')).toThrow(/absolute/);
    expect(() => canonicalResource('ftp://x/')).toThrow(/http/);
  });

  it('the response is cacheable JSON with CORS', async () => {
    const res = protectedResourceMetadataResponse({ resource: 'http://localhost:3120/mcp', issuer: 'http://localhost:3107' });
    expect(res.headers.get('Content-Type')).toBe('application/json');
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('*');
    expect(await res.json()).toMatchObject({ resource: 'http://localhost:3120/mcp', authorization_servers: ['http://localhost:3107'] });
  });
});
