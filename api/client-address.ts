import { BlockList, isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import type { ProxyRange } from '../config/trusted-proxies';

/** Whether an address is one of the reverse proxies whose `X-Forwarded-For` is believed. */
export type IsTrustedProxy = (address: string) => boolean;

/** Node's BlockList matches IPv4, IPv6 and IPv4-mapped IPv6 (`::ffff:10.0.0.1`) alike. */
export function trustedProxies(ranges: ProxyRange[]): IsTrustedProxy {
  if (ranges.length === 0) return () => false;
  const list = new BlockList();
  for (const r of ranges) list.addSubnet(r.address, r.prefix, r.family);
  return (address) => list.check(address, address.includes(':') ? 'ipv6' : 'ipv4');
}

/**
 * The client's address. The peer's, unless the peer is a trusted proxy: then `X-Forwarded-For` is
 * read from the right (each proxy appends the address it saw) and the first untrusted entry is the
 * client. Entries left of it were written by the client and are never believed.
 */
export function clientAddress(c: Context, isTrusted: IsTrustedProxy = () => false): string {
  let address = peerAddress(c);
  if (!address || !isTrusted(address)) return address ?? 'unknown';
  const forwarded = (c.req.header('x-forwarded-for') ?? '').split(',').map((hop) => hop.trim());
  for (const hop of forwarded.reverse()) {
    // A hop that is no address is no one's: the last proxy is the client as far as we know.
    if (isIP(hop) === 0) return address;
    address = hop;
    if (!isTrusted(hop)) return hop;
  }
  return address;
}

function peerAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    // Requests that did not come through a socket (app.request in tests).
    return undefined;
  }
}

/**
 * The block an address belongs to, for counting failures: an IPv6 host usually holds a whole /64
 * and could try each of its addresses in turn, so those count as one; an IPv4-mapped address is its
 * IPv4 one.
 */
export function addressBlock(address: string): string {
  if (isIP(address) !== 6) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  const [head, tail = ''] = address.toLowerCase().split('::');
  const groups = (part: string) => (part ? part.split(':') : []);
  const missing = 8 - groups(head).length - groups(tail).length;
  const full = address.includes('::') ? [...groups(head), ...Array<string>(missing).fill('0'), ...groups(tail)] : groups(head);
  return `${full.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
