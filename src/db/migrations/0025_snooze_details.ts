import { type Kysely, sql } from 'kysely';

/**
 * Who snoozed, and why (src/alerts/snooze.ts): a snooze is now set from the API, the CLI, the web
 * app and MCP as well as from an alert card's button, and the account page shows it.
 *
 * - `actor_type`: user | api_key | cli | chat (a person pressing the button in the messaging app).
 * - `actor_name`: how to name them when it was set (a chat user's display name, a user's name, an
 *   API key's name).
 * - `note`: why, as the person wrote it (optional).
 *
 * Snoozes from before are all from alert cards: `chat`, named from the verdict that set them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('alert_snoozes').addColumn('actor_type', 'text').execute();
  await db.schema.alterTable('alert_snoozes').addColumn('actor_name', 'text').execute();
  await db.schema.alterTable('alert_snoozes').addColumn('note', 'text').execute();
  await sql`
    update alert_snoozes set actor_type = 'chat', actor_name = (
      select f.actor_name from alert_feedback f
      where f.workspace_id = alert_snoozes.workspace_id
        and f.account_id = alert_snoozes.account_id
        and f.signal_key = alert_snoozes.signal_key
        and f.actor_id = alert_snoozes.actor_id
        and f.verdict = 'snooze'
      order by f.created_at desc
      limit 1
    )`.execute(db);
}
