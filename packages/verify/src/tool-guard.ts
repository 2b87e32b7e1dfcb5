// Per-tool authorization, failing closed: a tool runs only when the token names
// it (or `*`) and, for a tool that works inside a workspace, the workspace is
// one of the token's. No token, no tools list, an empty workspace: refused.
import { ToolForbiddenError } from './errors.ts';
import type { AuthInfo } from './types.ts';

export type ToolDecision = { allowed: true } | { allowed: false; reason: string };

/**
 * Decides whether `auth` may run `tool` in `workspace`. Pass `workspace: null`
 * only for a tool that touches no workspace at all (e.g. `whoami`).
 */
export function checkToolAccess(auth: Pick<AuthInfo, 'tools' | 'workspaces'> | null | undefined, tool: string, workspace: string | null): ToolDecision {
  if (!auth) return { allowed: false, reason: 'no verified token' };
  if (typeof tool !== 'string' || tool.length === 0) return { allowed: false, reason: 'no tool named' };
  const tools = Array.isArray(auth.tools) ? auth.tools : [];
  if (!tools.includes('*') && !tools.includes(tool)) return { allowed: false, reason: `the token may not call the tool "${tool}"` };
  if (workspace === null) return { allowed: true };
  if (typeof workspace !== 'string' || workspace.length === 0) return { allowed: false, reason: 'no workspace named' };
  const workspaces = Array.isArray(auth.workspaces) ? auth.workspaces : [];
  if (!workspaces.includes(workspace)) return { allowed: false, reason: `the token may not reach the workspace "${workspace}"` };
  return { allowed: true };
}

export function isToolAllowed(auth: Pick<AuthInfo, 'tools' | 'workspaces'> | null | undefined, tool: string, workspace: string | null): boolean {
  return checkToolAccess(auth, tool, workspace).allowed;
}

/** Throws `ToolForbiddenError` unless `auth` may run `tool` in `workspace` (see `checkToolAccess`). */
export function assertToolAllowed(auth: Pick<AuthInfo, 'tools' | 'workspaces'> | null | undefined, tool: string, workspace: string | null): void {
  const decision = checkToolAccess(auth, tool, workspace);
  if (!decision.allowed) throw new ToolForbiddenError(tool, workspace, decision.reason);
}
