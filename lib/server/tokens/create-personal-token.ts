// Creating a personal token: shown once, stored as a hash, limited to workspaces
// the user has (and, when checked, still has) and to the tools listed.
import { z } from 'zod';
import { hashToken, randomToken } from '../../crypto.ts';
import { PERSONAL_TOKEN_PREFIX } from '../../oauth/introspection.ts';
import type { Db } from '../db/client.ts';
import { insertPersonalToken } from '../db/personal-tokens.ts';
import { ZToolListSchema } from '../tools/tool-list.ts';

export const ZCreatePersonalTokenSchema = z.object({
  name: z.string().trim().min(1, 'Give the token a name').max(80, 'At most 80 characters'),
  workspaces: z.array(z.string()).max(200),
  tools: ZToolListSchema.refine((tools) => tools.length > 0, 'List at least one tool, or * for every tool'),
  expiresInDays: z.coerce.number().int().min(0).max(365, 'At most 365 days'),
});

export type TCreatePersonalTokenInput = z.input<typeof ZCreatePersonalTokenSchema>;

export type CreatePersonalTokenResult =
  | { ok: true; token: string; id: string }
  | { ok: false; fieldErrors: Partial<Record<'name' | 'workspaces' | 'tools' | 'expiresInDays', string>> };

export async function createPersonalToken(
  db: Db,
  user: { id: string; email: string },
  userWorkspaces: string[],
  raw: TCreatePersonalTokenInput,
  now = new Date(),
): Promise<CreatePersonalTokenResult> {
  const parsed = ZCreatePersonalTokenSchema.safeParse(raw);
  if (!parsed.success) {
    const fieldErrors: Record<string, string> = {};
    for (const issue of parsed.error.issues) fieldErrors[String(issue.path[0])] ??= issue.message;
    return { ok: false, fieldErrors };
  }
  const input = parsed.data;
  const foreign = input.workspaces.filter((w) => !userWorkspaces.includes(w));
  if (foreign.length) return { ok: false, fieldErrors: { workspaces: 'You can only share workspaces you have' } };
  const token = randomToken(PERSONAL_TOKEN_PREFIX);
  const id = await insertPersonalToken(
    db,
    {
      userId: user.id,
      name: input.name,
      prefix: token.slice(0, PERSONAL_TOKEN_PREFIX.length + 6),
      tokenHash: hashToken(token),
      workspaceKeys: input.workspaces,
      tools: input.tools,
      expiresAt: input.expiresInDays ? new Date(now.getTime() + input.expiresInDays * 86_400_000) : null,
    },
    { actor: { type: 'user', id: user.id, label: user.email }, action: 'personal_token.created', details: { name: input.name, workspaces: input.workspaces, tools: input.tools, expiresInDays: input.expiresInDays } },
  );
  return { ok: true, token, id };
}
