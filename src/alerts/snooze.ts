import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/index.js';
import { type Actor, auditActorOf } from '../auth/index.js';
import type { Clock } from '../core/clock.js';
import { badRequest, notFound } from '../core/errors.js';
import type { DB, Db } from '../db/index.js';
import { loadSignals } from '../signals/index.js';

/**
 * Snoozes: one account's alerts for one signal held until a date. Set from an alert card's button
 * (30 days), the API, the CLI, the web app or MCP (1–365 days), lifted early by hand, one per
 * account and signal (a new snooze replaces the old one).
 *
 * While it lasts, an opening of that signal on that account raises a `suppressed` (`snoozed`)
 * alert instead of a message, and alerts already waiting (queued for quiet hours or a retry, or
 * held back for the digest by a rule's cap) are held the moment it is set; a digest leaves the
 * pair out of its "new signals". Detection, scores, segments, pushes and outbound webhooks are not
 * changed: a snooze quiets people's notifications, not the facts.
 */

export const SNOOZE_DAYS = 30;
export const MAX_SNOOZE_DAYS = 365;
const DAY_MS = 86_400_000;
const NOTE_MAX = 500;

/** Who set a snooze: a member (web), an API key, the local CLI, or someone pressing an alert card's button. */
export type SnoozeActorType = 'user' | 'api_key' | 'cli' | 'chat';

export interface SignalSnooze {
  accountId: string;
  signal: string;
  /** Alerts come again after this moment. */
  until: string;
  snoozedAt: string;
  by: { type: SnoozeActorType; id: string | null; name: string | null };
  note: string | null;
}

/** What is written: the pair, how long, who, why. */
export interface SnoozeWrite {
  workspaceId: string;
  accountId: string;
  signal: string;
  until: Date;
  by: SignalSnooze['by'];
  note: string | null;
}

type SnoozeRow = DB['alert_snoozes'];
const toSnooze = (r: SnoozeRow): SignalSnooze => ({
  accountId: r.account_id,
  signal: r.signal_key,
  until: r.until,
  snoozedAt: r.created_at,
  by: { type: (r.actor_type ?? 'chat') as SnoozeActorType, id: r.actor_id, name: r.actor_name },
  note: r.note,
});
const pairKey = (accountId: string, signal: string) => `${accountId}\u0000${signal}`;

/**
 * Store a snooze (replacing the pair's earlier one) and hold the pair's alerts still waiting to go
 * out; run it inside the caller's transaction. Answers how many waiting alerts were held.
 *
 * @example await writeSnooze(trx, { workspaceId, accountId, signal: 'usage_drop', until, by, note: null }, now)
 */
export async function writeSnooze(db: Kysely<DB>, s: SnoozeWrite, now: Date): Promise<number> {
  const row: SnoozeRow = {
    workspace_id: s.workspaceId,
    account_id: s.accountId,
    signal_key: s.signal,
    until: s.until.toISOString(),
    actor_type: s.by.type,
    actor_id: s.by.id,
    actor_name: s.by.name,
    note: s.note,
    created_at: now.toISOString(),
  };
  const { workspace_id: _w, account_id: _a, signal_key: _s, ...replace } = row;
  await db
    .insertInto('alert_snoozes')
    .values(row)
    .onConflict((oc) => oc.columns(['workspace_id', 'account_id', 'signal_key']).doUpdateSet(replace))
    .execute();
  // Queued (quiet hours, a retry's backoff) or held for the digest: not sent now. One being
  // posted at this moment (`sending`) is already on its way.
  const held = await db
    .updateTable('alerts')
    .set({ status: 'suppressed', reason: 'snoozed', not_before: null, updated_at: now.toISOString() })
    .where('workspace_id', '=', s.workspaceId)
    .where('account_id', '=', s.accountId)
    .where('signal_key', '=', s.signal)
    .where((eb) =>
      eb.or([
        eb('status', '=', 'queued'),
        eb.and([eb('status', '=', 'digest'), eb('digest_run_id', 'is', null)]),
      ]),
    )
    .executeTakeFirst();
  return Number(held.numUpdatedRows);
}

