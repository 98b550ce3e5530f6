import type { Kysely } from 'kysely';
import type { AuditActor } from '../audit/index.js';
import type { Clock } from '../core/clock.js';
import { AppError, badRequest, conflict, notFound } from '../core/errors.js';
import {
  AuthError,
  HttpError,
  NetworkError,
  PermissionError,
  RateLimitedError,
  TimeoutError,
  UnsafeUrlError,
  UpstreamError,
} from '../core/http/index.js';
import type { Logger } from '../core/logger.js';
import type { DB } from '../db/schema/index.js';
import type { PushDestination, RecordWrite } from './destination.js';
import { assemblePlan, diffAccounts, planAttributes, planRecord } from './plan.js';
import {
  bumpCounts,
  clearIntents,
  finishRun,
  getRun,
  heartbeat,
  loadLastWrites,
  loadNotedSignals,
  loadOpenRejects,
  markRolledBack,
  openRun,
  type PushRun,
  recordInSync,
  recordIntent,
  recordIntents,
  recordNote,
  recordRejected,
  recordRestored,
  recordWritten,
  recordWrittenMany,
  resolveRejectsExcept,
  restoredByOtherRollbacks,
  runProgress,
  writtenItemsWithPrevious,
} from './repository.js';
import type {
  FieldChange,
  FieldMapping,
  LastWrite,
  PlanItem,
  PushAccount,
  PushPlan,
  PushSource,
  PushValue,
} from './types.js';

export interface PushDeps {
  db: Kysely<DB>;
  clock: Clock;
  logger: Logger;
}

export interface PlanOptions {
  mapping: readonly FieldMapping[];
  /** Plan notes for new high-priority signals (off by default). */
  notes?: boolean;
  /** Compare every record with the destination, ignoring the last-write hashes. */
  full?: boolean;
  signal?: AbortSignal;
}

export interface PushProgress {
  total: number;
  done: number;
  created: number;
  updated: number;
  rejected: number;
  writes: number;
}

export interface ApplyOptions {
  mapping: readonly FieldMapping[];
  /** The run this apply records into (opened with `openPushRun`). */
  runId: string;
  /** Writes in flight at once; the destination's write budget paces them. */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (p: PushProgress) => void;
  /**
   * When the signal aborts, leave the run open instead of closing it as canceled (a stopping
   * worker hands it back; the next one resumes it, counting on from what this one recorded).
   */
  leaveOpenOnAbort?: boolean;
}

export interface RunOptions {
  trigger: string;
  actor: AuditActor;
}

/**
 * Open a push run (409 `push_running` while another push to the same destination runs in this
 * workspace). The id can be answered at once while the run goes on in the background.
 */
export function openPushRun(
  deps: PushDeps,
  workspaceId: string,
  destination: string,
  opts: RunOptions,
): Promise<string> {
  return openRun(deps.db, workspaceId, {
    destination,
    kind: 'push',
    trigger: opts.trigger,
    actor: { type: opts.actor.actorType, id: opts.actor.actorId },
    now: deps.clock.now().toISOString(),
  });
}

/** After this many transient failures in a row the destination is taken to be down: the run stops. */
const MAX_CONSECUTIVE_TRANSIENT = 10;
const HEARTBEAT_MS = 1_000;

async function collect(source: PushSource, workspaceId: string): Promise<PushAccount[]> {
  const all: PushAccount[] = [];
  for await (const batch of source.accounts(workspaceId)) all.push(...batch);
  return all;
}

/**
 * The plan: what a push would write, record by record, without writing anything. Reads the last
 * successful write per record (to skip what did not change), then the destination's current values
 * for the records that did (to apply each field's policy and show before → after).
 *
 * @example
 * const plan = await buildPushPlan(deps, ws, destination, source, { mapping: resolveMapping() });
 * plan.summary; // { creates: 3, updates: 10, unchanged: 987, rejects: 0, … }
 */
