import { randomUUID } from 'node:crypto';
import { getMaxListeners, setMaxListeners } from 'node:events';
import type { Kysely, Updateable } from 'kysely';
import type { ConnectionDeps } from '../connections/index.js';
import type { DB } from '../db/index.js';
import {
  type MessageTarget,
  MessagingError,
  type Messenger,
  type PostedMessage,
} from '../integrations/index.js';
import { alertCard, alertFacts, renderMessage } from './message.js';
import { openMessenger } from './messenger.js';
import { resolveTarget } from './owner-target.js';
import { quietUntil } from './quiet-hours.js';
import { toAlertRule } from './rules.js';
import { activeSnoozes, snoozeKey } from './snooze.js';

/**
 * Sending the queued alerts of one target (a channel or a person). One sender per target at a time
 * (the job's exclusive key, across workers), paced at the service's rate per target. Each alert is
 * claimed (queued → sending, with a lease) before it is posted and marked sent right after, so two
 * workers never post it twice; a worker killed mid-send leaves a lapsed lease that the tick hands
 * back.
 *
 * The claim also records the intent to send: a fresh try id, which the message carries (Slack: its
 * metadata), and when the first try whose outcome is unknown began. Chat services take no
 * idempotency key, so a worker that dies after the service accepted a post and before the commit
 * leaves an alert Beton cannot know was sent. The next sender sees the recorded intent and asks the
 * messaging service for a message carrying the alert's id since then (`findPosted`): found, the
 * alert is marked sent with that message, not posted again. A try whose answer never came (a
 * timeout, a 5xx) is treated the same way; a refusal (`ok:false`, a 429) clears the intent. A
 * messenger without `findPosted` posts again: at least once, not exactly once.
 *
 * A failure the service names as permanent (`not_in_channel`, `channel_not_found`…) fails the alert
 * with that code; others are retried with backoff (the service's Retry-After when it gives one) and
 * after MAX_ATTEMPTS stay visible as failed.
 */

export const MAX_ATTEMPTS = 5;
const LEASE_MS = 60_000;
/** The longest a sender waits in place for a retry or a Retry-After before leaving it to the tick. */
const MAX_INLINE_WAIT_MS = 30_000;
const backoffMs = (attempt: number) => Math.min(2_000 * 2 ** (attempt - 1), 10 * 60_000);
/** The kind an alert's message carries with its id (Slack: the metadata's `event_type`). */
export const ALERT_MESSAGE_KIND = 'beton_alert';
/** A lookup reads from this long before the try began: the service's clock may run behind Beton's. */
const CLOCK_SKEW_MS = 5 * 60_000;

export interface DeliverDeps extends ConnectionDeps {
  config: ConnectionDeps['config'] & { BETON_PUBLIC_URL?: string | undefined };
}

export interface DeliverResult {
  sent: number;
  failed: number;
  retried: number;
  /** Of `sent`: found already posted by an earlier try whose outcome was unknown, not posted again. */
  recovered: number;
}

/** When each target may next be posted to, in this process (the per-target pace). */
const nextSlot = new Map<string, number>();

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * Send every alert of this target that is due, in the order they were raised.
 *
 * @example await deliverTarget(rt, ws, 'channel:C123', { signal })
 */
