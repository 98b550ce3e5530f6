import { type Kysely, sql } from 'kysely';
import { type AuditActor, recordAudit } from '../audit/index.js';
import { type Keyring, KeyringError, keyIdOf } from '../core/crypto.js';
import type { DB } from '../db/index.js';

/**
 * Every column that holds keyring ciphertext. The start-up key check and `beton keys rotate` walk
 * this list, so a new encrypted column is one entry here.
 */
export interface EncryptedColumn {
  table: string;
  /** Primary key column (text or integer), used to page through rows in order. */
  idColumn: string;
  /** The ciphertext column. */
  column: string;
  /** Optional column kept equal to the ciphertext's key id (indexed lookups, no parsing). */
  keyIdColumn?: string;
  /** Optional column set to the rotation time when a row is re-encrypted. */
  updatedAtColumn?: string;
  /** The row's workspace: rotation writes an audit entry there for the secrets it re-encrypted. */
  workspaceColumn?: string;
}

export const encryptedColumns: EncryptedColumn[] = [
  {
    table: 'connections',
    idColumn: 'id',
    column: 'secrets_enc',
    keyIdColumn: 'key_id',
    updatedAtColumn: 'updated_at',
    workspaceColumn: 'workspace_id',
  },
  // Outbound webhook signing secrets (src/outbound-webhooks), and the one still signing after a rotation.
  {
    table: 'webhook_endpoints',
    idColumn: 'id',
    column: 'secret_enc',
    updatedAtColumn: 'updated_at',
    workspaceColumn: 'workspace_id',
  },
  {
    table: 'webhook_endpoints',
    idColumn: 'id',
    column: 'previous_secret_enc',
    workspaceColumn: 'workspace_id',
  },
];

// The registry names tables at runtime, so these queries go through an untyped handle.
const untyped = (db: Kysely<DB>) => db as unknown as Kysely<Record<string, Record<string, unknown>>>;

/** Whether any registered column holds ciphertext (then a missing key must never be replaced). */
export async function databaseHoldsSecrets(db: Kysely<DB>): Promise<boolean> {
  for (const c of encryptedColumns) {
    const row = await untyped(db)
      .selectFrom(c.table)
      .select(sql.ref(c.column).as('v'))
      .where(sql.ref(c.column), 'is not', null)
      .limit(1)
      .executeTakeFirst();
    if (row) return true;
  }
  return false;
}

/** One stored ciphertext per key id in use (walks every registered column in pages). */
export async function secretSamplesByKeyId(db: Kysely<DB>, pageSize = 1000): Promise<Map<string, string>> {
  const samples = new Map<string, string>();
  for (const c of encryptedColumns) {
    let after: unknown;
    for (;;) {
      let q = untyped(db)
        .selectFrom(c.table)
        .select([sql.ref(c.idColumn).as('id'), sql.ref(c.column).as('box')])
        .where(sql.ref(c.column), 'is not', null)
        .orderBy(sql.ref(c.idColumn))
        .limit(pageSize);
      if (after !== undefined) q = q.where(sql.ref(c.idColumn), '>', after);
      const rows = (await q.execute()) as { id: unknown; box: string }[];
      for (const r of rows) {
        const keyId = keyIdOf(r.box);
        if (!samples.has(keyId)) samples.set(keyId, r.box);
      }
      if (rows.length < pageSize) break;
      after = rows[rows.length - 1]!.id;
    }
  }
  return samples;
}

/** Every key id some stored secret was encrypted with. */
export async function keyIdsInUse(db: Kysely<DB>): Promise<Set<string>> {
  return new Set((await secretSamplesByKeyId(db)).keys());
}

/**
 * Refuse to run with a keyring that cannot open every stored secret: a key id missing from the
 * ring, or a key under the right id that is the wrong key (checked by opening one secret per id).
 *
 * @example
 * await assertKeyringOpensSecrets(db.kysely, keyring); // throws KeyringError('… key "k1" …')
 */
export async function assertKeyringOpensSecrets(db: Kysely<DB>, keyring: Keyring): Promise<void> {
  const samples = await secretSamplesByKeyId(db);
  const ring = keyring.keyIds.map((id) => `"${id}"`).join(', ');
  const missing = [...samples.keys()].filter((id) => !keyring.has(id));
  if (missing.length > 0) {
    throw new KeyringError(
      `Stored secrets were encrypted with key ${missing.map((id) => `"${id}"`).join(', ')}, which is not in the keyring (it has ${ring}). Add the missing key to BETON_ENCRYPTION_KEYS as "id:base64key" after the active key, or restore the data directory's encryption.key file.`,
    );
  }
  for (const [keyId, box] of samples) {
    try {
      keyring.decrypt(box);
    } catch {
      throw new KeyringError(
        `The key named "${keyId}" in the keyring does not open the secrets stored under that id: it is a different key. Set BETON_ENCRYPTION_KEYS (or encryption.key) to the original "${keyId}" key.`,
      );
    }
  }
}

