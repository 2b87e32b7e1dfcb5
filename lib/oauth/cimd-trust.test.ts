// GATEHOUSE_CIMD_TRUSTED_HOSTS (MCP authorization 2026-07-28 "Trust Policies";
// draft-ietf-oauth-client-id-metadata-document §8.5): which hosts' metadata
// documents are fetched. A document elsewhere is refused before any request
// leaves Gatehouse — proven against a real loopback server counting requests.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTrustedDocumentHost, trustedHostProblem } from './cimd-trust.ts';
import { createClientMetadataResolver } from './client-metadata-document.ts';

describe('matching a host against the trusted hosts', () => {
  it('unset trusts any host; none trusts nothing', () => {
    expect(isTrustedDocumentHost('client.example.com', null)).toBe(true);
    expect(isTrustedDocumentHost('client.example.com', [])).toBe(false);
  });

  it('an exact host matches itself only, whatever the case', () => {
    const trusted = ['claude.ai'];
    expect(isTrustedDocumentHost('claude.ai', trusted)).toBe(true);
    expect(isTrustedDocumentHost('CLAUDE.AI', trusted)).toBe(true);
    for (const host of ['www.claude.ai', 'claude.ai.evil.example', 'evilclaude.ai', 'claude.ai.']) expect(isTrustedDocumentHost(host, trusted), host).toBe(false);
  });

  it('*.example.com matches every host below example.com, not example.com nor look-alikes', () => {
    const trusted = ['*.example.com'];
    for (const host of ['a.example.com', 'a.b.example.com']) expect(isTrustedDocumentHost(host, trusted), host).toBe(true);
    for (const host of ['example.com', 'badexample.com', 'a.example.com.evil.example', 'example.com.evil.example']) expect(isTrustedDocumentHost(host, trusted), host).toBe(false);
  });

  it('a configured entry is a host or a wildcard with at least two labels, nothing else', () => {
    for (const ok of ['claude.ai', '*.example.com', 'localhost', '127.0.0.1']) expect(trustedHostProblem(ok), ok).toBeNull();
    for (const bad of ['https://claude.ai', 'claude.ai/path', 'claude.ai:443', '*.com', '*', 'a.*.example.com', '*example.com', '']) expect(trustedHostProblem(bad), bad).not.toBeNull();
  });
});

describe('the resolver', () => {
  let server: Server;
  let base: string;
  let hits = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ client_id: `${base}${req.url}`, client_name: 'Loopback client', redirect_uris: ['http://127.0.0.1/cb'] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('refuses a document from an untrusted host with invalid_client, before fetching anything', async () => {
    hits = 0;
    const resolver = createClientMetadataResolver({ allowHttpLoopback: true, trustedHosts: ['*.example.com'] });
    await expect(resolver.resolve(`${base}/client.json`)).rejects.toMatchObject({
      code: 'invalid_client',
      description: 'client metadata documents from 127.0.0.1 are not accepted by this server',
    });
    const none = createClientMetadataResolver({ allowHttpLoopback: true, trustedHosts: [] });
    await expect(none.resolve(`${base}/client.json`)).rejects.toMatchObject({ code: 'invalid_client' });
    expect(hits).toBe(0);
  });

  it('fetches a document from a trusted host', async () => {
    hits = 0;
    const resolver = createClientMetadataResolver({ allowHttpLoopback: true, trustedHosts: ['127.0.0.1'] });
    expect((await resolver.resolve(`${base}/client.json`)).name).toBe('Loopback client');
    expect(hits).toBe(1);
  });
});
