import { isIP } from 'node:net';

/** One entry of TRUSTED_PROXIES: an address (`prefix` covers all of it) or a CIDR range. */
export interface ProxyRange {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** `10.0.0.5`, `10.0.0.0/8`, `::1`, `fd00::/8`; undefined for anything else. */
export function parseProxyRange(entry: string): ProxyRange | undefined {
  const [address, prefixText, ...rest] = entry.trim().split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return undefined;
  const bits = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** The comma-separated list, each entry parsed; throws naming the position of the first bad one. */
export function parseTrustedProxies(list: string): ProxyRange[] {
  return list
    .split(',')
    .filter((entry) => entry.trim() !== '')
    .map((entry, i) => {
      const range = parseProxyRange(entry);
      if (!range) throw new Error(`entry ${i + 1} is not an IP address or CIDR range`);
      return range;
    });
}
