import { randomUUID } from 'node:crypto';
import { type Insertable, type Kysely, sql } from 'kysely';
import type { DB } from '../db/index.js';
import { drainOutbox, type OccurrenceEventPayload, type OutboxEvent } from '../outbox/index.js';
import { accountFilterConditions, GRADES } from '../scoring/index.js';
import { builtInDetector, loadSignals } from '../signals/index.js';
import { targetKey } from './messenger.js';
import { ownerTargetKey } from './owner-target.js';
import { quietUntil } from './quiet-hours.js';
import { type AlertRule, toAlertRule } from './rules.js';
import { activeSnoozes, snoozeKey } from './snooze.js';

/**
 * Alerts from the outbox: each `signal.opened` event is matched against the workspace's enabled
 * rules and becomes at most one alert per rule, keyed (rule, occurrence, opening). The alerts are
 * written in the transaction that moves the alerts consumer's cursor past the event, so a crash
 * re-reads the batch and the unique key keeps a second copy out: none lost, none doubled.
 *
 * An occurrence that stays open raises no new event, so it never alerts again; one that closes and
 * opens again is a new opening and alerts after the rule's cool-down. A snoozed account+signal is
 * recorded as suppressed; alerts past the rule's cap for one score run go into the next digest.
 */

export const ALERTS_CONSUMER = 'alerts';

export interface DeriveResult {
  /** Alerts written as queued (to be sent). */
  queued: number;
  /** Workspaces with new queued alerts, and their targets. */
  targets: Map<string, Set<string>>;
}

const gradeRank = (grade: string | null | undefined) => {
  const i = GRADES.indexOf((grade ?? '') as never);
  return i < 0 ? Number.POSITIVE_INFINITY : i;
};

/**
 * Read new outbox events and write the alerts they raise.
 *
 * @example const { queued } = await deriveAlerts(rt.db.kysely, rt.clock.now());
 */
export async function deriveAlerts(db: Kysely<DB>, now: Date): Promise<DeriveResult> {
  const result: DeriveResult = { queued: 0, targets: new Map() };
  await drainOutbox(
    db,
    ALERTS_CONSUMER,
    async (events, trx) => {
      const byWorkspace = new Map<string, OutboxEvent[]>();
      for (const e of events) {
        let list = byWorkspace.get(e.workspaceId);
        if (!list) {
          list = [];
          byWorkspace.set(e.workspaceId, list);
        }
        list.push(e);
      }
      for (const [workspaceId, list] of byWorkspace)
        await deriveForWorkspace(trx, workspaceId, list, now, result);
    },
    { types: ['signal.opened'] },
  );
  return result;
}

