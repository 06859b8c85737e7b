import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { trustedProxies } from '../api/client-address';
import type { ProxyRange } from '../config/trusted-proxies';

/** Where people reach the console, and who stands in front of it. */
export interface OriginOptions {
  /**
   * The address people reach the console at (PUBLIC_URL). Its origin is accepted by the
   * same-origin check of posts, whatever Host the proxy in front sends; https makes every
   * session cookie Secure.
   */
  publicUrl?: string;
  /**
   * Reverse proxies (TRUSTED_PROXIES) whose `X-Forwarded-Proto: https` says the browser used
   * https: the cookie is then Secure, and https on the request's own host is its origin.
   */
  trustedProxies?: ProxyRange[];
  /** Secure cookies on every request, whatever the above say. */
  secureCookies?: boolean;
}

export interface OriginPolicy {
  /** Whether the browser reached the console over https (or the settings say it always does). */
  isSecure(c: Context): boolean;
  /** Whether a post's `Origin` is the console's own: the request's, its https form behind a trusted proxy, or the public one. */
  isOwnOrigin(origin: string, c: Context): boolean;
}

export function createOriginPolicy(options: OriginOptions): OriginPolicy {
  const isTrusted = trustedProxies(options.trustedProxies ?? []);
  const publicOrigin = options.publicUrl ? new URL(options.publicUrl).origin : undefined;
  const alwaysSecure = options.secureCookies === true || publicOrigin?.startsWith('https:') === true;

  /** The browser's scheme as the proxy in front recorded it (the first entry, as each proxy appends), believed only from a trusted peer. */
  function forwardedHttps(c: Context): boolean {
    const proto = c.req.header('x-forwarded-proto');
    if (proto === undefined) return false;
    const peer = peerAddress(c);
    return peer !== undefined && isTrusted(peer) && proto.split(',')[0].trim().toLowerCase() === 'https';
  }

  return {
    isSecure: (c) => alwaysSecure || new URL(c.req.url).protocol === 'https:' || forwardedHttps(c),
    isOwnOrigin(origin, c) {
      const url = new URL(c.req.url);
      if (origin === url.origin || origin === publicOrigin) return true;
      return forwardedHttps(c) && origin === `https://${url.host}`;
    },
  };
}

function peerAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    // A request that came through no socket (app.request in tests).
    return undefined;
  }
}
