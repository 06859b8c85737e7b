import { createHmac } from 'node:crypto';

/** Standard Webhooks (standardwebhooks.com): what off-the-shelf verifiers read. */
export const WEBHOOK_ID_HEADER = 'webhook-id';
export const WEBHOOK_TIMESTAMP_HEADER = 'webhook-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'webhook-signature';

/** The first scheme, kept beside the standard one so receivers written for it keep working. */
export const SIGNATURE_HEADER = 'x-segment-export-signature';
export const TIMESTAMP_HEADER = 'x-segment-export-timestamp';

/** Legacy: `sha256=<hex>` of `<timestamp>.<body>`, keyed with the secret string itself. */
export function signAlert(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/**
 * Standard Webhooks: `v1,<base64>` of `<id>.<timestamp>.<body>`, keyed with the bytes the secret
 * encodes after `whsec_`. Secrets issued before this scheme are base64url; Node decodes both
 * alphabets, so they sign the same bytes a receiver gets from the standard spelling.
 */
export function signStandardWebhook(secret: string, id: string, timestamp: string, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64')}`;
}

/** Both schemes' headers for one attempt at one message; `id` is the same on every attempt. */
export function alertSignatureHeaders(secret: string, id: string, body: string, now = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000));
  return {
    [WEBHOOK_ID_HEADER]: id,
    [WEBHOOK_TIMESTAMP_HEADER]: timestamp,
    [WEBHOOK_SIGNATURE_HEADER]: signStandardWebhook(secret, id, timestamp, body),
    [TIMESTAMP_HEADER]: timestamp,
    [SIGNATURE_HEADER]: signAlert(secret, timestamp, body),
  };
}
