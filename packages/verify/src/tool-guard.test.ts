import { describe, expect, it } from 'vitest';
import { ToolForbiddenError } from './errors.ts';
import { assertToolAllowed, checkToolAccess, isToolAllowed } from './tool-guard.ts';

const auth = { tools: ['list_documents', 'read_document'], workspaces: ['alpha'] };

describe('tool guard (fail closed)', () => {
  it('allows a named tool in a listed workspace', () => {
    expect(isToolAllowed(auth, 'list_documents', 'alpha')).toBe(true);
    expect(() => assertToolAllowed(auth, 'read_document', 'alpha')).not.toThrow();
  });

  it('`*` allows every tool, never every workspace', () => {
    expect(isToolAllowed({ tools: ['*'], workspaces: ['alpha'] }, 'anything', 'alpha')).toBe(true);
    expect(isToolAllowed({ tools: ['*'], workspaces: ['alpha'] }, 'anything', 'beta')).toBe(false);
    expect(isToolAllowed({ tools: ['*'], workspaces: ['*'] }, 'anything', 'beta')).toBe(false);
  });

  it.each([
    ['a tool not named', auth, 'delete_everything', 'alpha'],
    ['a workspace not listed', auth, 'list_documents', 'beta'],
    ['an empty workspace', auth, 'list_documents', ''],
    ['no token', null, 'list_documents', 'alpha'],
    ['a token without tools', { workspaces: ['alpha'] }, 'list_documents', 'alpha'],
    ['a token without workspaces', { tools: ['*'] }, 'list_documents', 'alpha'],
    ['an empty tool name', { tools: ['*'], workspaces: ['alpha'] }, '', 'alpha'],
  ])('refuses %s', (_name, a, tool, workspace) => {
    expect(isToolAllowed(a as never, tool, workspace)).toBe(false);
    expect(() => assertToolAllowed(a as never, tool, workspace)).toThrow(ToolForbiddenError);
  });

  it('a workspace-less tool needs only its name', () => {
    expect(checkToolAccess({ tools: ['whoami'], workspaces: [] }, 'whoami', null)).toEqual({ allowed: true });
    expect(checkToolAccess({ tools: ['list_documents'], workspaces: ['alpha'] }, 'whoami', null)).toMatchObject({ allowed: false });
  });

  it('the error says which tool and workspace were refused', () => {
    try {
      assertToolAllowed(auth, 'list_documents', 'beta');
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ status: 403, tool: 'list_documents', workspace: 'beta', message: 'the token may not reach the workspace "beta"' });
    }
  });
});
