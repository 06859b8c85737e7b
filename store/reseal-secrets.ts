import type { Db } from './db';
import type { SecretBox } from './secret-box';

/** A column of sealed values, and the associated data each was sealed with (its row). */
export interface SealedColumn {
  table: string;
  column: string;
  associatedData(id: string): string;
}

/** Every secret the store keeps sealed, with the associated data its store seals it with. */
export const SEALED_COLUMNS: SealedColumn[] = [
  { table: 'connections', column: 'api_key_secret', associatedData: (id) => id },
  // As store/alerts.ts seals it.
  { table: 'exports', column: 'alert_secret', associatedData: (id) => `alert:${id}` },
];

export interface ResealCount {
  name: string;
  resealed: number;
  alreadyCurrent: number;
}

/**
 * Opens every sealed value with `from` and seals it with `to`, in one transaction: either all of
 * them move to the new key or (on any value that does not open) none does. Values already sealed
 * under `to` in the current form are left alone, so running it again changes nothing; `v1` values
 * under the same key come out as `v2`.
 */
export async function resealSecrets(db: Db, from: SecretBox, to: SecretBox, columns = SEALED_COLUMNS): Promise<ResealCount[]> {
  return db.transaction(async (tx) => {
    const counts: ResealCount[] = [];
    for (const sealed of columns) counts.push(await resealColumn(tx, sealed, from, to));
    return counts;
  });
}

async function resealColumn(tx: Db, { table, column, associatedData }: SealedColumn, from: SecretBox, to: SecretBox): Promise<ResealCount> {
  const rows = await tx.query<{ id: string; sealed: string }>(
    `SELECT id, ${column} AS sealed FROM ${table} WHERE ${column} IS NOT NULL ORDER BY id FOR UPDATE`,
  );
  let resealed = 0;
  for (const { id, sealed } of rows) {
    if (to.isCurrent(sealed)) continue;
    const plain = openOrExplain(from, sealed, associatedData(id), `${table} ${id}`);
    await tx.query(`UPDATE ${table} SET ${column} = $2 WHERE id = $1`, [id, to.seal(plain, associatedData(id))]);
    resealed++;
  }
  return { name: `${table}.${column}`, resealed, alreadyCurrent: rows.length - resealed };
}

function openOrExplain(box: SecretBox, sealed: string, associatedData: string, where: string): string {
  try {
    return box.open(sealed, associatedData);
  } catch (err) {
    throw new Error(`${where}: its secret does not open with OLD_SECRETS_KEY (${(err as Error).message}); nothing was changed`);
  }
}
