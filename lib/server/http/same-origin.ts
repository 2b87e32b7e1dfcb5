// Cookie-authenticated POSTs must come from Gatehouse's own pages: browsers send
// Sec-Fetch-Site and Origin on form posts, and neither may name another site.
import type { IncomingMessage } from 'node:http';

export function isSameOriginPost(req: IncomingMessage, issuer: string): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site && site !== 'same-origin') return false;
  const origin = req.headers.origin;
  // Under Referrer-Policy: no-referrer browsers send `Origin: null` even on a
  // same-origin form post; Sec-Fetch-Site, which no page can set, vouches for it.
  if (origin === 'null') return site === 'same-origin';
  return !origin || origin === new URL(issuer).origin;
}