/**
 * The snoozes in force at `now` for these accounts (every account when `accountIds` is omitted),
 * keyed by `snoozeKey(account, signal)`.
 *
 * @example (await activeSnoozes(db, ws, now, ['acc_1'])).get(snoozeKey('acc_1', 'usage_drop'))?.until
 */
export async function activeSnoozes(
  db: Kysely<DB>,
  workspaceId: string,
  now: Date,
  accountIds?: readonly string[],
): Promise<Map<string, SignalSnooze>> {
  const wanted = accountIds ? new Set(accountIds) : null;
  if (wanted?.size === 0) return new Map();
  let q = db
    .selectFrom('alert_snoozes')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('until', '>', now.toISOString());
  // A long list (a digest's week of openings) would overflow the bind limit: a workspace's snoozes are few.
  if (wanted && wanted.size <= 500) q = q.where('account_id', 'in', [...wanted]);
  const rows = await q.orderBy('account_id').orderBy('signal_key').execute();
  return new Map(
    rows
      .filter((r) => !wanted || wanted.has(r.account_id))
      .map((r) => [pairKey(r.account_id, r.signal_key), toSnooze(r)]),
  );
}

/** The key of `activeSnoozes`' map. */
export const snoozeKey = pairKey;

/**
 * Each item with the snooze in force on its account and signal (null when none).
 *
 * @example const signals = await withSnoozes(db, ws, now, detail.signals.map((s) => ({ ...s, accountId })));
 */
export async function withSnoozes<T extends { accountId: string; key: string }>(
  db: Kysely<DB>,
  workspaceId: string,
  now: Date,
  items: readonly T[],
): Promise<(T & { snooze: SignalSnooze | null })[]> {
  const active = await activeSnoozes(
    db,
    workspaceId,
    now,
    items.map((i) => i.accountId),
  );
  return items.map((i) => ({ ...i, snooze: active.get(pairKey(i.accountId, i.key)) ?? null }));
}

/**
 * An account's picture with its snoozes: each signal's (null when none) and all of them (signals
 * outside the timeline too), as `GET /api/v1/accounts/:id` and MCP's get_account serve it.
 *
 * @example const detail = await withAccountSnoozes(db, ws, now, await accountDetail(db, ws, id, opts));
 */
export async function withAccountSnoozes<D extends { account: { id: string }; signals: { key: string }[] }>(
  db: Kysely<DB>,
  workspaceId: string,
  now: Date,
  detail: D,
): Promise<
  Omit<D, 'signals'> & {
    signals: (D['signals'][number] & { snooze: SignalSnooze | null })[];
    snoozes: SignalSnooze[];
  }
> {
  const id = detail.account.id;
  const active = await activeSnoozes(db, workspaceId, now, [id]);
  return {
    ...detail,
    signals: detail.signals.map((s) => ({ ...s, snooze: active.get(pairKey(id, s.key)) ?? null })),
    snoozes: [...active.values()],
  };
}

/** What snoozing needs of the runtime. */
export interface SnoozeDeps {
  db: Db;
  clock: Clock;
}

