// The token endpoint's admission rules (docs/configuration.md, "Registration
// policy"): client_credentials only for admin-made clients and only with the
// scopes an administrator gave them, and under GATEHOUSE_REGISTRATION=approval
// no tokens for a self-registered client until an administrator approves it.
import { beforeEach, describe, expect, it } from 'vitest';
import { clientFixture, createMemoryContext, type MemoryContext } from '../../tests/helpers/memory-context.ts';
import { hashToken } from '../crypto.ts';
import type { RegistrationPolicy } from './client-trust.ts';
import type { NewClientRecord } from './ports.ts';
import { handleTokenRequest } from './token-endpoint.ts';

const SECRET = 'gh_cs_unit-test-secret-value';
let ctx: MemoryContext;

async function setUp(registrationPolicy: RegistrationPolicy = 'open') {
  ctx = await createMemoryContext({ registrationPolicy });
  ctx.store.scopes = [
    { name: 'mcp:tools', description: 'every tool', tools: ['*'], isDefault: true },
    { name: 'mcp:read', description: 'read', tools: ['read'], isDefault: false },
  ];
}

const machine = (overrides: Partial<NewClientRecord> = {}) =>
  ctx.store.insertClient(
    clientFixture({ grantTypes: ['client_credentials'], redirectUris: [], responseTypes: [], tokenEndpointAuthMethod: 'client_secret_post', secretHash: hashToken(SECRET), ...overrides }),
  );

const clientCredentials = (clientId: string, extra: Record<string, string> = {}) =>
  handleTokenRequest(ctx, { authorization: null, form: { grant_type: ['client_credentials'], client_id: [clientId], client_secret: [SECRET], ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, [v]])) } });

describe('client_credentials', () => {
  beforeEach(() => setUp());

  it('a self-registered client that lists the grant (a row from before it was refused) gets unauthorized_client, no token', async () => {
    const old = await machine({ source: 'dynamic', scope: 'mcp:tools' });
    await expect(clientCredentials(old.clientId, { resource: 'https://mcp.example/' })).rejects.toMatchObject({
      code: 'unauthorized_client',
      description: 'client_credentials is only for clients an administrator created',
    });
    expect(ctx.store.accessTokens.size).toBe(0);
  });

  it('an admin-made machine client without scopes gets invalid_scope, not the default scopes', async () => {
    const bare = await machine({ scope: '' });
    await expect(clientCredentials(bare.clientId)).rejects.toMatchObject({ code: 'invalid_scope', description: expect.stringMatching(/no scopes; an administrator must give it/) });
    expect(ctx.store.accessTokens.size).toBe(0);
  });

  it('an admin-made machine client gets the scopes an administrator gave it, and may ask for fewer, never more', async () => {
    const reader = await machine({ scope: 'mcp:read' });
    expect((await clientCredentials(reader.clientId)).scope).toBe('mcp:read');
    await expect(clientCredentials(reader.clientId, { scope: 'mcp:tools' })).rejects.toMatchObject({ code: 'invalid_scope' });
    const [token] = [...ctx.store.accessTokens.values()];
    expect(token).toMatchObject({ kind: 'client_credentials', scope: ['mcp:read'] });
  });
});

describe('GATEHOUSE_REGISTRATION=approval', () => {
  beforeEach(() => setUp('approval'));

  const codeExchange = (clientId: string) => handleTokenRequest(ctx, { authorization: null, form: { grant_type: ['authorization_code'], client_id: [clientId], code: ['gh_ac_unknown'], code_verifier: ['x'.repeat(43)], redirect_uri: ['https://app.example/callback'] } });

  it('a self-registered client that authenticates gets unauthorized_client saying it awaits approval', async () => {
    const waiting = await ctx.store.insertClient(clientFixture({ source: 'dynamic', name: 'Stranger App' }));
    await expect(codeExchange(waiting.clientId)).rejects.toMatchObject({
      code: 'unauthorized_client',
      status: 400,
      description: "Stranger App is waiting for an administrator's approval before it can be used",
    });
    const document = await ctx.store.insertClient(clientFixture({ source: 'metadata_document', clientId: 'https://client.example/meta.json' }));
    await expect(codeExchange(document.clientId)).rejects.toMatchObject({ code: 'unauthorized_client' });
  });

  it('once approved, or when an administrator made it, the request goes on to the grant', async () => {
    const approved = await ctx.store.insertClient(clientFixture({ source: 'dynamic' }));
    await ctx.store.updateClient(approved.id, { approvedAt: new Date() });
    await expect(codeExchange(approved.clientId)).rejects.toMatchObject({ code: 'invalid_grant' });
    const admin = await ctx.store.insertClient(clientFixture());
    await expect(codeExchange(admin.clientId)).rejects.toMatchObject({ code: 'invalid_grant' });
  });

  it('under open the same client goes on to the grant', async () => {
    await setUp('open');
    const stranger = await ctx.store.insertClient(clientFixture({ source: 'dynamic' }));
    await expect(codeExchange(stranger.clientId)).rejects.toMatchObject({ code: 'invalid_grant' });
  });
});
