import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/**
 * The caller's address, for the per-address login limit. `npm start` puts the
 * web app's proxy in front of the API (and docker-compose a proxy container),
 * so every request would otherwise come from one loopback or private address
 * and one person's typos would lock everyone out. X-Forwarded-For is read
 * from the right, skipping hops on loopback and private networks; the first
 * public address is the one our nearest proxy saw. A client on the internet
 * cannot spoof it (it can only prepend entries); one on a private network can,
 * and is still held by the per-username limit.
 */
const trusted = new BlockList();
trusted.addSubnet('127.0.0.0', 8, 'ipv4');
trusted.addSubnet('10.0.0.0', 8, 'ipv4');
trusted.addSubnet('172.16.0.0', 12, 'ipv4');
trusted.addSubnet('192.168.0.0', 16, 'ipv4');
trusted.addSubnet('169.254.0.0', 16, 'ipv4');
trusted.addAddress('::1', 'ipv6');
trusted.addSubnet('fc00::', 7, 'ipv6');
trusted.addSubnet('fe80::', 10, 'ipv6');

export function clientAddress(req: IncomingMessage): string {
  const socket = normalize(req.socket.remoteAddress ?? '');
  if (!socket || !isTrusted(socket)) return socket || 'unknown';
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((h) => normalize(h.trim()))
    .filter((h) => isIP(h) !== 0);
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!isTrusted(hops[i]!)) return hops[i]!;
  }
  return hops[0] ?? socket;
}

function normalize(address: string): string {
  // IPv4 clients of a dual-stack socket show up as ::ffff:a.b.c.d.
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function isTrusted(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return trusted.check(address, family === 4 ? 'ipv4' : 'ipv6');
}
