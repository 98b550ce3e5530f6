import type { Kysely } from 'kysely';

/**
 * The intent to send an alert, recorded before it is posted (src/alerts/deliver.ts).
 *
 * - `send_attempt_id`: the id of the latest try, attached to the message (Slack: its metadata), so
 *   the message a try posted can be told apart and found again.
 * - `send_intent_at`: when the earliest try whose outcome Beton does not know began (a worker died
 *   mid-post, an answer never came); null once the outcome is known. A sender that finds it set asks
 *   the messaging service whether the message is already there before posting it again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('alerts').addColumn('send_attempt_id', 'text').execute();
  await db.schema.alterTable('alerts').addColumn('send_intent_at', 'text').execute();
}
