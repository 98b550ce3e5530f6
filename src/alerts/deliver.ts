import { getMaxListeners, setMaxListeners } from 'node:events';
import type { Kysely } from 'kysely';
import type { ConnectionDeps } from '../connections/index.js';
import type { DB } from '../db/index.js';
import { MessagingError, type Messenger } from '../integrations/index.js';
import { alertCard, alertFacts, renderMessage } from './message.js';
import { openMessenger, parseTargetKey } from './messenger.js';
import { quietUntil } from './quiet-hours.js';
import { toAlertRule } from './rules.js';

/**
 * Sending the queued alerts of one target (a channel or a person). One sender per target at a time
 * (the job's exclusive key, across workers), paced at the service's rate per target. Each alert is
 * claimed (queued → sending, with a lease) before it is posted and marked sent right after, so two
 * workers never post it twice; a worker killed mid-send leaves a lapsed lease that the tick hands
 * back. The one window left is between the service accepting a post and the commit after it
 * (milliseconds): a crash exactly there sends that alert again — the service has no idempotency key.
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

export interface DeliverDeps extends ConnectionDeps {
  config: ConnectionDeps['config'] & { BETON_PUBLIC_URL?: string | undefined };
}

export interface DeliverResult {
  sent: number;
  failed: number;
  retried: number;
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
  const result: DeliverResult = { sent: 0, failed: 0, retried: 0 };
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
      .select(['id', 'rule_id', 'attempts'])
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
    const claimed = await claim(db, workspaceId, next.id, deps.clock.now());
    if (!claimed) continue;
    const attempt = next.attempts + 1;
    const facts = await alertFacts(db, workspaceId, next.id);
    if (!facts) {
      await finish(db, workspaceId, next.id, attempt, deps.clock.now(), {
        status: 'failed',
        code: 'account_gone',
        message: 'The account or its occurrence no longer exists.',
      });
      result.failed++;
      continue;
    }
    const message = renderMessage(open.messenger, alertCard(facts, deps.config.BETON_PUBLIC_URL));
    // Pace: the message is ready; wait for this target's next slot (an abort leaves the claim to lapse).
    await sleep((nextSlot.get(slotKey) ?? 0) - Date.now(), opts.signal);
    if (opts.signal?.aborted) break;
    try {
      const sent = await open.messenger.post(parseTargetKey(target), message);
      // Spaced from the answer, not the request: a request held up on its way cannot arrive early.
      nextSlot.set(slotKey, Date.now() + gapMs);
      await finish(db, workspaceId, next.id, attempt, deps.clock.now(), { status: 'sent', sent });
      result.sent++;
    } catch (error) {
      nextSlot.set(slotKey, Date.now() + gapMs);
      const known = error instanceof MessagingError ? error : null;
      const code = known?.code ?? 'send_error';
      const text = error instanceof Error ? error.message : String(error);
      if (known?.options.permanent || attempt >= MAX_ATTEMPTS) {
        await finish(db, workspaceId, next.id, attempt, deps.clock.now(), {
          status: 'failed',
          code,
          message: text,
        });
        result.failed++;
      } else {
        const waitMs = Math.max(known?.options.retryAfterMs ?? 0, backoffMs(attempt));
        const retryAt = new Date(deps.clock.now().getTime() + waitMs);
        await finish(db, workspaceId, next.id, attempt, deps.clock.now(), {
          status: 'retry',
          code,
          message: text,
          retryAt,
          ...(known?.options.retryAfterMs !== undefined ? { retryAfterMs: known.options.retryAfterMs } : {}),
        });
        // The service asked the whole target to wait: nothing goes there before then.
        if (known?.options.retryAfterMs !== undefined)
          nextSlot.set(
            slotKey,
            Math.max(nextSlot.get(slotKey) ?? 0, Date.now() + known.options.retryAfterMs),
          );
        result.retried++;
      }
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

async function claim(db: Kysely<DB>, workspaceId: string, id: string, now: Date): Promise<boolean> {
  const r = await db
    .updateTable('alerts')
    .set((eb) => ({
      status: 'sending',
      lease_until: new Date(now.getTime() + LEASE_MS).toISOString(),
      attempts: eb('attempts', '+', 1),
      updated_at: now.toISOString(),
    }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

type Outcome =
  | { status: 'sent'; sent: { channel: string; ts: string } }
  | { status: 'failed'; code: string; message: string }
  | { status: 'retry'; code: string; message: string; retryAt: Date; retryAfterMs?: number };

/**
 * Record an attempt and move the alert on. A post the service accepted is marked `sent` first, in
 * one statement of its own: every round trip between the answer and that commit is time in which a
 * dying worker leaves an alert it did send looking unsent. Its attempt row follows.
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
  const attemptRow = {
    workspace_id: workspaceId,
    alert_id: id,
    attempt,
    status: outcome.status,
    error_code: outcome.status === 'sent' ? null : outcome.code,
    error_message: outcome.status === 'sent' ? null : outcome.message.slice(0, 500),
    retry_after_ms: outcome.status === 'retry' ? (outcome.retryAfterMs ?? null) : null,
    at,
  };
  const alert = (trx: Kysely<DB>, update: Partial<DB['alerts']>) =>
    trx
      .updateTable('alerts')
      .set({ ...update, lease_until: null, updated_at: at })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .execute();
  if (outcome.status === 'sent') {
    await alert(db, {
      status: 'sent',
      reason: null,
      error_message: null,
      sent_json: JSON.stringify(outcome.sent),
      sent_at: at,
    });
    await db.insertInto('alert_attempts').values(attemptRow).execute();
    return;
  }
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('alert_attempts').values(attemptRow).execute();
    await alert(
      trx,
      outcome.status === 'failed'
        ? { status: 'failed', reason: outcome.code, error_message: outcome.message.slice(0, 500) }
        : {
            status: 'queued',
            reason: outcome.code,
            error_message: outcome.message.slice(0, 500),
            not_before: outcome.retryAt.toISOString(),
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
