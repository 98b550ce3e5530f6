import { type Kysely, sql } from 'kysely';
import { timeOrderedId } from '../../core/ids.js';

/**
 * Closed sign-up and invitations (issue 21).
 *
 * - `installation_settings`: settings of the whole installation an operator changes at run time
 *   (`signup` = `open` | `closed`; the `BETON_SIGNUP` variable wins over it).
 * - `member_invitations`: who was invited to which workspace with which role; only the SHA-256 of
 *   the single-use token is kept, so a database reader cannot accept an invitation.
 * - `auth_attempts`: fixed-window counters shared by every server (sign-in per account,
 *   invitation look-ups per address). Keys are hashes, never an e-mail in clear.
 * - `audit_log.id` becomes a random, time-ordered text id per row instead of one integer sequence
 *   across every workspace (which told one tenant how busy the others were).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('installation_settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('member_invitations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('invited_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('accepted_at', 'text')
    .addColumn('accepted_by', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema
    .createIndex('member_invitations_workspace_email')
    .on('member_invitations')
    .columns(['workspace_id', 'email'])
    .execute();

  await db.schema
    .createTable('auth_attempts')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('window_start', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('audit_log_next')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text')
    .addColumn('target_id', 'text')
    .addColumn('details_json', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  // Copy in the old order, so ids keep sorting as the entries were written.
  let after = -1;
  for (;;) {
    const rows = await sql<{
      id: number | string;
      workspace_id: string;
      actor_type: string;
      actor_id: string | null;
      action: string;
      target_type: string | null;
      target_id: string | null;
      details_json: string | null;
      created_at: string;
    }>`select * from audit_log where id > ${after} order by id limit 500`.execute(db);
    if (rows.rows.length === 0) break;
    for (const row of rows.rows) {
      await sql`insert into audit_log_next (id, workspace_id, actor_type, actor_id, action, target_type,
        target_id, details_json, created_at) values (${timeOrderedId()}, ${row.workspace_id},
        ${row.actor_type}, ${row.actor_id}, ${row.action}, ${row.target_type}, ${row.target_id},
        ${row.details_json}, ${row.created_at})`.execute(db);
    }
    after = Number(rows.rows[rows.rows.length - 1]!.id);
  }
  await db.schema.dropTable('audit_log').execute();
  await db.schema.alterTable('audit_log_next').renameTo('audit_log').execute();
  await db.schema
    .createIndex('audit_log_workspace_id')
    .on('audit_log')
    .columns(['workspace_id', 'id'])
    .execute();
}