export async function buildPushPlan(
  deps: PushDeps,
  workspaceId: string,
  destination: PushDestination,
  source: PushSource,
  opts: PlanOptions,
): Promise<PushPlan> {
  const accounts = await collect(source, workspaceId);
  const [lastWrites, openRejects, noted, existing] = await Promise.all([
    loadLastWrites(deps.db, workspaceId, destination.name),
    loadOpenRejects(deps.db, workspaceId, destination.name),
    opts.notes ? loadNotedSignals(deps.db, workspaceId, destination.name) : Promise.resolve(undefined),
    destination.listAttributes(opts.signal),
  ]);
  const attributes = planAttributes(opts.mapping, existing);
  const diff = diffAccounts({
    accounts,
    mapping: opts.mapping,
    lastWrites,
    openRejects,
    ...(noted ? { notedSignals: noted } : {}),
    ...(opts.full ? { full: true } : {}),
  });
  const current = await destination.readRecords(
    diff.changed.map((c) => c.key),
    opts.mapping,
    opts.signal,
  );
  const items: PlanItem[] = [
    ...diff.changed.map((c) => planRecord(c, current.get(c.key), opts.mapping)),
    ...diff.notesOnly.map((c) => ({
      ...planRecord(c, undefined, opts.mapping),
      action: 'unchanged' as const,
      changes: [],
      recordId: c.previous?.recordId ?? null,
    })),
    ...diff.unchanged,
    ...diff.rejects,
  ];
  return assemblePlan(destination.name, deps.clock.now().toISOString(), attributes, items, accounts.length);
}

/** Classify a failed write: the reject code, whether it may pass next time, whether to stop. */
function classify(error: unknown): { code: string; reason: string; transient: boolean; fatal: boolean } {
  const reason = error instanceof Error ? error.message : String(error);
  if (error instanceof AuthError || error instanceof PermissionError || error instanceof UnsafeUrlError) {
    return { code: error instanceof AppError ? error.code : 'fatal', reason, transient: false, fatal: true };
  }
  if (
    error instanceof RateLimitedError ||
    error instanceof UpstreamError ||
    error instanceof NetworkError ||
    error instanceof TimeoutError
  ) {
    return { code: error.code, reason, transient: true, fatal: false };
  }
  if (error instanceof HttpError) {
    return { code: error.code, reason: error.upstreamMessage ?? reason, transient: false, fatal: false };
  }
  return { code: 'error', reason, transient: false, fatal: true };
}

/** Merge the written values into the last write's values: the new "last successful write". */
function nextState(item: PlanItem, recordId: string, runId: string, now: string): LastWrite {
  const values: Record<string, PushValue> = { ...(item.previous?.values ?? {}) };
  for (const c of item.changes) values[c.attribute] = c.after;
  return {
    key: item.key,
    accountId: item.accountId,
    recordId,
    hash: item.hash,
    values,
    runId,
    writtenAt: now,
  };
}

