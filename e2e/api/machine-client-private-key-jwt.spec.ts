// A machine client without a shared secret, through oauth4webapi (an
// independent client library) against the running server: an administrator
// creates it with the CLI from a JWK Set, it authenticates with a signed JWT
// assertion (private_key_jwt, RFC 7523 §2.2) and asks client_credentials for a
// resource and scope (the MCP OAuth Client Credentials extension,
// docs/machine-clients.md); a replayed assertion is refused.
import { expect, test } from '@playwright/test';
import { decodeJwt, exportJWK } from 'jose';
import * as oauth from 'oauth4webapi';
import { queryE2eDatabase } from '../fixtures/database';
import { ISSUER, keyBasedClientFromCli, unique } from '../fixtures/oauth';

const insecure = { [oauth.allowInsecureRequests]: true } as const;

test('oauth4webapi PrivateKeyJwt: a key-based machine client gets an audience-bound token; a replayed assertion is refused', async () => {
  const issuer = new URL(ISSUER);
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
  expect(as.token_endpoint_auth_methods_supported).toContain('private_key_jwt');
  expect(as.token_endpoint_auth_signing_alg_values_supported).toContain('ES256');

  const { privateKey, publicKey } = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const kid = unique('ci-key');
  const created = await keyBasedClientFromCli(unique('CI job'), { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] });
  expect(created.token_endpoint_auth_method).toBe('private_key_jwt');
  expect(created.client_secret).toBeUndefined();

  // Where no resource server is registered any resource goes; else use a registered one.
  const registered = queryE2eDatabase<{ url: string }>('SELECT "url" FROM "ResourceServer" ORDER BY "url" LIMIT 1');
  const resource = registered[0]?.url ?? 'https://ci-target.example/mcp';

  const client: oauth.Client = { client_id: created.client_id, token_endpoint_auth_method: 'private_key_jwt' };
  const clientAuth = oauth.PrivateKeyJwt({ key: privateKey, kid });
  const response = await oauth.clientCredentialsGrantRequest(as, client, clientAuth, { resource }, insecure);
  const tokens = await oauth.processClientCredentialsResponse(as, client, response);
  expect(tokens.token_type).toBe('bearer');
  expect(decodeJwt(tokens.access_token)).toMatchObject({ aud: resource, client_id: created.client_id, iss: ISSUER });

  // The same assertion a second time: the jti was used (RFC 7523 §3 item 7).
  let assertion = '';
  const once: oauth.ClientAuth = async (server, c, body, headers) => {
    await clientAuth(server, c, body, headers);
    assertion = body.get('client_assertion')!;
  };
  await oauth.processClientCredentialsResponse(as, client, await oauth.clientCredentialsGrantRequest(as, client, once, { resource }, insecure));
  const replayAuth: oauth.ClientAuth = async (_server, c, body) => {
    body.set('client_id', c.client_id);
    body.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    body.set('client_assertion', assertion);
  };
  const replayed = await oauth.clientCredentialsGrantRequest(as, client, replayAuth, { resource }, insecure);
  expect(replayed.status).toBe(401);
  expect(await replayed.json()).toMatchObject({ error: 'invalid_client', error_description: 'client authentication failed' });
});