export async function deliverTarget(
  deps: DeliverDeps,
  workspaceId: string,
  target: string,
  opts: { signal?: AbortSignal; messenger?: { messenger: Messenger; pacePerTargetPerSecond: number } } = {},
): Promise<DeliverResult> {
  const db = deps.db.kysely;
  const result: DeliverResult = { sent: 0, failed: 0, retried: 0, recovered: 0 };
  // One sender per target waits on the runner's shared signal: many targets, many listeners.
  if (opts.signal && getMaxListeners(opts.signal) < 256) setMaxListeners(256, opts.signal);
  const open = opts.messenger ?? (await openMessenger(deps, workspaceId));
  const gapMs = 1000 / Math.max(0.01, open.pacePerTargetPerSecond);
  const slotKey = `${workspaceId}\u0000${target}`;
  for (;;) {
    if (opts.signal?.aborted) break;
    const now = deps.clock.now();
    const next = await db
      .selectFrom('alerts')
      .select(['id', 'rule_id', 'attempts', 'send_intent_at', 'account_id', 'signal_key'])
      .where('workspace_id', '=', workspaceId)
      .where('target_json', '=', target)
      .where('status', '=', 'queued')
      .where((eb) => eb.or([eb('not_before', 'is', null), eb('not_before', '<=', now.toISOString())]))
      .orderBy('created_at')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    if (!next) {
      // Retries due soon are waited for here; later ones are the tick's.
      const soon = await nextDue(db, workspaceId, target);
      if (soon !== null && soon - deps.clock.now().getTime() <= MAX_INLINE_WAIT_MS) {
        await sleep(soon - deps.clock.now().getTime() + 5, opts.signal);
        continue;
      }
      break;
    }
    const rule = await db
      .selectFrom('alert_rules')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', next.rule_id)
      .executeTakeFirst();
    const quiet = rule ? quietUntil(now, toAlertRule(rule).quietHours) : null;
    if (quiet) {
      await db
        .updateTable('alerts')
        .set({ not_before: quiet.toISOString(), reason: 'quiet_hours', updated_at: now.toISOString() })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', next.id)
        .where('status', '=', 'queued')
        .execute();
      continue;
    }
    // A snooze written while this alert was being derived (it held only alerts committed before it).
    const snoozed = await activeSnoozes(db, workspaceId, now, [next.account_id]);
    if (snoozed.has(snoozeKey(next.account_id, next.signal_key))) {
      await db
        .updateTable('alerts')
        .set({ status: 'suppressed', reason: 'snoozed', not_before: null, updated_at: now.toISOString() })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', next.id)
        .where('status', '=', 'queued')
        .execute();
      continue;
    }
    const attemptId = randomUUID();
    const claimed = await claim(db, workspaceId, next.id, deps.clock.now(), attemptId);
    if (!claimed) continue;
    const attempt = next.attempts + 1;
    const done = (outcome: Outcome) => finish(db, workspaceId, next.id, attempt, deps.clock.now(), outcome);
    const facts = await alertFacts(db, workspaceId, next.id);
    if (!facts) {
      await done({
        status: 'failed',
        code: 'account_gone',
        message: 'The account or its occurrence no longer exists.',
      });
      result.failed++;
      continue;
    }
    // An owner's direct message first finds the owner on the service; no one found fails the alert.
    let to: MessageTarget;
    try {
      to = await resolveTarget(open.messenger, target);
    } catch (error) {
      const failure = toMessagingError(error);
      result[await failAttempt(done, attempt, deps.clock.now(), failure, next.send_intent_at !== null)]++;
      continue;
    }
    // An earlier try may have posted it: look before posting again.
    let unchecked: { code: string; message: string } | undefined;
    if (next.send_intent_at !== null) {
      const looked = await lookForEarlierPost(open.messenger, to, next.id, next.send_intent_at);
      if (looked.found) {
        await done({ status: 'recovered', sent: looked.found, attemptId: looked.found.attemptId });
        result.sent++;
        result.recovered++;
        continue;
      }
      if (looked.error && !looked.error.options.permanent) {
        result[await failAttempt(done, attempt, deps.clock.now(), looked.error, true)]++;
        continue;
      }
      unchecked = looked.error
        ? { code: looked.error.code, message: `Could not check for an earlier post: ${looked.error.message}` }
        : looked.unchecked;
    }
    const message = {
      ...renderMessage(open.messenger, alertCard(facts, deps.config.BETON_PUBLIC_URL)),
      ref: { kind: ALERT_MESSAGE_KIND, id: next.id, attemptId },
    };
    // Pace: the message is ready; wait for this target's next slot (an abort leaves the claim to lapse).
    await sleep((nextSlot.get(slotKey) ?? 0) - Date.now(), opts.signal);
    if (opts.signal?.aborted) break;
    try {
      const sent = await open.messenger.post(to, message);
      // Spaced from the answer, not the request: a request held up on its way cannot arrive early.
      nextSlot.set(slotKey, Date.now() + gapMs);
      await done({ status: 'sent', sent, ...(unchecked ? { note: unchecked } : {}) });
      result.sent++;
    } catch (error) {
      nextSlot.set(slotKey, Date.now() + gapMs);
      const known = toMessagingError(error);
      result[await failAttempt(done, attempt, deps.clock.now(), known, known.options.refused !== true)]++;
      // The service asked the whole target to wait: nothing goes there before then.
      if (known.options.retryAfterMs !== undefined)
        nextSlot.set(slotKey, Math.max(nextSlot.get(slotKey) ?? 0, Date.now() + known.options.retryAfterMs));
    }
  }
  return result;
}