/** Run `work` over `items` with `concurrency` workers; stops taking new items once `stop()` is true. */
async function pool<T>(
  items: T[],
  concurrency: number,
  stop: () => boolean,
  work: (item: T) => Promise<void>,
) {
  let next = 0;
  const worker = async () => {
    while (!stop() && next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}

/**
 * Apply a plan as a push run: ensure the attributes (409 = already there), write each create and
 * update under the destination's write budget, record every outcome (a refused record becomes a
 * reject, retried by the next run), add notes when planned, and keep run history. A rollback of the
 * run restores the values each record had before it.
 *
 * @example
 * const runId = await openPushRun(deps, ws, 'acme', { trigger: 'api', actor });
 * const run = await applyPushPlan(deps, ws, destination, plan, { mapping, runId });
 * run.status; // 'succeeded' | 'partial' | 'failed'
 */
export async function applyPushPlan(
  deps: PushDeps,
  workspaceId: string,
  destination: PushDestination,
  plan: PushPlan,
  opts: ApplyOptions,
): Promise<PushRun> {
  const now = () => deps.clock.now().toISOString();
  const runId = opts.runId;
  const toWrite = plan.items.filter((i) => i.action === 'create' || i.action === 'update');
  // A run resumed here (its process stopped, or handed it back) counts on from what it recorded:
  // the counters of written and rejected records move with their items, in one transaction.
  const before = (await getRun(deps.db, workspaceId, runId))?.counts;
  const resumed = before !== undefined && before.planned > 0;
  const prior = await runProgress(deps.db, workspaceId, runId);
  const counts = {
    planned: resumed ? before.planned : toWrite.length,
    created: before?.created ?? 0,
    updated: before?.updated ?? 0,
    unchanged: 0,
    rejected: before?.rejected ?? 0,
    skipped: 0,
    notes: before?.notes ?? 0,
    writes: before?.writes ?? 0,
    attributesCreated: before?.attributesCreated ?? 0,
  };
  counts.unchanged = plan.items.filter(
    (i) => i.action === 'unchanged' && !prior.written.has(i.key) && !prior.pending.has(i.key),
  ).length;
  let rejectedNow = 0;
  let fatal: string | undefined = attributeConflicts(plan);
  let transientStreak = 0;
  let lastBeat = Date.now();
  const progress = () => {
    opts.onProgress?.({
      total: counts.planned,
      done: counts.created + counts.updated + counts.rejected,
      created: counts.created,
      updated: counts.updated,
      rejected: counts.rejected,
      writes: counts.writes,
    });
  };
  const beat = async (force = false) => {
    progress();
    if (!force && Date.now() - lastBeat < HEARTBEAT_MS) return;
    lastBeat = Date.now();
    await heartbeat(
      deps.db,
      workspaceId,
      runId,
      { planned: counts.planned, unchanged: counts.unchanged },
      now(),
    );
  };
  const reject = async (item: PlanItem, code: string, reason: string) => {
    counts.rejected += 1;
    rejectedNow += 1;
    await recordRejected(deps.db, workspaceId, {
      destination: destination.name,
      runId,
      item,
      action: item.action === 'reject' ? 'reject' : item.action,
      code,
      reason,
      now: now(),
    });
  };
  const written = async (item: PlanItem, action: string, recordId: string) => {
    await recordWritten(deps.db, workspaceId, {
      destination: destination.name,
      runId,
      item,
      action,
      recordId,
      changes: item.changes,
      state: nextState(item, recordId, runId, now()),
      now: now(),
    });
    if (action === 'create') counts.created += 1;
    else counts.updated += 1;
    counts.writes += 1;
  };

  try {
    if (fatal) throw new Error(fatal);
    await beat(true);
    for (const m of plan.attributes.create) {
      const { created } = await destination.ensureAttribute(m, opts.signal);
      counts.writes += 1;
      if (created) counts.attributesCreated += 1;
      await bumpCounts(deps.db, workspaceId, runId, { writes: 1, attributes_created: created ? 1 : 0 });
    }
    await resolveRejectsExcept(
      deps.db,
      workspaceId,
      destination.name,
      new Set(plan.items.map((i) => i.key)),
      now(),
    );
    for (const item of plan.items) {
      const sent = prior.pending.get(item.key);
      if (item.action === 'reject') await reject(item, 'invalid', item.reason ?? 'cannot be pushed');
      else if (item.action === 'unchanged' && item.recordId && sent) {
        // A process that died with this write in flight: the record holds what it sent, so the
        // write landed. Record it as that run's write instead of sending it again.
        await written({ ...item, changes: sent.changes }, sent.action, item.recordId);
      } else if (item.action === 'unchanged' && item.recordId && item.previous?.hash !== item.hash) {
        // The destination already holds what Beton wants (or a person's value, kept): nothing to
        // write, but remember it so the next plan does not read the record again.
        await recordInSync(deps.db, workspaceId, {
          destination: destination.name,
          state: nextState(item, item.recordId, runId, now()),
          now: now(),
        });
      }
    }
    const recordIds = new Map<string, string>();
    const toRecordWrite = (item: PlanItem): RecordWrite => ({
      key: item.key,
      name: item.name,
      create: item.action === 'create',
      values: writeValues(item),
    });
    // The intent goes first: a process that dies before the answer leaves it for the next.
    const intend = async (item: PlanItem) => {
      if (prior.pending.has(item.key)) return;
      await recordIntent(deps.db, workspaceId, {
        runId,
        key: item.key,
        accountId: item.accountId,
        recordId: item.recordId,
        action: item.action,
        changes: item.changes,
        now: now(),
      });
    };
    const succeeded = async (item: PlanItem, recordId: string) => {
      transientStreak = 0;
      recordIds.set(item.key, recordId);
      await written(item, item.action, recordId);
    };
    /** `step`: how far this failure moves the run of failures (a batch call that failed counts once). */
    const failed = async (item: PlanItem, error: unknown, step = 1) => {
      const c = classify(error);
      if (c.fatal) {
        fatal ??= c.reason;
        return;
      }
      transientStreak = c.transient ? transientStreak + step : 0;
      await reject(item, c.code, c.reason);
      if (transientStreak >= MAX_CONSECUTIVE_TRANSIENT) {
        fatal ??= `${destination.name} failed ${transientStreak} writes in a row (last: ${c.reason}); stopped. The next run retries what is left.`;
      }
    };
    const stop = () => fatal !== undefined || opts.signal?.aborted === true;
    const batchSize = destination.writeRecords ? Math.max(1, destination.batchSize ?? 1) : 1;
    if (destination.writeRecords && batchSize > 1) {
      // A destination that writes many records per call: one call per batch, each item's outcome
      // recorded on its own (a 207-style partial failure rejects only the items it names).
      const batches: PlanItem[][] = [];
      for (let i = 0; i < toWrite.length; i += batchSize) batches.push(toWrite.slice(i, i + batchSize));
      const writeRecords = destination.writeRecords.bind(destination);
      await pool(
        batches,
        // Two calls in flight at least: one batch's bookkeeping overlaps the next one's request.
        Math.max(2, Math.floor((opts.concurrency ?? 16) / batchSize)),
        stop,
        async (batch) => {
          // One transaction for the batch's intents and one for its writes, not one per record.
          await recordIntents(
            deps.db,
            workspaceId,
            batch
              .filter((item) => !prior.pending.has(item.key))
              .map((item) => ({
                runId,
                key: item.key,
                accountId: item.accountId,
                recordId: item.recordId,
                action: item.action,
                changes: item.changes,
                now: now(),
              })),
          );
          let outcomes: Awaited<ReturnType<typeof writeRecords>>;
          try {
            outcomes = await writeRecords(batch.map(toRecordWrite), opts.mapping, opts.signal);
          } catch (error) {
            if (opts.signal?.aborted) return;
            // One failed call is one failure in a row, however many records it carried: each is
            // rejected (retried next run) and the run goes on unless calls keep failing.
            for (const [i, item] of batch.entries()) if (!stop()) await failed(item, error, i === 0 ? 1 : 0);
            await beat();
            return;
          }
          const ok: { item: PlanItem; recordId: string }[] = [];
          for (const [i, item] of batch.entries()) {
            const outcome = outcomes[i];
            if (outcome?.ok) ok.push({ item, recordId: outcome.recordId });
          }
          await recordWrittenMany(
            deps.db,
            workspaceId,
            ok.map(({ item, recordId }) => ({
              destination: destination.name,
              runId,
              item,
              action: item.action,
              recordId,
              changes: item.changes,
              state: nextState(item, recordId, runId, now()),
              now: now(),
            })),
          );
          for (const { item, recordId } of ok) {
            transientStreak = 0;
            recordIds.set(item.key, recordId);
            if (item.action === 'create') counts.created += 1;
            else counts.updated += 1;
            counts.writes += 1;
          }
          for (const [i, item] of batch.entries()) {
            const outcome = outcomes[i];
            if (outcome?.ok) continue;
            await failed(
              item,
              outcome ? outcome.error : new Error('the destination answered no outcome for it'),
            );
          }
          await beat();
        },
      );
    } else {
      await pool(toWrite, opts.concurrency ?? 16, stop, async (item) => {
        try {
          await intend(item);
          const { recordId } = await destination.writeRecord(toRecordWrite(item), opts.mapping, opts.signal);
          await succeeded(item, recordId);
        } catch (error) {
          if (!opts.signal?.aborted) await failed(item, error);
        }
        await beat();
      });
    }

    if (!fatal) {
      for (const item of plan.items) {
        const recordId = recordIds.get(item.key) ?? (item.action === 'unchanged' ? item.recordId : null);
        if (!recordId) continue;
        for (const s of item.notes) {
          if (opts.signal?.aborted) break;
          const { noteId } = await destination.createNote(recordId, s, opts.signal);
          await recordNote(deps.db, workspaceId, {
            destination: destination.name,
            signalId: s.id,
            key: item.key,
            noteId,
            runId,
            now: now(),
          });
          counts.notes += 1;
          counts.writes += 1;
        }
      }
    }
  } catch (error) {
    fatal ??= classify(error).reason;
  }

  await beat(true);
  const aborted = opts.signal?.aborted === true;
  if (aborted && !fatal && opts.leaveOpenOnAbort) return (await getRun(deps.db, workspaceId, runId))!;
  await clearIntents(deps.db, workspaceId, runId);
  const status = fatal || aborted ? 'failed' : rejectedNow > 0 ? 'partial' : 'succeeded';
  await finishRun(deps.db, workspaceId, runId, {
    status,
    error: fatal ?? (aborted ? 'Canceled before it finished; the next run picks up what is left.' : null),
    now: now(),
  });
  if (fatal) deps.logger.warn({ runId, destination: destination.name, error: fatal }, 'push run failed');
  return (await getRun(deps.db, workspaceId, runId))!;
}

/** Attributes that exist with a type Beton cannot write stop the run before anything is written. */
function attributeConflicts(plan: PushPlan): string | undefined {
  if (plan.attributes.conflicts.length === 0) return undefined;
  const list = plan.attributes.conflicts.map(
    (c) => `${c.attribute} is ${c.actual}, Beton writes ${c.expected}`,
  );
  return `${plan.destination} already has attributes Beton cannot write: ${list.join('; ')}. Rename or delete them there, or map the fields to other slugs.`;
}

/** The values of a plan item's changes: only what the policy allows is sent. */
function writeValues(item: PlanItem): Record<string, PushValue> {
  return Object.fromEntries(item.changes.map((c) => [c.attribute, c.after]));
}

/**
 * Start undoing a push run: checks it can be undone (a finished push, not rolled back yet, or
 * whose rollback failed), opens the rollback run and marks the target, so two rollbacks of one
 * run cannot both proceed.
 *
 * @example
 * const rollbackId = await openRollbackRun(deps, ws, 'acme', 'pr_…', { trigger: 'api', actor });
 * await applyRollback(deps, ws, destination, rollbackId);
 */
export async function openRollbackRun(
  deps: PushDeps,
  workspaceId: string,
  destination: string,
  runId: string,
  opts: RunOptions,
): Promise<string> {
  const target = await getRun(deps.db, workspaceId, runId);
  if (!target) throw notFound(`Push run ${runId}`);
  if (target.kind !== 'push')
    throw badRequest(`Run ${runId} is a rollback; push again instead of undoing it.`);
  if (target.status === 'running')
    throw conflict(`Run ${runId} is still running; roll it back when it ends.`);
  // A rollback that failed (the destination refused, or it was canceled) may be followed by
  // another: it restores what the failed one did not. One that ended or still runs may not.
  const earlier = target.rolledBackBy ? await getRun(deps.db, workspaceId, target.rolledBackBy) : undefined;
  if (target.rolledBackBy && earlier?.status !== 'failed') {
    throw conflict(
      earlier?.status === 'running'
        ? `Run ${runId} is being rolled back by ${target.rolledBackBy}; wait for it to finish.`
        : `Run ${runId} was already rolled back by ${target.rolledBackBy}.`,
      undefined,
      'already_rolled_back',
    );
  }
  if (target.destination !== destination) throw badRequest(`Run ${runId} pushed to ${target.destination}.`);
  const now = deps.clock.now().toISOString();
  const rollbackId = await openRun(deps.db, workspaceId, {
    destination,
    kind: 'rollback',
    trigger: opts.trigger,
    actor: { type: opts.actor.actorType, id: opts.actor.actorId },
    rollbackOf: runId,
    now,
  });
  if (!(await markRolledBack(deps.db, workspaceId, runId, rollbackId, target.rolledBackBy ?? undefined))) {
    await finishRun(deps.db, workspaceId, rollbackId, {
      status: 'failed',
      error: 'Another rollback got there first.',
      now,
    });
    throw conflict(`Run ${runId} was already rolled back.`, undefined, 'already_rolled_back');
  }
  return rollbackId;
}

/** A mapping that reads and writes exactly these attributes (rollback touches only what a run wrote). */
function mappingOf(attributes: Iterable<string>): FieldMapping[] {
  return [...new Set(attributes)].map((attribute) => ({
    field: attribute as FieldMapping['field'],
    attribute,
    title: attribute,
    description: '',
    type: 'text',
    policy: 'always',
  }));
}

const sameValue = (a: PushValue | undefined, b: PushValue | undefined) =>
  (a ?? null) === (b ?? null) || (a === '' && b === null) || (a === null && b === '');

/**
 * Undo a push run: each field it wrote goes back to the value it had before — unless the field
 * changed since (a person or a later run wrote it), which is left alone and reported. The
 * rollback is itself a run in the history, and the "last successful write" of each record returns
 * to what it was, so the next plan diffs against the restored state.
 *
 * Each record's outcome is recorded as it completes (with the run's counters), and the intent of
 * each write before it is sent: a rollback whose process died is resumed by the next process
 * (`executePushRun`), which skips the records already restored and checks those whose write was
 * in flight against the destination instead of writing them again. A record restored by an
 * earlier, failed rollback of the same run is skipped too.
 *
 * @example
 * const run = await applyRollback(deps, ws, destination, rollbackId);
 * run.counts.updated; // records restored
 */
export async function applyRollback(
  deps: PushDeps,
  workspaceId: string,
  destination: PushDestination,
  rollbackId: string,
  opts: {
    signal?: AbortSignal;
    onProgress?: (p: PushProgress) => void;
    /** When the signal aborts, leave the run open for the next process (see `ApplyOptions`). */
    leaveOpenOnAbort?: boolean;
  } = {},
): Promise<PushRun> {
  const rollback = await getRun(deps.db, workspaceId, rollbackId);
  if (!rollback?.rollbackOf) throw notFound(`Rollback run ${rollbackId}`);
  const runId = rollback.rollbackOf;
  const now = () => deps.clock.now().toISOString();
  const counts = { ...rollback.counts };
  let fatal: string | undefined;
  try {
    const [all, prior, earlier] = await Promise.all([
      writtenItemsWithPrevious(deps.db, workspaceId, runId),
      runProgress(deps.db, workspaceId, rollbackId),
      restoredByOtherRollbacks(deps.db, workspaceId, runId, rollbackId),
    ]);
    counts.planned = all.length;
    await heartbeat(deps.db, workspaceId, rollbackId, { planned: counts.planned }, now());
    const items = all.filter((i) => !prior.done.has(i.key) && !earlier.has(i.key));
    const mapping = mappingOf(items.flatMap((i) => i.changes.map((c) => c.attribute)));
    const current = await destination.readRecords(
      items.map((i) => i.key),
      mapping,
      opts.signal,
    );
    for (const item of items) {
      if (opts.signal?.aborted) break;
      const record = current.get(item.key);
      const inFlight = prior.pending.has(item.key);
      const restore: Record<string, PushValue> = {};
      const changes: FieldChange[] = [];
      const skipped: { attribute: string; reason: string }[] = [];
      for (const c of item.changes) {
        const present = record?.values[c.attribute]?.value ?? null;
        if (!record) skipped.push({ attribute: c.attribute, reason: 'the record no longer exists' });
        else if (sameValue(present, c.after)) {
          restore[c.attribute] = c.before;
          changes.push({ attribute: c.attribute, before: c.after, after: c.before });
        } else if (inFlight && sameValue(present, c.before)) {
          // The process that died had sent this restore, and it landed: record it, do not resend.
          changes.push({ attribute: c.attribute, before: c.after, after: c.before });
        } else {
          skipped.push({
            attribute: c.attribute,
            reason: `changed since the run (now ${JSON.stringify(present)})`,
          });
        }
      }
      try {
        if (Object.keys(restore).length > 0) {
          if (!inFlight) {
            await recordIntent(deps.db, workspaceId, {
              runId: rollbackId,
              key: item.key,
              accountId: item.accountId,
              recordId: item.recordId,
              action: 'restore',
              changes,
              now: now(),
            });
          }
          await destination.writeRecord(
            { key: item.key, name: '', create: false, values: restore },
            mapping,
            opts.signal,
          );
        }
        await recordRestored(deps.db, workspaceId, {
          destination: destination.name,
          runId: rollbackId,
          key: item.key,
          accountId: item.accountId,
          recordId: item.recordId,
          changes,
          skipped,
          previous: item.previous,
          rolledBackRunId: runId,
          now: now(),
        });
        if (changes.length > 0) {
          counts.updated += 1;
          counts.writes += 1;
        } else counts.skipped += 1;
      } catch (error) {
        if (opts.signal?.aborted) break;
        const c = classify(error);
        if (c.fatal) {
          fatal = c.reason;
          break;
        }
        counts.rejected += 1;
        await recordRejected(deps.db, workspaceId, {
          destination: destination.name,
          runId: rollbackId,
          item: { key: item.key, accountId: item.accountId, recordId: item.recordId, changes },
          action: 'restore',
          code: c.code,
          reason: c.reason,
          now: now(),
        });
      }
      opts.onProgress?.({
        total: counts.planned,
        done: counts.updated + counts.skipped + counts.rejected,
        created: 0,
        updated: counts.updated,
        rejected: counts.rejected,
        writes: counts.writes,
      });
    }
  } catch (error) {
    fatal = classify(error).reason;
  }
  const aborted = opts.signal?.aborted === true;
  if (aborted && !fatal && opts.leaveOpenOnAbort) return (await getRun(deps.db, workspaceId, rollbackId))!;
  await clearIntents(deps.db, workspaceId, rollbackId);
  const status = fatal || aborted ? 'failed' : counts.rejected > 0 ? 'partial' : 'succeeded';
  await finishRun(deps.db, workspaceId, rollbackId, {
    status,
    error:
      fatal ??
      (aborted
        ? 'Canceled before it finished: the records listed in its items were restored, the others were not. Roll the push back again to restore the rest.'
        : null),
    now: now(),
  });
  return (await getRun(deps.db, workspaceId, rollbackId))!;
}