async function deriveForWorkspace(
  trx: Kysely<DB>,
  workspaceId: string,
  events: OutboxEvent[],
  now: Date,
  result: DeriveResult,
) {
  const rules = (
    await trx
      .selectFrom('alert_rules')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('enabled', '=', 1)
      .execute()
  ).map(toAlertRule);
  if (rules.length === 0) return;
  const opened = events.map((e) => ({ event: e, o: e.payload as unknown as OccurrenceEventPayload }));
  const accountIds = [...new Set(opened.map((x) => x.o.accountId))];

  const signals = new Map((await loadSignals(trx, workspaceId)).map((s) => [s.key, s]));
  const directionOf = (key: string) =>
    signals.get(key)?.detector.direction ?? builtInDetector(key)?.direction;
  const scores = new Map(
    (
      await trx
        .selectFrom('account_scores')
        .select(['account_id', 'grade', 'score'])
        .where('workspace_id', '=', workspaceId)
        .where('account_id', 'in', accountIds)
        .execute()
    ).map((r) => [r.account_id, { grade: r.grade, score: Number(r.score) }]),
  );
  const snoozed = await activeSnoozes(trx, workspaceId, now, accountIds);

  for (const rule of rules) {
    const matching = await accountsMatching(trx, workspaceId, rule, accountIds, now);
    const candidates = opened.filter(({ o }) => {
      const { keys, directions } = rule.signals;
      if (keys.length + directions.length > 0) {
        const dir = directionOf(o.signalKey);
        if (!keys.includes(o.signalKey) && !(dir && directions.includes(dir))) return false;
      }
      const s = scores.get(o.accountId);
      if (rule.minGrade && gradeRank(s?.grade) > gradeRank(rule.minGrade)) return false;
      if (rule.minScore !== undefined && (s?.score ?? -1) < rule.minScore) return false;
      return matching === null || matching.has(o.accountId);
    });
    if (candidates.length === 0) continue;

    // The cap counts what this rule already sent from the same run (events of one run share a time).
    const sentPerRun = new Map<string, number>();
    if (rule.capPerRun !== undefined) {
      const runTimes = [...new Set(candidates.map(({ event }) => event.createdAt))];
      for (const r of await trx
        .selectFrom('alerts')
        .select(['created_at', (eb) => eb.fn.countAll<number>().as('n')])
        .where('workspace_id', '=', workspaceId)
        .where('rule_id', '=', rule.id)
        .where('created_at', 'in', runTimes)
        .where('status', 'not in', ['suppressed', 'digest'])
        .groupBy('created_at')
        .execute())
        sentPerRun.set(r.created_at, Number(r.n));
    }
    const lastAlerted = await lastAlertOf(
      trx,
      workspaceId,
      rule.id,
      candidates.map(({ o }) => o.occurrenceId),
    );
    // A channel, or each account's owner by e-mail (an account nobody owns cannot be sent).
    const owners =
      rule.destination.kind === 'owner'
        ? await ownersOf(
            trx,
            workspaceId,
            candidates.map(({ o }) => o.accountId),
          )
        : null;
    const targetOf = (accountId: string): string | null => {
      if (rule.destination.kind === 'channel')
        return targetKey({ kind: 'channel', id: rule.destination.channelId });
      const email = owners?.get(accountId);
      return email ? ownerTargetKey(email) : null;
    };
    const waitUntil = quietUntil(now, rule.quietHours);

    const rows: Insertable<DB['alerts']>[] = [];
    for (const { event, o } of candidates) {
      let status = 'queued';
      let reason: string | null = null;
      let error: string | null = null;
      const target = targetOf(o.accountId);
      const last = lastAlerted.get(o.occurrenceId);
      if (snoozed.has(snoozeKey(o.accountId, o.signalKey))) {
        status = 'suppressed';
        reason = 'snoozed';
      } else if (last && Date.parse(last) > Date.parse(event.createdAt) - rule.cooldownHours * 3_600_000) {
        status = 'suppressed';
        reason = 'cooldown';
      } else if (rule.capPerRun !== undefined) {
        const n = sentPerRun.get(event.createdAt) ?? 0;
        if (n >= rule.capPerRun) {
          status = 'digest';
          reason = 'over_cap';
        } else sentPerRun.set(event.createdAt, n + 1);
      }
      if (status === 'queued' && target === null) {
        status = 'failed';
        reason = 'owner_unknown';
        error =
          'The account has no owner in a connected CRM, so there is nobody to message: assign one in the CRM (the next sync and score run bring it here) and retry, or send this rule to a channel.';
      }
      if (status === 'queued' && waitUntil) reason = 'quiet_hours';
      rows.push({
        id: `alt_${randomUUID().replaceAll('-', '')}`,
        workspace_id: workspaceId,
        rule_id: rule.id,
        occurrence_id: o.occurrenceId,
        opening_event_id: event.id,
        account_id: o.accountId,
        signal_key: o.signalKey,
        status,
        reason,
        error_message: error,
        target_json: target,
        sent_json: null,
        attempts: 0,
        not_before: status === 'queued' && waitUntil ? waitUntil.toISOString() : null,
        lease_until: null,
        digest_run_id: null,
        created_at: event.createdAt,
        updated_at: now.toISOString(),
        sent_at: null,
      });
    }
    // The unique key (rule, occurrence, opening) keeps a re-read batch from adding a second copy.
    await trx
      .insertInto('alerts')
      .values(rows)
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'rule_id', 'occurrence_id', 'opening_event_id']).doNothing(),
      )
      .execute();
    const queued = rows.filter((r) => r.status === 'queued');
    result.queued += queued.length;
    if (queued.length > 0) {
      let set = result.targets.get(workspaceId);
      if (!set) {
        set = new Set();
        result.targets.set(workspaceId, set);
      }
      for (const r of queued) if (r.target_json) set.add(r.target_json);
    }
  }
}

/** The accounts among `ids` that the rule's account filter and segment admit (null: no filter). */
async function accountsMatching(
  db: Kysely<DB>,
  workspaceId: string,
  rule: AlertRule,
  ids: string[],
  now: Date,
): Promise<Set<string> | null> {
  const filters = [];
  if (rule.filter && Object.keys(rule.filter).length > 0) filters.push(rule.filter);
  if (rule.segmentId) {
    const segment = await db
      .selectFrom('segments')
      .select('filter_json')
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', rule.segmentId)
      .executeTakeFirst();
    // A deleted segment admits nobody rather than everybody.
    if (!segment) return new Set();
    filters.push(JSON.parse(segment.filter_json));
  }
  if (filters.length === 0) return null;
  let q = db
    .selectFrom('accounts as a')
    .leftJoin('account_scores as s', (j) =>
      j.onRef('s.workspace_id', '=', 'a.workspace_id').onRef('s.account_id', '=', 'a.id'),
    )
    .select('a.id')
    .where('a.workspace_id', '=', workspaceId)
    .where('a.id', 'in', ids);
  for (const f of filters) for (const c of accountFilterConditions(workspaceId, f, now)) q = q.where(c);
  return new Set((await q.execute()).map((r) => r.id));
}

/** The owner's e-mail of each of these accounts that has one. */
async function ownersOf(db: Kysely<DB>, workspaceId: string, ids: string[]): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('accounts')
    .select(['id', 'owner_email'])
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', [...new Set(ids)])
    .where('owner_email', 'is not', null)
    .execute();
  return new Map(rows.map((r) => [r.id, r.owner_email!]));
}

/** The last time each occurrence alerted under a rule (for the cool-down of a reopening). */
async function lastAlertOf(db: Kysely<DB>, workspaceId: string, ruleId: string, occurrenceIds: number[]) {
  const rows = await db
    .selectFrom('alerts')
    .select(['occurrence_id', sql<string>`max(created_at)`.as('last')])
    .where('workspace_id', '=', workspaceId)
    .where('rule_id', '=', ruleId)
    .where('occurrence_id', 'in', occurrenceIds)
    .where('status', 'in', ['queued', 'sending', 'sent', 'failed'])
    .groupBy('occurrence_id')
    .execute();
  return new Map(rows.map((r) => [Number(r.occurrence_id), r.last]));
}
