import { randomBytes } from 'node:crypto';
import type { AlertEvent } from '../domain/export';
import type { Db } from './db';
import type { SecretBox } from './secret-box';

export interface AlertSettings {
  webhookUrl: string;
  events: AlertEvent[];
}

/** Where to send one export's alerts, with the secret that signs them (opened). */
export interface AlertTarget extends AlertSettings {
  secret: string;
}

/**
 * An export's alert webhook and its signing secret. The secret is generated here, sealed at rest
 * and shown once, in the answer that set it; the activity that sends alerts opens it.
 */
export function createAlertStore(db: Db, box: SecretBox) {
  const sealFor = (exportId: string, secret: string) => box.seal(secret, `alert:${exportId}`);
  return {
    /** Sets the webhook; a new secret when there is none yet or `rotate`. Returns the new secret, if any. */
    async set(exportId: string, alerts: AlertSettings, rotate = false): Promise<string | undefined> {
      const [row] = await db.query<{ has: boolean }>('SELECT alert_secret IS NOT NULL AS has FROM exports WHERE id = $1', [exportId]);
      // Standard Webhooks' spelling (base64), which its verifiers decode; secrets issued before were base64url.
      const secret = !row?.has || rotate ? `whsec_${randomBytes(32).toString('base64')}` : undefined;
      await db.query('UPDATE exports SET alerts = $2, alert_secret = coalesce($3, alert_secret) WHERE id = $1', [
        exportId,
        JSON.stringify(alerts),
        secret === undefined ? null : sealFor(exportId, secret),
      ]);
      return secret;
    },

    async clear(exportId: string): Promise<void> {
      await db.query('UPDATE exports SET alerts = NULL, alert_secret = NULL WHERE id = $1', [exportId]);
    },

    async target(exportId: string): Promise<AlertTarget | undefined> {
      const [row] = await db.query<{ alerts: AlertSettings | null; secret: string | null }>(
        'SELECT alerts, alert_secret AS secret FROM exports WHERE id = $1',
        [exportId],
      );
      if (!row?.alerts || !row.secret) return undefined;
      return { ...row.alerts, secret: box.open(row.secret, `alert:${exportId}`) };
    },
  };
}
export type AlertStore = ReturnType<typeof createAlertStore>;
