// Discovery: RFC 8414 authorization server metadata and RFC 9728 protected
// resource metadata. The issuer is the configured string byte for byte (RFC
// 8414 §3.3); with a path, the well-known suffix is inserted before it (§3.1).
import { describe, expect, it } from 'vitest';
import { ENDPOINTS, authorizationServerMetadata, metadataPaths, protectedResourceMetadata } from './metadata.ts';

describe('authorizationServerMetadata', () => {
  it('carries the issuer exactly as configured, and endpoints under it', () => {
    for (const issuer of ['https://gate.example.com', 'https://Gate.Example.com:8443', 'https://gate.example.com/tenant/a', 'http://127.0.0.1:3000']) {
      const metadata = authorizationServerMetadata(issuer, ['mcp:tools']);
      expect(metadata.issuer).toBe(issuer);
      expect(metadata.authorization_endpoint).toBe(`${issuer}${ENDPOINTS.authorization}`);
      expect(metadata.token_endpoint).toBe(`${issuer}${ENDPOINTS.token}`);
      expect(metadata.registration_endpoint).toBe(`${issuer}${ENDPOINTS.registration}`);
      expect(metadata.revocation_endpoint).toBe(`${issuer}${ENDPOINTS.revocation}`);
      expect(metadata.introspection_endpoint).toBe(`${issuer}${ENDPOINTS.introspection}`);
      expect(metadata.jwks_uri).toBe(`${issuer}${ENDPOINTS.jwks}`);
    }
  });

  it('advertises what Gatehouse supports: code + S256, the three grants, RFC 9207 iss, CIMD', () => {
    const metadata = authorizationServerMetadata('https://gate.example.com', ['mcp:tools', 'offline_access']);
    expect(metadata).toMatchObject({
      scopes_supported: ['mcp:tools', 'offline_access'],
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
      authorization_response_iss_parameter_supported: true,
      client_id_metadata_document_supported: true,
    });
    // private_key_jwt assertions: asymmetric algorithms only (RFC 8414 §2).
    for (const field of ['token_endpoint_auth_signing_alg_values_supported', 'revocation_endpoint_auth_signing_alg_values_supported', 'introspection_endpoint_auth_signing_alg_values_supported']) {
      expect(metadata[field]).toEqual(expect.arrayContaining(['RS256', 'PS256', 'ES256', 'EdDSA']));
      expect((metadata[field] as string[]).some((alg) => alg.startsWith('HS') || alg === 'none')).toBe(false);
    }
    expect(metadata.code_challenge_methods_supported).not.toContain('plain');
    expect(metadata.grant_types_supported).not.toContain('implicit');
    expect(metadata.grant_types_supported).not.toContain('password');
  });

  it('says what is on: no registration_endpoint while registration is off, and whether metadata documents are accepted', () => {
    const off = authorizationServerMetadata('https://gate.example.com', [], { dynamicRegistration: false, clientIdMetadataDocuments: true });
    expect(off).not.toHaveProperty('registration_endpoint');
    expect(off.client_id_metadata_document_supported).toBe(true);
    const noDocuments = authorizationServerMetadata('https://gate.example.com', [], { dynamicRegistration: true, clientIdMetadataDocuments: false });
    expect(noDocuments.registration_endpoint).toBe(`https://gate.example.com${ENDPOINTS.registration}`);
    expect(noDocuments.client_id_metadata_document_supported).toBe(false);
  });
});

describe('metadataPaths', () => {
  it('serves the plain well-known paths for an issuer without a path', () => {
    for (const issuer of ['https://gate.example.com', 'http://127.0.0.1:3000']) {
      expect(metadataPaths(issuer)).toEqual({
        authorizationServer: ['/.well-known/oauth-authorization-server'],
        openid: ['/.well-known/openid-configuration'],
        protectedResource: ['/.well-known/oauth-protected-resource'],
      });
    }
  });

  it('inserts the well-known suffix before the issuer path (RFC 8414 §3.1, RFC 9728 §3.1)', () => {
    const paths = metadataPaths('https://gate.example.com/tenant/a');
    expect(paths.authorizationServer[0]).toBe('/.well-known/oauth-authorization-server/tenant/a');
    expect(paths.protectedResource[0]).toBe('/.well-known/oauth-protected-resource/tenant/a');
    // OpenID Connect Discovery §4 appends; the inserted form is served too, for clients that insert.
    expect(paths.openid[0]).toBe('/tenant/a/.well-known/openid-configuration');
    expect(paths.openid).toContain('/.well-known/openid-configuration/tenant/a');
  });

  it('keeps the plain well-known paths as fallbacks for an issuer with a path', () => {
    const paths = metadataPaths('https://gate.example.com/tenant');
    expect(paths.authorizationServer).toEqual(['/.well-known/oauth-authorization-server/tenant', '/.well-known/oauth-authorization-server']);
    expect(paths.openid).toEqual(['/tenant/.well-known/openid-configuration', '/.well-known/openid-configuration/tenant', '/.well-known/openid-configuration']);
    expect(paths.protectedResource).toEqual(['/.well-known/oauth-protected-resource/tenant', '/.well-known/oauth-protected-resource']);
  });
});

describe('protectedResourceMetadata (RFC 9728 §2)', () => {
  it('names the issuer as resource and authorization server, without offline_access', () => {
    const issuer = 'https://gate.example.com/tenant';
    expect(protectedResourceMetadata(issuer, ['mcp:tools', 'offline_access', 'openid'])).toEqual({
      resource: issuer,
      authorization_servers: [issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: ['mcp:tools', 'openid'],
      resource_name: 'Gatehouse',
    });
  });
});
