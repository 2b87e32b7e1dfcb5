// Scopes (SPEC §3): the OpenID built-ins always exist; a first start also adds
// `mcp:tools` (every tool, granted by default) so a fresh Gatehouse is usable.
import type { Db } from './client.ts';

const BUILT_IN = [
  { name: 'openid', description: 'Confirm who you are' },
  { name: 'profile', description: 'See your name and username' },
  { name: 'email', description: 'See your email address' },
  { name: 'offline_access', description: 'Stay connected when you are not using it' },
];

export const STARTER_SCOPE = { name: 'mcp:tools', description: 'Use the tools of your MCP servers', tools: ['*'], isDefault: true };

export async function ensureBuiltInScopes(db: Db): Promise<void> {
  const firstStart = (await db.prisma.scope.count()) === 0;
  for (const scope of BUILT_IN) {
    await db.prisma.scope.upsert({
      where: { name: scope.name },
      create: { ...scope, tools: '[]', builtIn: true, isDefault: false },
      update: { builtIn: true },
    });
  }
  if (firstStart) {
    await db.prisma.scope.upsert({
      where: { name: STARTER_SCOPE.name },
      create: { ...STARTER_SCOPE, tools: JSON.stringify(STARTER_SCOPE.tools) },
      update: {},
    });
  }
}
