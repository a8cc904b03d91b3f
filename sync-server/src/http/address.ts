import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/**
 * The caller's address, for the per-address limits. X-Forwarded-For is
 * believed only from proxies named in `PARLEY_TRUSTED_PROXIES` (default none):
 * from any other peer the socket's address is the caller's, so a client cannot
 * pick its own address with a header (issue 11). Behind trusted proxies the
 * header is read from the right, skipping trusted hops; the first untrusted
 * address is the one our outermost proxy saw.
 */
export type TrustedProxies = BlockList;

/** Parses `PARLEY_TRUSTED_PROXIES`: addresses and CIDR ranges, comma-separated; `loopback` and `private` name the usual ranges. */
export function trustedProxies(entries: readonly string[]): TrustedProxies {
  const list = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim();
    if (!entry) continue;
    if (entry === 'loopback') {
      list.addSubnet('127.0.0.0', 8, 'ipv4');
      list.addAddress('::1', 'ipv6');
      continue;
    }
    if (entry === 'private') {
      for (const [net, bits] of [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['169.254.0.0', 16]] as const) list.addSubnet(net, bits, 'ipv4');
      list.addSubnet('fc00::', 7, 'ipv6');
      list.addSubnet('fe80::', 10, 'ipv6');
      continue;
    }
    const [address, bits] = entry.split('/') as [string, string | undefined];
    const family = isIP(address);
    if (family === 0) throw new Error(`PARLEY_TRUSTED_PROXIES: not an address or range: ${entry}`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address, type);
    else {
      const prefix = Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) throw new Error(`PARLEY_TRUSTED_PROXIES: bad prefix in ${entry}`);
      list.addSubnet(address, prefix, type);
    }
  }
  return list;
}

export function clientAddress(req: IncomingMessage, trusted: TrustedProxies): string {
  const socket = normalize(req.socket.remoteAddress ?? '');
  if (!socket || !isTrusted(trusted, socket)) return socket || 'unknown';
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((h) => normalize(h.trim()))
    .filter((h) => isIP(h) !== 0);
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!isTrusted(trusted, hops[i]!)) return hops[i]!;
  }
  return hops[0] ?? socket;
}

function normalize(address: string): string {
  // IPv4 clients of a dual-stack socket show up as ::ffff:a.b.c.d.
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function isTrusted(trusted: TrustedProxies, address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return trusted.check(address, family === 4 ? 'ipv4' : 'ipv6');
}
