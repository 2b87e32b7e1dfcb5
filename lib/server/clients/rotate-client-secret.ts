// Rotating a confidential client's secret: the new secret is returned once and
// stored as a hash; the old one stops working when the change commits (there
// is no overlap window — the operator hands the new secret over first).
import type { Db } from '../db/client.ts';
import type { AuditActor } from '../db/audit.ts';
import { replaceClientSecretHash } from '../db/clients.ts';
import { newClientSecret } from './create-client.ts';

/** The new secret, or null when the client is gone or public. */
export async function rotateClientSecret(db: Db, id: string, actor: AuditActor, at = new Date()): Promise<string | null> {
  const { secret, hash } = newClientSecret();
  return (await replaceClientSecretHash(db, id, hash, actor, at)) ? secret : null;
}