/** 404 unless the caller's workspace has the account and knows the signal (the same words for another workspace's). */
async function requirePair(db: Kysely<DB>, workspaceId: string, accountId: string, signal: string) {
  const account = await db
    .selectFrom('accounts')
    .select(['id', 'name', 'domain'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', accountId)
    .executeTakeFirst();
  if (!account) throw notFound(`Account ${accountId}`);
  if (!(await loadSignals(db, workspaceId)).some((s) => s.key === signal))
    throw notFound(`Signal "${signal}" (GET /api/v1/signals lists every key)`);
  return account;
}

/** How to name the caller in the snooze (their name, the key's name, the CLI). */
async function snoozerOf(db: Kysely<DB>, actor: Actor): Promise<SignalSnooze['by']> {
  if (actor.apiKeyId) {
    const key = await db
      .selectFrom('api_keys')
      .select('name')
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', actor.apiKeyId)
      .executeTakeFirst();
    return { type: 'api_key', id: actor.apiKeyId, name: key ? `API key "${key.name}"` : 'an API key' };
  }
  if (actor.userId) {
    const user = await db
      .selectFrom('users')
      .select(['name', 'email'])
      .where('id', '=', actor.userId)
      .executeTakeFirst();
    return { type: 'user', id: actor.userId, name: user ? user.name || user.email : null };
  }
  return { type: 'cli', id: null, name: 'beton CLI' };
}

export interface SnoozeInput {
  accountId: string;
  signal: string;
  /** 1–365; default 30. */
  days?: number | undefined;
  note?: string | undefined;
}

/**
 * Snooze a signal's alerts for one account, as `actor` (who must be a member or more: the caller
 * checks the role), audited as `signal.snooze`.
 *
 * @example
 * const { snooze, alertsHeld } = await snoozeSignal(rt, actor, { accountId: 'acc_…', signal: 'usage_drop', days: 14 });
 */
export async function snoozeSignal(
  deps: SnoozeDeps,
  actor: Actor,
  input: SnoozeInput,
): Promise<{ snooze: SignalSnooze; alertsHeld: number }> {
  const days = input.days ?? SNOOZE_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > MAX_SNOOZE_DAYS)
    throw badRequest(`A snooze lasts 1 to ${MAX_SNOOZE_DAYS} whole days; ${days} is not one.`);
  const note = input.note?.trim() || null;
  if (note && note.length > NOTE_MAX) throw badRequest(`A snooze's note is at most ${NOTE_MAX} characters.`);
  const ws = actor.workspaceId;
  const account = await requirePair(deps.db.kysely, ws, input.accountId, input.signal);
  const now = deps.clock.now();
  const write: SnoozeWrite = {
    workspaceId: ws,
    accountId: account.id,
    signal: input.signal,
    until: new Date(now.getTime() + days * DAY_MS),
    by: await snoozerOf(deps.db.kysely, actor),
    note,
  };
  const alertsHeld = await deps.db.kysely.transaction().execute(async (trx) => {
    const held = await writeSnooze(trx, write, now);
    await recordAudit(
      trx,
      ws,
      auditActorOf(actor),
      'signal.snooze',
      {
        targetType: 'account',
        targetId: account.id,
        details: { signal: input.signal, days, until: write.until.toISOString(), note, alertsHeld: held },
      },
      deps.clock,
    );
    return held;
  });
  const snooze = (await activeSnoozes(deps.db.kysely, ws, now, [account.id])).get(
    pairKey(account.id, input.signal),
  );
  if (!snooze) throw new Error('the snooze just written is not there');
  return { snooze, alertsHeld };
}

/**
 * Lift a snooze before its end, audited as `signal.unsnooze`. Answers the snooze lifted, or null
 * when none was in force (nothing changes, nothing is audited). Alerts held while it lasted stay
 * held; the next opening alerts again.
 *
 * @example const { lifted } = await unsnoozeSignal(rt, actor, { accountId: 'acc_…', signal: 'usage_drop' });
 */
export async function unsnoozeSignal(
  deps: SnoozeDeps,
  actor: Actor,
  input: Pick<SnoozeInput, 'accountId' | 'signal'>,
): Promise<{ lifted: SignalSnooze | null }> {
  const ws = actor.workspaceId;
  const account = await requirePair(deps.db.kysely, ws, input.accountId, input.signal);
  const now = deps.clock.now();
  const current = (await activeSnoozes(deps.db.kysely, ws, now, [account.id])).get(
    pairKey(account.id, input.signal),
  );
  await deps.db.kysely.transaction().execute(async (trx) => {
    // An expired row goes too: it no longer holds anything.
    await trx
      .deleteFrom('alert_snoozes')
      .where('workspace_id', '=', ws)
      .where('account_id', '=', account.id)
      .where('signal_key', '=', input.signal)
      .execute();
    if (current)
      await recordAudit(
        trx,
        ws,
        auditActorOf(actor),
        'signal.unsnooze',
        {
          targetType: 'account',
          targetId: account.id,
          details: { signal: input.signal, until: current.until, snoozedBy: current.by.name },
        },
        deps.clock,
      );
  });
  return { lifted: current ?? null };
}
