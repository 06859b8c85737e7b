import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Why an outbound address is refused; the message names the host and the rule, never a secret. */
export class OutboundRefusedError extends Error {
  override readonly name = 'OutboundRefusedError';
  readonly code = 'EOUTBOUNDREFUSED';
}

export interface OutboundPolicy {
  /** Throws {@link OutboundRefusedError} when `url` may not be called: scheme, credentials, host. */
  check(url: string): void;
  /** Agents whose connections go only to addresses the policy allows, checked when they resolve. */
  agents(options?: { keepAlive?: boolean }): { httpAgent: http.Agent; httpsAgent: https.Agent };
}

/** Ranges no outbound call may reach unless the address itself is allowed: no rebinding into them. */
const SPECIAL = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) SPECIAL.addSubnet(net, prefix, 'ipv4');
// IPv4-mapped, NAT64 (well-known and local-use) and 6to4 addresses embed an IPv4 one: a private one may hide there.
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['::ffff:0:0', 96], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['2002::', 16],
] as const) {
  SPECIAL.addSubnet(net, prefix, 'ipv6');
}

const LOOPBACK_NAMES = new Set(['localhost']);
const isLoopback = (host: string) => LOOPBACK_NAMES.has(host) || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
const bare = (host: string) => host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
/** An entry `http://host`: a host of the deployment's own network that does not speak TLS. */
const PLAIN_HTTP = /^http:\/\//i;

/**
 * Outbound calls (Autopilot, alert webhooks) go only to hosts on the allow-list (`host` or
 * `*.domain`), over https unless the host is a loopback one listed explicitly. Addresses are checked
 * again when a connection resolves them, so a listed name cannot be pointed (rebound) at a private,
 * link-local or loopback address that was not itself listed. An entry `http://host` is the
 * operator's word that the host is one of their own network's (the compose file's simulator): plain
 * http to it is allowed, at whatever address it resolves to.
 */
export function createOutboundPolicy(allowedHosts: string[], resolve: typeof dnsLookup = dnsLookup): OutboundPolicy {
  const listed = allowedHosts.map((h) => h.trim()).filter(Boolean);
  const entries = [...new Set(listed.map((h) => bare(h.replace(PLAIN_HTTP, ''))))];
  const ownNetwork = new Set(listed.filter((h) => PLAIN_HTTP.test(h)).map((h) => bare(h.replace(PLAIN_HTTP, ''))));
  const allowedAddresses = new Set(entries.filter((h) => isIP(h)));
  if (entries.includes('localhost')) ['127.0.0.1', '::1'].forEach((a) => allowedAddresses.add(a));
  const hostAllowed = (host: string) => entries.some((e) => e === host || (e.startsWith('*.') && host.endsWith(e.slice(1))));
  const addressAllowed = (address: string) => allowedAddresses.has(address) || !SPECIAL.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');

  const lookup: LookupFunction = (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const refused = ownNetwork.has(bare(hostname)) ? undefined : addresses.find((a) => !addressAllowed(a.address));
      if (refused) return callback(new OutboundRefusedError(`${hostname} resolves to ${refused.address}, a private or local address that is not allowed`), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };

  return {
    check(url) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new OutboundRefusedError('is not a URL');
      }
      const host = bare(parsed.hostname);
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new OutboundRefusedError(`must be https (not ${parsed.protocol})`);
      if (parsed.username || parsed.password) throw new OutboundRefusedError('must not carry credentials');
      if (!hostAllowed(host)) throw new OutboundRefusedError(`host ${host} is not allowed (OUTBOUND_ALLOWED_HOSTS)`);
      if (parsed.protocol === 'http:' && !isLoopback(host) && !ownNetwork.has(host)) {
        throw new OutboundRefusedError(`must be https: plain http only to an allowed loopback host, or one listed as http://${host}`);
      }
      if (isIP(host) && !addressAllowed(host)) throw new OutboundRefusedError(`${host} is a private or local address that is not allowed`);
    },
    agents({ keepAlive = true } = {}) {
      return { httpAgent: new http.Agent({ keepAlive, lookup }), httpsAgent: new https.Agent({ keepAlive, lookup }) };
    },
  };
}

/** The host of a URL, for deriving the allow-list from the configured Autopilot address. */
export function hostOf(url: string): string {
  return bare(new URL(url).hostname);
}