async function nextDue(db: Kysely<DB>, workspaceId: string, target: string): Promise<number | null> {
  const row = await db
    .selectFrom('alerts')
    .select((eb) => eb.fn.min('not_before').as('at'))
    .where('workspace_id', '=', workspaceId)
    .where('target_json', '=', target)
    .where('status', '=', 'queued')
    .where('reason', '<>', 'quiet_hours')
    .executeTakeFirst();
  return row?.at ? Date.parse(String(row.at)) : null;
}

/** A failure as the messaging contract names it (anything else: an unnamed error, outcome unknown). */
function toMessagingError(error: unknown): MessagingError {
  if (error instanceof MessagingError) return error;
  return new MessagingError('send_error', error instanceof Error ? error.message : String(error), {
    permanent: false,
  });
}

type EarlierPost =
  | { found: PostedMessage; error?: undefined; unchecked?: undefined }
  | { found: null; error: MessagingError; unchecked?: undefined }
  | { found: null; error?: undefined; unchecked?: { code: string; message: string } };

/**
 * Whether a try since `intentAt` already posted the alert. A messenger that cannot look posts again
 * (at least once), and the attempt says so.
 */
async function lookForEarlierPost(
  messenger: Messenger,
  to: MessageTarget,
  alertId: string,
  intentAt: string,
): Promise<EarlierPost> {
  if (!messenger.findPosted) {
    return {
      found: null,
      unchecked: {
        code: 'unchecked',
        message:
          'An earlier try may have posted this alert; the messaging integration cannot look messages up, so it was posted again.',
      },
    };
  }
  try {
    const since = new Date(Date.parse(intentAt) - CLOCK_SKEW_MS);
    const found = await messenger.findPosted(to, { kind: ALERT_MESSAGE_KIND, id: alertId }, since);
    return found ? { found } : { found: null };
  } catch (error) {
    return { found: null, error: toMessagingError(error) };
  }
}

/**
 * A try that failed: failed for good when the service says retrying cannot help or the attempts are
 * spent, else queued again after a backoff (at least the service's Retry-After).
 */
