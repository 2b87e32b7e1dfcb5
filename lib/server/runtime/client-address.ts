// The client's address: the peer, unless the peer is a trusted proxy, in which
// case the proxy's X-Forwarded-For (its last entry: the address the proxy saw).
// Computed once by the server and handed on in a header nobody else may set.
import type { IncomingMessage } from 'node:http';

export const CLIENT_ADDRESS_HEADER = 'x-gatehouse-client-ip';

/** A socket peer address on the loopback network (IPv4, IPv6, or IPv4-mapped). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

export function clientAddress(req: IncomingMessage, trustedProxies: string[]): string {
  const peer = (req.socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');
  const trusted = trustedProxies.includes(peer) || (trustedProxies.includes('loopback') && isLoopbackAddress(peer));
  const forwarded = req.headers['x-forwarded-for'];
  const last = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',').map((s) => s.trim()).filter(Boolean).at(-1);
  return trusted && last && /^[0-9a-fA-F.:]{2,45}$/.test(last) ? last : peer;
}

export function stampClientAddress(req: IncomingMessage, trustedProxies: string[]): string {
  const address = clientAddress(req, trustedProxies);
  req.headers[CLIENT_ADDRESS_HEADER] = address;
  return address;
}
