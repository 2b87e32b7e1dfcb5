// Who may register what, over the real protocol router on both providers
// (docs/configuration.md, "Registration policy"): machine access only for
// clients an administrator made, with the scopes an administrator gave them;
// GATEHOUSE_REGISTRATION=approval and off; the metadata-document trust policy;
// and no authorization error sent to a self-registered client's redirect URI
// before the user has acted (RFC 9700 §4.11.2).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../lib/crypto.ts';
import { createClient as createAdminClient } from '../../lib/server/clients/create-client.ts';
import { updateClient } from '../../lib/server/clients/update-client.ts';
import { listAuditEvents } from '../../lib/server/db/audit.ts';
import { findClientByClientId, listClientsPage, setClientApproved } from '../../lib/server/db/clients.ts';
import { createConsentTicket } from '../../lib/server/oauth/consent-ticket.ts';
import { providers } from '../helpers/databases.ts';
import { countRows, createClient, unique } from '../helpers/factories.ts';
import {
  basicAuth,
  confirmationPage,
  consentAndRedeem,
  createUser,
  pkcePair,
  postForm,
  signInCookie,
  startProtocolServer,
  type ProtocolServer,
} from '../helpers/protocol-server.ts';

type Json = Record<string, unknown>;
const ADMIN = { type: 'user' as const, id: 'admin-user-id', label: 'admin@example.test' };
const REDIRECT_URI = 'https://attacker.example/cb';
const MCP_SERVER = 'https://mcp.example/';