async function failAttempt(
  done: (outcome: Outcome) => Promise<void>,
  attempt: number,
  now: Date,
  error: MessagingError,
  unknownOutcome: boolean,
): Promise<'failed' | 'retried'> {
  if (error.options.permanent || attempt >= MAX_ATTEMPTS) {
    await done({ status: 'failed', code: error.code, message: error.message, unknownOutcome });
    return 'failed';
  }
  const { retryAfterMs } = error.options;
  await done({
    status: 'retry',
    code: error.code,
    message: error.message,
    retryAt: new Date(now.getTime() + Math.max(retryAfterMs ?? 0, backoffMs(attempt))),
    unknownOutcome,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
  return 'retried';
}

/**
 * Take a queued alert for this sender and record the intent to send it: the try's id, and (unless
 * an earlier try's outcome is still unknown) when this try began.
 */
async function claim(
  db: Kysely<DB>,
  workspaceId: string,
  id: string,
  now: Date,
  attemptId: string,
): Promise<boolean> {
  const r = await db
    .updateTable('alerts')
    .set((eb) => ({
      status: 'sending',
      lease_until: new Date(now.getTime() + LEASE_MS).toISOString(),
      attempts: eb('attempts', '+', 1),
      send_attempt_id: attemptId,
      send_intent_at: eb.fn.coalesce('send_intent_at', eb.val(now.toISOString())),
      updated_at: now.toISOString(),
    }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

type Outcome =
  /** Posted; `note` when an earlier try could not be looked for first. */
  | { status: 'sent'; sent: { channel: string; ts: string }; note?: { code: string; message: string } }
  /** Found already posted by an earlier try (`attemptId`) whose answer was lost. */
  | { status: 'recovered'; sent: { channel: string; ts: string }; attemptId: string | null }
  /**
   * `unknownOutcome` (here and on a retry): the try may have posted it (no answer came), so the next
   * one, a manual retry included, looks first.
   */
  | { status: 'failed'; code: string; message: string; unknownOutcome?: boolean }
  | {
      status: 'retry';
      code: string;
      message: string;
      retryAt: Date;
      unknownOutcome: boolean;
      retryAfterMs?: number;
    };

const attemptNote = (outcome: Outcome): { code: string | null; message: string | null } => {
  switch (outcome.status) {
    case 'sent':
      return { code: outcome.note?.code ?? null, message: outcome.note?.message ?? null };
    case 'recovered':
      return {
        code: null,
        message: `Already posted by an earlier try${outcome.attemptId ? ` (${outcome.attemptId})` : ''} whose answer was lost; not posted again.`,
      };
    default:
      return { code: outcome.code, message: outcome.message };
  }
};

/**
 * Record an attempt and move the alert on. A post the service accepted is marked `sent` first, in
 * one statement of its own: every round trip between the answer and that commit is time in which a
 * dying worker leaves an alert it did send looking unsent (the next sender then has to look it up).
 * Its attempt row follows. A known outcome clears the intent; an unknown one keeps it.
 */
async function finish(
  db: Kysely<DB>,
  workspaceId: string,
  id: string,
  attempt: number,
  now: Date,
  outcome: Outcome,
) {
  const at = now.toISOString();
  const note = attemptNote(outcome);
  const attemptRow = {
    workspace_id: workspaceId,
    alert_id: id,
    attempt,
    status: outcome.status,
    error_code: note.code,
    error_message: note.message?.slice(0, 500) ?? null,
    retry_after_ms: outcome.status === 'retry' ? (outcome.retryAfterMs ?? null) : null,
    at,
  };
  const alert = (trx: Kysely<DB>, update: Updateable<DB['alerts']>) =>
    trx
      .updateTable('alerts')
      .set({ ...update, lease_until: null, updated_at: at })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .execute();
  if (outcome.status === 'sent' || outcome.status === 'recovered') {
    await alert(db, {
      status: 'sent',
      reason: null,
      error_message: null,
      sent_json: JSON.stringify({ channel: outcome.sent.channel, ts: outcome.sent.ts }),
      sent_at: at,
      send_intent_at: null,
    });
    await db.insertInto('alert_attempts').values(attemptRow).execute();
    return;
  }
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('alert_attempts').values(attemptRow).execute();
    await alert(
      trx,
      outcome.status === 'failed'
        ? {
            status: 'failed',
            reason: outcome.code,
            error_message: outcome.message.slice(0, 500),
            ...(outcome.unknownOutcome ? {} : { send_intent_at: null }),
          }
        : {
            status: 'queued',
            reason: outcome.code,
            error_message: outcome.message.slice(0, 500),
            not_before: outcome.retryAt.toISOString(),
            ...(outcome.unknownOutcome ? {} : { send_intent_at: null }),
          },
    );
  });
}

/**
 * Hand back alerts whose sender died mid-send (lease lapsed) and list the targets with alerts due.
 *
 * @example for (const [ws, targets] of await dueTargets(db, now)) …
 */
export async function dueTargets(db: Kysely<DB>, now: Date): Promise<Map<string, Set<string>>> {
  const at = now.toISOString();
  await db
    .updateTable('alerts')
    .set({ status: 'queued', lease_until: null, updated_at: at })
    .where('status', '=', 'sending')
    .where('lease_until', '<', at)
    .execute();
  const rows = await db
    .selectFrom('alerts')
    .select(['workspace_id', 'target_json'])
    .distinct()
    .where('status', '=', 'queued')
    .where((eb) => eb.or([eb('not_before', 'is', null), eb('not_before', '<=', at)]))
    .execute();
  const out = new Map<string, Set<string>>();
  for (const r of rows) {
    if (!r.target_json) continue;
    let set = out.get(r.workspace_id);
    if (!set) {
      set = new Set();
      out.set(r.workspace_id, set);
    }
    set.add(r.target_json);
  }
  return out;
}
