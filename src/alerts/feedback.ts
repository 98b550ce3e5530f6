import { type Kysely, sql } from 'kysely';
import { AppError, notFound } from '../core/errors.js';
import type { DB } from '../db/index.js';
import type { FeedbackVerdict, Messenger, OutgoingMessage } from '../integrations/index.js';
import type { Runtime } from '../runtime/index.js';
import { alertCard, alertFacts, renderMessage } from './message.js';
import { openMessenger } from './messenger.js';
import { SNOOZE_DAYS, writeSnooze } from './snooze.js';

/**
 * People's verdicts on alerts (the card's buttons): kept per occurrence and person (a second press
 * replaces the first), a snooze silences the account+signal for 30 days (./snooze.ts), and the
 * answer is the card with its buttons replaced by the verdict, for the messaging service to update
 * in place.
 */

const VERDICTS: readonly FeedbackVerdict[] = ['useful', 'not_useful', 'snooze'];

export interface FeedbackInput {
  workspaceId: string;
  /** The alert id the card carried. */
  alertRef: string;
  verdict: FeedbackVerdict;
  actor: { id: string; name?: string };
}

/**
 * Record a verdict and answer the updated message (absent when the alert's account is gone).
 *
 * @example
 * const { message } = await recordFeedback(rt, { workspaceId, alertRef: 'alt_…', verdict: 'useful', actor: { id: 'U1', name: 'Ana' } });
 */
export async function recordFeedback(
  rt: Pick<Runtime, 'db' | 'clock' | 'config' | 'integrations' | 'keyring' | 'logger'> &
    Partial<Pick<Runtime, 'httpOptions'>>,
  input: FeedbackInput,
  opts: { messenger?: Pick<Messenger, 'renderCard'> | null } = {},
): Promise<{ message?: OutgoingMessage }> {
  if (!VERDICTS.includes(input.verdict))
    throw new AppError(
      400,
      'bad_request',
      `Unknown verdict "${input.verdict}"; one of: ${VERDICTS.join(', ')}.`,
    );
  const db = rt.db.kysely;
  const alert = await db
    .selectFrom('alerts')
    .select(['id', 'occurrence_id', 'account_id', 'signal_key'])
    .where('workspace_id', '=', input.workspaceId)
    .where('id', '=', input.alertRef)
    .executeTakeFirst();
  if (!alert) throw notFound(`Alert ${input.alertRef}`);
  const now = rt.clock.now();
  await storeVerdict(db, input, alert, now);
  const facts = await alertFacts(db, input.workspaceId, alert.id);
  if (!facts) return {};
  // The card is laid out by the workspace's messaging service when it can be opened; else as text.
  let messenger = opts.messenger;
  if (messenger === undefined) {
    try {
      messenger = (await openMessenger(rt, input.workspaceId)).messenger;
    } catch {
      messenger = null;
    }
  }
  const by = input.actor.name ?? input.actor.id;
  return {
    message: renderMessage(
      messenger,
      alertCard(facts, rt.config.BETON_PUBLIC_URL, { verdict: input.verdict, by }),
    ),
  };
}

async function storeVerdict(
  db: Kysely<DB>,
  input: FeedbackInput,
  alert: { id: string; occurrence_id: number; account_id: string; signal_key: string },
  now: Date,
) {
  const at = now.toISOString();
  await db.transaction().execute(async (trx) => {
    const row = {
      workspace_id: input.workspaceId,
      occurrence_id: Number(alert.occurrence_id),
      actor_id: input.actor.id,
      actor_name: input.actor.name ?? null,
      alert_id: alert.id,
      signal_key: alert.signal_key,
      account_id: alert.account_id,
      verdict: input.verdict,
      created_at: at,
    };
    await trx
      .insertInto('alert_feedback')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'occurrence_id', 'actor_id']).doUpdateSet({
          verdict: row.verdict,
          actor_name: row.actor_name,
          alert_id: row.alert_id,
          created_at: at,
        }),
      )
      .execute();
    if (input.verdict === 'snooze')
      await writeSnooze(
        trx,
        {
          workspaceId: input.workspaceId,
          accountId: alert.account_id,
          signal: alert.signal_key,
          until: new Date(now.getTime() + SNOOZE_DAYS * 86_400_000),
          by: { type: 'chat', id: input.actor.id, name: input.actor.name ?? null },
          note: null,
        },
        now,
      );
  });
}

/** Verdicts per signal: what the team judged useful, beside the backtest's precision. */
export interface SignalVerdicts {
  signal: string;
  useful: number;
  notUseful: number;
  snoozed: number;
  /** useful / (useful + not useful), null before anyone judged. */
  teamPrecision: number | null;
}

/** @example (await signalVerdicts(db, ws)).find((v) => v.signal === 'usage_spike')?.teamPrecision */
export async function signalVerdicts(db: Kysely<DB>, workspaceId: string): Promise<SignalVerdicts[]> {
  const rows = await db
    .selectFrom('alert_feedback')
    .select([
      'signal_key',
      sql<number>`sum(case when verdict = 'useful' then 1 else 0 end)`.as('useful'),
      sql<number>`sum(case when verdict = 'not_useful' then 1 else 0 end)`.as('not_useful'),
      sql<number>`sum(case when verdict = 'snooze' then 1 else 0 end)`.as('snoozed'),
    ])
    .where('workspace_id', '=', workspaceId)
    .groupBy('signal_key')
    .orderBy('signal_key')
    .execute();
  return rows.map((r) => {
    const useful = Number(r.useful);
    const notUseful = Number(r.not_useful);
    return {
      signal: r.signal_key,
      useful,
      notUseful,
      snoozed: Number(r.snoozed),
      teamPrecision: useful + notUseful === 0 ? null : useful / (useful + notUseful),
    };
  });
}
