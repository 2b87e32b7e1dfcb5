// The consent form's hidden ticket: the authorization request, sealed and bound
// to the user it was shown to, with a short lifetime. It is the form's CSRF
// token too: only the page rendered for this user carries a ticket they can use.
import { z } from 'zod';
import { deriveKey, seal, unseal } from '../../crypto.ts';

const TICKET_TTL_MS = 10 * 60 * 1000;

const ZTicketSchema = z.object({ uid: z.string(), q: z.string(), exp: z.number() });

export function createConsentTicket(secret: string, userId: string, search: URLSearchParams, now = Date.now()): string {
  return seal(JSON.stringify({ uid: userId, q: search.toString(), exp: now + TICKET_TTL_MS }), deriveKey(secret, 'consent-ticket'));
}

/** The authorization request's parameters, or null when the ticket is forged, expired or someone else's. */
export function openConsentTicket(secret: string, ticket: string, userId: string, now = Date.now()): URLSearchParams | null {
  try {
    const parsed = ZTicketSchema.safeParse(JSON.parse(unseal(ticket, deriveKey(secret, 'consent-ticket'))));
    if (!parsed.success || parsed.data.uid !== userId || parsed.data.exp < now) return null;
    return new URLSearchParams(parsed.data.q);
  } catch {
    return null;
  }
}