describe.each(providers)('who may register what, on %s', (provider) => {
  /** GATEHOUSE_REGISTRATION unset (open), as MCP clients need it. */
  let open: ProtocolServer;

  beforeAll(async () => {
    open = await startProtocolServer({ provider });
  });
  afterAll(async () => {
    await open?.stop();
  });

  /** Another instance on the same database, with its own configuration. */
  const instance = (env: Record<string, string>) => startProtocolServer({ url: open.databaseUrl, db: open.db, env });

  const register = (server: ProtocolServer, metadata: Json) =>
    server.fetch('/oauth/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(metadata) });

  async function registerPublic(server: ProtocolServer, name = unique('Stranger app ')): Promise<{ clientId: string; name: string }> {
    const response = await register(server, { client_name: name, redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'] });
    expect(response.status).toBe(201);
    return { clientId: ((await response.json()) as Json).client_id as string, name };
  }

  function authorizePath(clientId: string, overrides: Record<string, string> = {}): string {
    const search = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
      state: 'the-state',
      ...overrides,
    });
    return `/oauth/authorize?${search}`;
  }

  const rowId = async (clientId: string) => (await findClientByClientId(open.db, clientId))!.id;

  describe('machine access is an administrator’s decision', () => {
    it('registering client_credentials is refused with invalid_client_metadata, and nothing is stored', async () => {
      const before = await open.db.prisma.client.count();
      const response = await register(open, { grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_post' });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_client_metadata', error_description: expect.stringMatching(/client_credentials is only for clients an administrator creates/) });
      expect(await open.db.prisma.client.count()).toBe(before);
    });

    it('a self-registered row that already lists client_credentials gets no token for any MCP server', async () => {
      const secret = 'gh_cs_an-old-self-registered-secret';
      const old = await createClient(open.db, { source: 'dynamic', grantTypes: ['client_credentials'], responseTypes: [], redirectUris: [], tokenEndpointAuthMethod: 'client_secret_post', secretHash: hashToken(secret) });
      const response = await postForm(open, '/oauth/token', { grant_type: 'client_credentials', client_id: old.clientId, client_secret: secret, resource: MCP_SERVER });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: 'unauthorized_client', error_description: 'client_credentials is only for clients an administrator created' });
      expect(await countRows(open.db, 'accessToken', { clientId: old.id })).toBe(0);
    });

    it('the console does not give a self-registered client client_credentials either', async () => {
      const registered = await createClient(open.db, { source: 'dynamic', tokenEndpointAuthMethod: 'client_secret_basic', secretHash: hashToken('gh_cs_x') });
      const edit = { name: 'Edited', redirectUris: registered.redirectUris, grantTypes: ['authorization_code', 'client_credentials'] as const, scope: 'mcp:tools', canIntrospect: false };
      const result = await updateClient(open.db, registered.id, { ...edit, grantTypes: [...edit.grantTypes] }, ADMIN);
      expect(result).toMatchObject({ ok: false, fieldErrors: { grantTypes: expect.stringMatching(/only for clients an administrator created/) } });
      expect((await findClientByClientId(open.db, registered.clientId))?.grantTypes).toEqual(['authorization_code', 'refresh_token']);
    });

    it('an admin-made machine client gets only the scopes an administrator gave it: none given, invalid_scope', async () => {
      const bare = await createAdminClient(open.db, { name: 'Bare machine', confidential: true, grantTypes: ['client_credentials'] }, ADMIN);
      const refused = await postForm(open, '/oauth/token', { grant_type: 'client_credentials', resource: MCP_SERVER }, { authorization: basicAuth(bare.client.clientId, bare.clientSecret!) });
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as Json).error).toBe('invalid_scope');

      const reader = await createAdminClient(open.db, { name: 'Reader machine', confidential: true, grantTypes: ['client_credentials'], scope: 'openid' }, ADMIN);
      const issued = await postForm(open, '/oauth/token', { grant_type: 'client_credentials', resource: MCP_SERVER }, { authorization: basicAuth(reader.client.clientId, reader.clientSecret!) });
      expect(issued.status).toBe(200);
      expect(((await issued.json()) as Json).scope).toBe('openid');
    });
  });

  describe('no error goes to a redirect URI no administrator vouched for before the user acts (RFC 9700 §4.11.2)', () => {
    it('a self-registered client’s errors come on an escaped page naming it and the host, with a link that returns them', async () => {
      const stranger = await registerPublic(open, '<b>Evil</b> & Co');
      for (const [overrides, error] of [
        [{ response_type: 'token' }, 'unsupported_response_type'],
        [{ scope: 'no-such-scope' }, 'invalid_scope'],
        [{ code_challenge_method: 'plain' }, 'invalid_request'],
        [{ resource: 'relative/path' }, 'invalid_target'],
      ] as const) {
        const { html, returnTo } = await confirmationPage(await open.fetch(authorizePath(stranger.clientId, overrides)));
        expect(html).toContain('&#60;b&#62;Evil&#60;/b&#62; &#38; Co made a request Gatehouse cannot accept');
        expect(html).not.toContain('<b>Evil');
        expect(html).toContain('Return to attacker.example');
        expect(`${returnTo.origin}${returnTo.pathname}`).toBe(REDIRECT_URI);
        expect(Object.fromEntries(returnTo.searchParams)).toMatchObject({ error, state: 'the-state', iss: open.issuer });
      }
    });

    it('an admin-made client, and a self-registered one once approved, get them at once', async () => {
      const made = await createAdminClient(open.db, { name: 'Made by an admin', redirectUris: [REDIRECT_URI] }, ADMIN);
      const approved = await registerPublic(open);
      expect(await setClientApproved(open.db, await rowId(approved.clientId), true, ADMIN)).toBe(true);
      for (const clientId of [made.client.clientId, approved.clientId]) {
        const response = await open.fetch(authorizePath(clientId, { response_type: 'token' }));
        expect(response.status).toBe(303);
        const location = new URL(response.headers.get('location')!);
        expect(location.searchParams.get('error')).toBe('unsupported_response_type');
      }
    });

    it('Deny still sends access_denied to a self-registered client at once: the user acted', async () => {
      const stranger = await registerPublic(open);
      const user = await createUser(open);
      const search = new URLSearchParams(authorizePath(stranger.clientId).split('?')[1]);
      const ticket = createConsentTicket(open.app.secret, user.id, search);
      const response = await postForm(open, '/oauth/authorize/decision', { ticket, decision: 'deny' }, { cookie: await signInCookie(open.app, user), origin: open.issuer });
      expect(response.status).toBe(303);
      const location = new URL(response.headers.get('location')!);
      expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
      expect(location.searchParams.get('error')).toBe('access_denied');
    });
  });

  describe('GATEHOUSE_REGISTRATION=approval', () => {
    let approval: ProtocolServer;
    beforeAll(async () => {
      approval = await instance({ GATEHOUSE_REGISTRATION: 'approval' });
    });
    afterAll(async () => {
      await approval?.stop();
    });

    it('a registered client can’t be used until an administrator approves it: authorize and token endpoint say so', async () => {
      const waiting = await registerPublic(approval, unique('Waiting app '));
      const page = await approval.fetch(authorizePath(waiting.clientId, { response_type: 'token' }));
      expect(page.status).toBe(403);
      expect(page.headers.get('location')).toBeNull();
      expect(await page.text()).toContain(`${waiting.name} is waiting for an administrator’s approval`);

      const token = await postForm(approval, '/oauth/token', { grant_type: 'authorization_code', client_id: waiting.clientId, code: 'gh_ac_x', code_verifier: pkcePair().verifier, redirect_uri: REDIRECT_URI });
      expect(token.status).toBe(400);
      expect(await token.json()).toEqual({ error: 'unauthorized_client', error_description: `${waiting.name} is waiting for an administrator's approval before it can be used` });

      // The admin list shows it among those waiting; approving it is audited.
      const pending = await listClientsPage(open.db, { status: 'pending', q: waiting.clientId });
      expect(pending.rows.map((r) => r.clientId)).toEqual([waiting.clientId]);
      expect(await setClientApproved(open.db, await rowId(waiting.clientId), true, ADMIN)).toBe(true);
      expect(await setClientApproved(open.db, await rowId(waiting.clientId), true, ADMIN)).toBe(false);
      expect((await listClientsPage(open.db, { status: 'pending', q: waiting.clientId })).rows).toEqual([]);
      const [event] = (await listAuditEvents(open.db, { target: waiting.clientId, action: 'client.approved' })).events;
      expect(event).toMatchObject({ actor: { type: 'user', id: ADMIN.id } });

      const user = await createUser(approval);
      const tokens = await consentAndRedeem(approval, user, { clientId: waiting.clientId, redirectUri: REDIRECT_URI, scope: 'mcp:tools' });
      expect(tokens.access_token).toBeTruthy();

      // Withdrawn, it waits again.
      expect(await setClientApproved(open.db, await rowId(waiting.clientId), false, ADMIN)).toBe(true);
      expect((await approval.fetch(authorizePath(waiting.clientId))).status).toBe(403);
    });

    it('admin-made clients are not held back', async () => {
      const made = await createAdminClient(approval.db, { name: 'Made by an admin', redirectUris: [REDIRECT_URI] }, ADMIN);
      const response = await approval.fetch(authorizePath(made.client.clientId));
      expect(response.status).toBe(401); // on to sign-in: the request is valid
    });
  });

  describe('GATEHOUSE_REGISTRATION=off and the metadata-document trust policy', () => {
    let off: ProtocolServer;
    let documents: Server;
    let documentHits = 0;
    beforeAll(async () => {
      off = await instance({ GATEHOUSE_REGISTRATION: 'off', GATEHOUSE_CIMD_ALLOW_HTTP_LOOPBACK: 'true', GATEHOUSE_CIMD_TRUSTED_HOSTS: '*.mcp-clients.example' });
      documents = createServer((_req, res) => {
        documentHits += 1;
        res.writeHead(500).end();
      });
      await new Promise<void>((resolve) => documents.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      await off?.stop();
      documents?.closeAllConnections();
      await new Promise<void>((resolve) => documents?.close(() => resolve()));
    });

    it('/oauth/register answers 403 access_denied, and the metadata names no registration endpoint', async () => {
      const response = await register(off, { client_name: 'Anyone', redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none' });
      expect(response.status).toBe(403);
      expect(((await response.json()) as Json).error).toBe('access_denied');
      const metadata = (await (await off.fetch('/.well-known/oauth-authorization-server')).json()) as Json;
      expect(metadata).not.toHaveProperty('registration_endpoint');
      expect(metadata.client_id_metadata_document_supported).toBe(true);
      expect((await (await open.fetch('/.well-known/oauth-authorization-server')).json()) as Json).toHaveProperty('registration_endpoint');
    });

    it('a metadata document on a host that is not trusted is refused before anything is fetched', async () => {
      const clientId = `http://127.0.0.1:${(documents.address() as AddressInfo).port}/client.json`;
      const page = await off.fetch(authorizePath(clientId));
      expect(page.status).toBe(400);
      expect(await page.text()).toContain('client metadata documents from 127.0.0.1 are not accepted by this server');
      const token = await postForm(off, '/oauth/token', { grant_type: 'authorization_code', client_id: clientId, code: 'gh_ac_x', code_verifier: pkcePair().verifier, redirect_uri: REDIRECT_URI });
      expect(token.status).toBe(401);
      expect(((await token.json()) as Json).error).toBe('invalid_client');
      expect(documentHits).toBe(0);
    });

    it('with GATEHOUSE_CIMD_TRUSTED_HOSTS=none the metadata says documents are not supported', async () => {
      const none = await instance({ GATEHOUSE_CIMD_TRUSTED_HOSTS: 'none' });
      try {
        const metadata = (await (await none.fetch('/.well-known/oauth-authorization-server')).json()) as Json;
        expect(metadata.client_id_metadata_document_supported).toBe(false);
      } finally {
        await none.stop();
      }
    });
  });
});
