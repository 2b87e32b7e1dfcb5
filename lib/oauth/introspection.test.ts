// Team-token introspection (RFC 7662) follows the team as it is now: its
// status, its workspaces, and its owner, whose being disabled stops the token
// (docs/users-and-teams.md).
import { beforeEach, describe, expect, it } from 'vitest';
import { createMemoryContext, type MemoryContext } from '../../tests/helpers/memory-context.ts';
import { hashToken } from '../crypto.ts';
import { TEAM_TOKEN_PREFIX, introspectToken } from './introspection.ts';

const TOKEN = `${TEAM_TOKEN_PREFIX}unit-test-team-token-0123456789abcdefghijkl`;

let ctx: MemoryContext;

beforeEach(async () => {
  ctx = await createMemoryContext();
  ctx.store.teamTokens.set(hashToken(TOKEN), { teamId: 'team-1', name: 'Platform', ownerId: 'owner-1', activeJti: 'jti-1', active: true, tools: null, tokenIssuedAt: null });
  ctx.store.teamWorkspaces.set('team-1', ['alpha']);
  ctx.store.activeUsers.add('owner-1');
});

describe('team token introspection', () => {
  it('is active for an active team whose owner is enabled', async () => {
    expect(await introspectToken(ctx, TOKEN)).toMatchObject({ active: true, sub: 'team:team-1', token_kind: 'team_token', workspaces: ['alpha'], tools: ['*'] });
  });

  it('is inactive while the team’s owner is disabled, and not counted as used', async () => {
    ctx.store.activeUsers.delete('owner-1');
    expect(await introspectToken(ctx, TOKEN)).toEqual({ active: false });
    expect(ctx.store.teamTokenLastUsed.has('team-1')).toBe(false);
  });

  it('is inactive for an inactive team', async () => {
    ctx.store.teamTokens.get(hashToken(TOKEN))!.active = false;
    expect(await introspectToken(ctx, TOKEN)).toEqual({ active: false });
  });
});