export interface RotationProgress {
  table: string;
  column: string;
  rotated: number;
  remaining: number;
}

/** Rows of `c` holding ciphertext made with some key other than `activeId`. */
const notUnderKey = (c: EncryptedColumn, activeId: string) => {
  const prefix = `v1.${activeId}.`;
  return sql<boolean>`${sql.ref(c.column)} is not null and substr(${sql.ref(c.column)}, 1, ${prefix.length}) <> ${prefix}`;
};

async function countNotUnderKey(db: Kysely<DB>, c: EncryptedColumn, activeId: string): Promise<number> {
  const row = (await untyped(db)
    .selectFrom(c.table)
    .select((eb) => eb.fn.countAll().as('n'))
    .where(notUnderKey(c, activeId))
    .executeTakeFirst()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

/**
 * Re-encrypt every secret not under the active key, in batches, each row updated only if its
 * ciphertext is unchanged since it was read (a concurrent write wins and is not clobbered). Safe
 * to interrupt and run again: finished rows no longer match and are skipped. Each batch records,
 * in the same transaction, an `encryption_key.rotate` audit entry in every workspace it touched
 * (which key ids were replaced and how many secrets; never a key).
 *
 * @example
 * const { rotated } = await rotateSecrets(db.kysely, keyring, { onProgress: (p) => bar.update(p.rotated) });
 */
export async function rotateSecrets(
  db: Kysely<DB>,
  keyring: Keyring,
  opts: {
    batchSize?: number;
    now?: () => string;
    onProgress?: (p: RotationProgress) => void;
    /** Who rotates (default: the local operator, `cli`). */
    actor?: AuditActor;
  } = {},
): Promise<{ rotated: number; remaining: number }> {
  const batchSize = opts.batchSize ?? 100;
  const now = opts.now ?? (() => new Date().toISOString());
  const actor: AuditActor = opts.actor ?? { actorType: 'cli', actorId: null };
  let total = 0;
  for (const c of encryptedColumns) {
    let rotated = 0;
    let after: unknown;
    for (;;) {
      let q = untyped(db)
        .selectFrom(c.table)
        .select([sql.ref(c.idColumn).as('id'), sql.ref(c.column).as('box')])
        .where(notUnderKey(c, keyring.activeId))
        .orderBy(sql.ref(c.idColumn))
        .limit(batchSize);
      if (after !== undefined) q = q.where(sql.ref(c.idColumn), '>', after);
      if (c.workspaceColumn) q = q.select(sql.ref(c.workspaceColumn).as('workspace'));
      const rows = (await q.execute()) as { id: unknown; box: string; workspace?: string }[];
      if (rows.length === 0) break;
      await db.transaction().execute(async (trx) => {
        const touched = new Map<string, { secrets: number; from: Set<string> }>();
        for (const row of rows) {
          const set: Record<string, unknown> = { [c.column]: keyring.encrypt(keyring.decrypt(row.box)) };
          if (c.keyIdColumn) set[c.keyIdColumn] = keyring.activeId;
          if (c.updatedAtColumn) set[c.updatedAtColumn] = now();
          const result = await untyped(trx)
            .updateTable(c.table)
            .set(set)
            .where(sql.ref(c.idColumn), '=', row.id)
            .where(sql.ref(c.column), '=', row.box)
            .executeTakeFirst();
          if (Number(result.numUpdatedRows) === 0) continue;
          rotated++;
          if (row.workspace === undefined) continue;
          const entry = touched.get(row.workspace) ?? { secrets: 0, from: new Set<string>() };
          entry.secrets++;
          entry.from.add(keyIdOf(row.box));
          touched.set(row.workspace, entry);
        }
        for (const [workspaceId, entry] of touched) {
          await recordAudit(
            trx,
            workspaceId,
            actor,
            'encryption_key.rotate',
            {
              targetType: c.table,
              details: {
                activeKey: keyring.activeId,
                replacedKeys: [...entry.from].sort(),
                secrets: entry.secrets,
              },
            },
            { now: () => new Date(now()) },
          );
        }
      });
      after = rows[rows.length - 1]!.id;
      opts.onProgress?.({
        table: c.table,
        column: c.column,
        rotated,
        remaining: await countNotUnderKey(db, c, keyring.activeId),
      });
      if (rows.length < batchSize) break;
    }
    total += rotated;
  }
  let remaining = 0;
  for (const c of encryptedColumns) remaining += await countNotUnderKey(db, c, keyring.activeId);
  return { rotated: total, remaining };
}
