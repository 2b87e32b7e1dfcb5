// The public keys of a key-based client (private_key_jwt, RFC 7523 §2.2), as an
// operator gives them on creation or replaces them later: a pasted JWK Set of
// public signing keys, or the jwks_uri the client publishes one at. Never a secret.
import { z } from 'zod';
import { parseClientJwks } from '../../oauth/client-jwks.ts';
import { clientMetadataDocumentIdProblem } from '../../oauth/client-metadata-document.ts';
import type { Db } from '../db/client.ts';
import type { AuditActor } from '../db/audit.ts';
import { replaceClientKeys } from '../db/clients.ts';
import { fieldErrorsOf } from './client-settings.ts';

export const ONE_KEY_SOURCE = 'give a JWK Set or a jwks_uri, not both';

/** A pasted JWK Set: public signing keys only (lib/oauth/client-jwks.ts). */
export const ZJwksText = z
  .string()
  .trim()
  .max(64 * 1024, 'a JWK Set of at most 64 KiB')
  .transform((text, ctx) => {
    const parsed = parseClientJwks(text);
    if ('problem' in parsed) {
      ctx.addIssue({ code: 'custom', message: `the JWK Set ${parsed.problem}` });
      return z.NEVER;
    }
    return parsed.jwks;
  });

/**
 * Fetched like a metadata document (lib/oauth/client-metadata-document.ts):
 * https with a path; http://localhost only works with the loopback allowance.
 */
export const ZJwksUri = z
  .string()
  .trim()
  .superRefine((uri, ctx) => {
    const problem = clientMetadataDocumentIdProblem(uri, { allowHttpLoopback: true });
    if (problem) ctx.addIssue({ code: 'custom', message: `the jwks_uri ${problem}` });
  });

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

export const ZClientKeys = z
  .object({ jwks: z.preprocess(blank, ZJwksText.optional()), jwksUri: z.preprocess(blank, ZJwksUri.optional()) })
  .superRefine((keys, ctx) => {
    if (keys.jwks && keys.jwksUri) ctx.addIssue({ code: 'custom', path: ['jwksUri'], message: ONE_KEY_SOURCE });
    if (!keys.jwks && !keys.jwksUri) ctx.addIssue({ code: 'custom', path: ['jwks'], message: 'paste a JWK Set of public keys, or give a jwks_uri' });
  });

export type ReplaceKeysResult = { ok: true } | { ok: false; message: string; fieldErrors?: Record<string, string> };

/** Replaces a key-based client's keys: assertions signed by the old ones stop working at once. */
export async function replaceKeys(db: Db, id: string, raw: { jwks?: string; jwksUri?: string }, actor: AuditActor): Promise<ReplaceKeysResult> {
  const parsed = ZClientKeys.safeParse(raw);
  if (!parsed.success) return { ok: false, message: 'Check the fields below.', fieldErrors: fieldErrorsOf(parsed.error) };
  const saved = await replaceClientKeys(db, id, { jwks: parsed.data.jwks ?? null, jwksUri: parsed.data.jwksUri ?? null }, actor);
  return saved ? { ok: true } : { ok: false, message: 'This client is gone, or does not authenticate with keys.' };
}
