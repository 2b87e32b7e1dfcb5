// What a token can reach: one rule for every kind of token.
import type { Grant, OAuthStore, Reach, ScopeDefinition } from './ports.ts';

/** Tools allowed by a set of scopes: `*` if any scope allows every tool. */
export function toolsOfScopes(scopes: readonly string[], definitions: readonly ScopeDefinition[]): string[] {
  const tools = new Set<string>();
  for (const name of scopes) {
    for (const tool of definitions.find((d) => d.name === name)?.tools ?? []) tools.add(tool);
  }
  return tools.has('*') ? ['*'] : [...tools].sort();
}

export function intersect(a: readonly string[], b: readonly string[]): string[] {
  const set = new Set(b);
  return a.filter((x) => set.has(x)).sort();
}

/** The workspaces the user shared at consent ∩ their workspaces now; the tools of the grant's scopes. */
export async function resolveGrantReach(store: OAuthStore, grant: Pick<Grant, 'workspaceKeys'>, userWorkspaces: readonly string[], scope: readonly string[]): Promise<Reach> {
  return { workspaces: intersect(grant.workspaceKeys, userWorkspaces), tools: toolsOfScopes(scope, await store.listScopes()) };
}
