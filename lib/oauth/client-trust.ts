// Which clients an administrator stands behind (docs/configuration.md,
// "Registration policy"). Anyone on the internet can register a client
// (RFC 7591) or name one by a metadata document; an admin-made client, or a
// self-registered one an admin approved, is "vouched for". Only such clients
// have authorization errors sent to their redirect URI without asking the user
// (RFC 9700 §4.11.2), and under GATEHOUSE_REGISTRATION=approval only such
// clients can be used at all.
import type { OAuthClient } from './ports.ts';

/** GATEHOUSE_REGISTRATION: who may add clients without an administrator. */
export const REGISTRATION_POLICIES = ['open', 'approval', 'off'] as const;
export type RegistrationPolicy = (typeof REGISTRATION_POLICIES)[number];

export function isVouchedFor(client: Pick<OAuthClient, 'source' | 'approvedAt'>): boolean {
  return client.source === 'admin' || client.approvedAt !== null;
}

/** Under `approval`, a self-registered client waits for an administrator before it can be used. */
export function awaitsApproval(client: Pick<OAuthClient, 'source' | 'approvedAt'>, policy: RegistrationPolicy): boolean {
  return policy === 'approval' && !isVouchedFor(client);
}

export const awaitingApprovalDescription = (client: Pick<OAuthClient, 'name'>) =>
  `${client.name} is waiting for an administrator's approval before it can be used`;
