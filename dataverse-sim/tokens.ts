import { randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { DataverseSimOptions } from './options';
import type { DataverseSimStats } from './stats';

export interface IssuedToken {
  clientId: string;
  expiresAt: number;
}

/** Tokens the fake issued, by value; expiry is checked on use. */
export class TokenStore {
  private readonly tokens = new Map<string, IssuedToken>();

  issue(clientId: string, lifetimeSeconds: number): string {
    const value = randomBytes(24).toString('base64url');
    this.tokens.set(value, { clientId, expiresAt: Date.now() + lifetimeSeconds * 1000 });
    return value;
  }

  /** The token's holder, or undefined when it is unknown or expired. */
  holder(value: string): IssuedToken | undefined {
    const token = this.tokens.get(value);
    return token && Date.now() < token.expiresAt ? token : undefined;
  }

  /** Every token issued so far expires now, as if an hour had passed. */
  expireAll(): void {
    for (const token of this.tokens.values()) token.expiresAt = 0;
  }
}

/**
 * Microsoft Entra ID's v2.0 token endpoint for the client credentials grant, as far as a client sees
 * it: `POST /{tenant}/oauth2/v2.0/token` with a form body, JSON answers, and its error bodies
 * (`error`, `error_description` starting with the AADSTS code, `error_codes`).
 * https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 */
export function tokenRoutes(options: DataverseSimOptions, tokens: TokenStore, stats: DataverseSimStats): Hono {
  return new Hono().post('/:tenant/oauth2/v2.0/token', async (c) => {
    stats.tokenRequests++;
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : undefined);
    const tenant = c.req.param('tenant');
    if (tenant !== options.tenantId) {
      return entraError(c, 400, 'invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    }
    if (field('grant_type') !== 'client_credentials') return entraError(c, 400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    if (field('client_id') !== options.clientId) {
      return entraError(c, 400, 'unauthorized_client', 700016, `Application with identifier '${field('client_id') ?? ''}' was not found in the directory '${tenant}'.`);
    }
    const secret = field('client_secret');
    if (!secret) return entraError(c, 401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    if (secret !== options.clientSecret) return entraError(c, 401, 'invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.');
    const scope = field('scope') ?? '';
    if (!/^https?:\/\/[^/]+\/\.default$/.test(scope)) return entraError(c, 400, 'invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid.`);
    stats.tokensIssued++;
    const lifetime = options.tokenLifetimeSeconds;
    return c.json({ token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: tokens.issue(options.clientId, lifetime) });
  });
}

function entraError(c: Context, status: 400 | 401, error: string, code: number, text: string): Response {
  const traceId = randomBytes(16).toString('hex');
  const description = `AADSTS${code}: ${text}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${traceId}\r\nTimestamp: ${new Date().toISOString()}`;
  return c.json({ error, error_description: description, error_codes: [code], timestamp: new Date().toISOString(), trace_id: traceId }, status);
}
