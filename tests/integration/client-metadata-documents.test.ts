// Client ID Metadata Documents through the real endpoints, on both providers:
// the caller never learns why a document could not be fetched, and a
// metadata-document client an administrator deleted stays blocked — refused
// before anything is fetched — until it is unblocked. Documents are served on
// 127.0.0.1 with the loopback allowance.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BLOCKED_DESCRIPTION, FETCH_FAILED_DESCRIPTION } from '../../lib/oauth/client-metadata-document.ts';
import { listAuditEvents } from '../../lib/server/db/audit.ts';
import { deleteClientById, findClientByClientId, listBlockedClientDocuments, unblockClientDocument } from '../../lib/server/db/clients.ts';
import { providers } from '../helpers/databases.ts';
import { createClient } from '../helpers/factories.ts';
import { pkcePair, postForm, startProtocolServer, type ProtocolServer } from '../helpers/protocol-server.ts';

const ADMIN = { type: 'user', id: 'admin-1', label: 'admin@example.com' } as const;
const REDIRECT_URI = 'http://127.0.0.1:8765/callback';

let documents: Server;
let base: string;
const hits = new Map<string, number>();

beforeAll(async () => {
  documents = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path === '/forbidden.json') return res.writeHead(403).end('no');
    if (!path.startsWith('/app-')) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ client_id: `${base}${path}`, client_name: 'Document App', redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'] }));
  });
  await new Promise<void>((resolve) => documents.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(documents.address() as AddressInfo).port}`;
});
afterAll(async () => {
  documents.closeAllConnections();
  await new Promise<void>((resolve) => documents.close(() => resolve()));
});
beforeEach(() => hits.clear());

describe.each(providers)('client metadata documents on %s', (provider) => {
  let server: ProtocolServer;

  beforeAll(async () => {
    server = await startProtocolServer({ provider, env: { GATEHOUSE_CIMD_ALLOW_HTTP_LOOPBACK: 'true' } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** A code exchange with a code that does not exist: the client is resolved first, so the answer says what became of it. */
  const tokenRequest = (clientId: string) => postForm(server, '/oauth/token', { grant_type: 'authorization_code', code: 'no-such-code', redirect_uri: REDIRECT_URI, code_verifier: pkcePair().verifier, client_id: clientId });
  const authorizeRequest = (clientId: string) =>
    server.fetch(`/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: REDIRECT_URI, code_challenge: pkcePair().challenge, code_challenge_method: 'S256', state: 's' })}`);

  it('the token endpoint answers one message whatever stopped the fetch, naming no network error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    for (const clientId of [`http://127.0.0.1:${port}/client.json`, `${base}/forbidden.json`]) {
      const response = await tokenRequest(clientId);
      const text = await response.text();
      expect(response.status, clientId).toBe(401);
      expect(JSON.parse(text)).toEqual({ error: 'invalid_client', error_description: FETCH_FAILED_DESCRIPTION });
      expect(text).not.toMatch(/ECONNREFUSED|403|HTTP/);
    }
    // Asked again within the minute: nothing more is sent to the host.
    await tokenRequest(`${base}/forbidden.json`);
    expect(hits.get('/forbidden.json')).toBe(1);
  });

  it('a deleted metadata-document client stays blocked: authorize and token requests are refused, nothing is fetched, no row comes back', async () => {
    const clientId = `${base}/app-${provider}.json`;
    expect(await (await tokenRequest(clientId)).json()).toMatchObject({ error: 'invalid_grant' });
    expect(hits.get(`/app-${provider}.json`)).toBe(1);
    const row = await findClientByClientId(server.db, clientId);
    expect(row).toMatchObject({ source: 'metadata_document', name: 'Document App' });

    expect(await deleteClientById(server.db, row!.id, ADMIN)).toMatchObject({ blocked: true });
    expect(await listBlockedClientDocuments(server.db)).toEqual([expect.objectContaining({ url: clientId, name: 'Document App', blockedBy: 'admin@example.com' })]);
    hits.clear();

    const token = await tokenRequest(clientId);
    expect(token.status).toBe(401);
    expect(await token.json()).toEqual({ error: 'invalid_client', error_description: BLOCKED_DESCRIPTION });
    const page = await authorizeRequest(clientId);
    expect(page.status).toBe(400);
    expect(await page.text()).toContain(BLOCKED_DESCRIPTION);
    expect(hits.size).toBe(0);
    expect(await findClientByClientId(server.db, clientId)).toBeNull();

    // Unblocked: the application is back on its next request.
    expect(await unblockClientDocument(server.db, clientId, ADMIN)).toBe(true);
    expect(await unblockClientDocument(server.db, clientId, ADMIN)).toBe(false);
    expect(await (await tokenRequest(clientId)).json()).toMatchObject({ error: 'invalid_grant' });
    expect(await findClientByClientId(server.db, clientId)).toMatchObject({ source: 'metadata_document', disabled: false });

    const events = (await listAuditEvents(server.db, { target: clientId })).events.map((e) => [e.action, e.details?.blocked ?? null]);
    expect(events).toEqual(expect.arrayContaining([['client.deleted', true], ['client.document_unblocked', null]]));
  });

  it('deleting a registered client blocks nothing', async () => {
    const made = await createClient(server.db, { source: 'dynamic' });
    expect(await deleteClientById(server.db, made.id, ADMIN)).toMatchObject({ blocked: false });
    expect((await listBlockedClientDocuments(server.db)).map((d) => d.url)).not.toContain(made.clientId);
  });
});
