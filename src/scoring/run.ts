import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import {
  type AccountHistory,
  chunks,
  DAY_MS,
  dayNumber,
  dayString,
  type IngestResult,
  ingestChanges,
  loadDailySeries,
  loadWindowedUsage,
  parseHistory,
  WindowedUsage,
} from '../accounts/index.js';
import { type Clock, systemClock } from '../core/index.js';
import {
  BackgroundWriter,
  type DB,
  fromJson,
  insertRows,
  insertStatement,
  selectRows,
  toJson,
  valuesOf,
} from '../db/index.js';
import {
  eventWrites,
  type NewOutboxEvent,
  occurrenceEventWrites,
  recordEvents,
  recordOccurrenceEvents,
} from '../outbox/index.js';
import {
  type ConfiguredSignal,
  closeOccurrences,
  type DetectedSignal,
  deleteReplayed,
  detectNow,
  insertOccurrences,
  latestOccurrences,
  loadOccurrenceHeads,
  loadSignals,
  type OccurrenceHead,
  occurrenceWrites,
  planOccurrences,
  refreshOccurrences,
  replayAccount,
  usageWindowsOf,
} from '../signals/index.js';
import {
  type AccountTally,
  applyTally,
  emptyTotals,
  gridDays,
  lastMatureGridDay,
  loadTallies,
  loadTotals,
  saveTallies,
  saveTotals,
  tallyAccount,
} from './backtest.js';
import { loadFirmographics } from './firmographics.js';
import type { Firmographics } from './fit.js';
import {
  type AccountScore,
  ENGAGEMENT_WINDOWS,
  engagementOf,
  type ScoredSignal,
  type ScoringSettings,
  scoreAccount,
} from './model.js';
import {
  beatScoreRun,
  finishScoreRun,
  getScoreRun,
  type ScoreProgress,
  type ScoreRun,
  type ScoreRunCounts,
  type ScoreStage,
  startScoreRun,
  updateScoreRun,
} from './runs.js';
import { getScoringSettings, loadState, saveState } from './state.js';

/**
 * A score run: ingest what synced since the last run → replay the past of accounts whose history
 * changed → detect signals now → score → snapshot → recompute the backtest.
 *
 * Full runs score every account (the first run of each UTC day, or when signal settings changed:
 * time alone moves decay and windows); incremental runs score only the accounts a sync touched.
 */

export interface RunScoreOptions {
  /** auto (default): full once a day, incremental otherwise. */
  mode?: 'auto' | 'full' | 'incremental';
  trigger?: string;
  actorId?: string | null;
  clock?: Clock;
  onProgress?: (progress: ScoreProgress) => void;
  /** Weeks of history the replay reconstructs before the first live run (default 26). */
  replayWeeks?: number;
  /**
   * Accounts detected and scored per chunk (default 2000). Each chunk's writes commit together;
   * with more than one chunk on a SQLite file they are written on a second thread.
   */
  chunkSize?: number;
}

/** Occurrences last seen longer ago than this no longer contribute to scores (decay makes them ~0). */
const SCORING_HORIZON_DAYS = 120;
const HEALTH_HISTORY_DAYS = 60;
const ACCOUNT_CHUNK = 2000;

interface AccountRow {
  id: string;
  domain: string;
  history: AccountHistory;
}

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const EMPTY_USAGE = (asOfDay: number, windows: number[]) => new WindowedUsage(asOfDay, windows, []);

/**
 * Parsed histories of this process, by workspace and account, with the hash of the text they were
 * parsed from (the hash is of the stored JSON, so a hit is the same history whatever the database).
 * A long-lived worker re-scores the same accounts every day: only changed histories are read and
 * parsed again. Bounded: past the limit, the oldest entries go. Cached objects are shared: read-only.
 */
const HISTORY_CACHE_LIMIT = 200_000;
const historyCache = new Map<string, { hash: string; history: AccountHistory }>();

/** Forget the parsed histories (the next run reads and parses every account's again, as a new process would). */
export function clearHistoryCache(): void {
  historyCache.clear();
}

function cacheHistory(key: string, hash: string, history: AccountHistory) {
  historyCache.delete(key);
  historyCache.set(key, { hash, history });
  if (historyCache.size > HISTORY_CACHE_LIMIT) {
    for (const oldest of historyCache.keys()) {
      historyCache.delete(oldest);
      if (historyCache.size <= HISTORY_CACHE_LIMIT * 0.9) break;
    }
  }
}

async function loadAccounts(
  db: Kysely<DB>,
  workspaceId: string,
  ids: readonly string[] | null,
): Promise<AccountRow[]> {
  const read = async (chunk: readonly string[] | null) => {
    // The narrow columns first (a covering index answers them); the history text only on a miss.
    let q = db
      .selectFrom('accounts')
      .select(['id', 'domain', 'history_hash'])
      .where('workspace_id', '=', workspaceId);
    if (chunk) q = q.where('id', 'in', chunk);
    const out: AccountRow[] = [];
    const missing = new Map<string, AccountRow>();
    for (const [id, domain, hash] of await selectRows(db, q.orderBy('id'))) {
      const cached = hash === null ? undefined : historyCache.get(`${workspaceId}:${id}`);
      const hit = cached !== undefined && cached.hash === hash;
      const row: AccountRow = {
        id: id as string,
        domain: domain as string,
        history: hit ? cached.history : parseHistory(null),
      };
      if (hash !== null && !hit) missing.set(row.id, row);
      out.push(row);
    }
    for (const part of chunks([...missing.keys()])) {
      const texts = await db
        .selectFrom('accounts')
        .select(['id', 'history_json', 'history_hash'])
        .where('workspace_id', '=', workspaceId)
        .where('id', 'in', part)
        .execute();
      for (const t of texts) {
        const row = missing.get(t.id);
        if (!row) continue;
        row.history = parseHistory(t.history_json);
        if (t.history_hash !== null) cacheHistory(`${workspaceId}:${t.id}`, t.history_hash, row.history);
      }
    }
    return out;
  };
  if (ids === null) return read(null);
  const out: AccountRow[] = [];
  for (const chunk of chunks(ids)) out.push(...(await read(chunk)));
  return out;
}

function signatureOf(signals: readonly ConfiguredSignal[], replayWeeks: number): string {
  return sha1(
    JSON.stringify({
      replayWeeks,
      signals: signals.map((s) => [
        s.key,
        s.enabled,
        s.params,
        s.dedupeDays,
        s.custom ? [s.detector.description, s.windows] : null,
      ]),
    }),
  );
}

/**
 * Run scoring for a workspace and return the finished run.
 *
 * @example
 * const run = await runScore(db, ws, { trigger: 'cli', onProgress: (p) => bar.update(p.done) });
 * run.counts.accountsScored;
 */
export async function runScore(
  db: Kysely<DB>,
  workspaceId: string,
  options: RunScoreOptions = {},
): Promise<ScoreRun> {
  const { finished } = await beginScoreRun(db, workspaceId, options);
  return finished;
}

/**
 * Claim the workspace's run slot now (409 while another run holds it) and carry on in the
 * background: what the API does, answering with the run before it finishes.
 *
 * @example
 * const { run, finished } = await beginScoreRun(db, ws, { trigger: 'api' });
 * finished.catch((e) => logger.error(e));
 */
export async function beginScoreRun(
  db: Kysely<DB>,
  workspaceId: string,
  options: RunScoreOptions = {},
): Promise<{ run: ScoreRun; finished: Promise<ScoreRun> }> {
  const run = await openScoreRun(db, workspaceId, options);
  return { run, finished: executeScoreRun(db, workspaceId, run, options) };
}

/**
 * Claim the workspace's run slot (409 while another run holds it) without executing the run: a
 * worker executes it with `executeOpenScoreRun` (the `score.run` job).
 *
 * @example
 * const run = await openScoreRun(db, ws, { trigger: 'api' });
 */
export async function openScoreRun(
  db: Kysely<DB>,
  workspaceId: string,
  options: RunScoreOptions = {},
): Promise<ScoreRun> {
  const clock = options.clock ?? systemClock;
  return startScoreRun(db, workspaceId, {
    mode: options.mode === 'incremental' ? 'incremental' : 'full',
    trigger: options.trigger ?? 'manual',
    actorId: options.actorId ?? null,
    now: clock.now().toISOString(),
  });
}

/**
 * Execute a run `openScoreRun` opened; a run that has already ended is answered as it is. Scoring
 * recomputes from stored records, so executing a run again after a crash is safe.
 *
 * @example
 * const done = await executeOpenScoreRun(db, ws, run.id, { mode: 'auto', clock });
 */
export async function executeOpenScoreRun(
  db: Kysely<DB>,
  workspaceId: string,
  runId: string,
  options: RunScoreOptions = {},
): Promise<ScoreRun> {
  const run = await getScoreRun(db, workspaceId, runId);
  if (run.status !== 'running') return run;
  return executeScoreRun(db, workspaceId, run, options);
}

async function executeScoreRun(
  db: Kysely<DB>,
  workspaceId: string,
  run: ScoreRun,
  options: RunScoreOptions,
): Promise<ScoreRun> {
  const clock = options.clock ?? systemClock;
  const now = clock.now();
  const nowIso = now.toISOString();
  const counts: ScoreRunCounts = {
    accountsScored: 0,
    accountsTouched: 0,
    accountsReplayed: 0,
    accountsRemoved: 0,
    signalsDetected: 0,
    occurrencesNew: 0,
    occurrencesRefreshed: 0,
    occurrencesClosed: 0,
    usageRows: 0,
    linksWritten: 0,
    timingsMs: {},
  };
  let persistedAt = 0;
  const progress = async (p: ScoreProgress, force = false) => {
    options.onProgress?.(p);
    if (force || Date.now() - persistedAt > 1000) {
      persistedAt = Date.now();
      await updateScoreRun(db, workspaceId, run.id, { progress: p, now: clock.now().toISOString() });
    }
  };
  const timed = async <T>(stage: ScoreStage, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      counts.timingsMs[stage] = Math.round(performance.now() - t0);
    }
  };

  // The lease is kept on a timer too: a stage may report no progress for minutes.
  const heartbeat = beatScoreRun(db, workspaceId, run.id, clock);
  try {
    const state = await loadState(db, workspaceId, nowIso);
    const liveSince = state.live_since ?? nowIso;
    // 1. Ingest what synced since the last run.
    await progress({ stage: 'ingest', done: 0, total: 0 }, true);
    const ingest = await timed('ingest', () =>
      ingestChanges(db, workspaceId, {
        watermark: state.records_watermark,
        now: nowIso,
        liveSinceDay: state.live_since ? dayNumber(state.live_since) - 1 : null,
        onStep: (step, detail) =>
          void progress({ stage: 'ingest', done: 0, total: 0, detail: `${step}: ${detail}` }),
      }),
    );
    counts.accountsTouched = ingest.touched.size;
    counts.accountsRemoved = ingest.removed.length;
    counts.usageRows = ingest.usageRows;
    counts.linksWritten = ingest.linksWritten;

    const settings = await getScoringSettings(db, workspaceId, nowIso);
    const signals = await loadSignals(db, workspaceId);
    const replayWeeks = options.replayWeeks ?? 26;
    const signature = signatureOf(signals, replayWeeks);
    const signatureChanged = signature !== state.replay_signature;
    const full =
      options.mode === 'full' ||
      signatureChanged ||
      (options.mode !== 'incremental' && state.last_full_run_at?.slice(0, 10) !== nowIso.slice(0, 10));
    if ((full ? 'full' : 'incremental') !== run.mode) {
      await updateScoreRun(db, workspaceId, run.id, { mode: full ? 'full' : 'incremental', now: nowIso });
    }

    // 2. Replay the past of accounts whose history changed (or every account when settings changed).
    const replayEndDay = dayNumber(liveSince) - 2;
    const replayFromDay = replayEndDay - replayWeeks * 7 + 1;
    const replayed = await timed('replay', () =>
      replayHistory(db, workspaceId, {
        all: signatureChanged,
        full,
        grid: gridDays(replayFromDay, replayEndDay),
        fromDay: replayFromDay,
        signals,
        runId: run.id,
        progress,
      }),
    );
    counts.accountsReplayed = replayed.length;

    // 3 + 4. Detect now and score.
    let targetIds: string[] | null = null;
    if (!full) {
      const rows = await db
        .selectFrom('accounts')
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .where('touched_at', 'is not', null)
        .execute();
      targetIds = rows.map((r) => r.id);
    }
    // No checkpoint in these commits: the database's checkpointer thread folds SQLite's
    // write-ahead log back on another core (src/db/checkpointer.ts).
    const scored = await timed('detect', () =>
      detectAndScore(db, workspaceId, {
        targetIds,
        signals,
        settings,
        now,
        runId: run.id,
        counts,
        progress,
        lastConfirmedAt: state.last_full_run_at,
        chunkSize: Math.max(1, Math.trunc(options.chunkSize ?? ACCOUNT_CHUNK)),
      }),
    );

    // 5. Backtest.
    await timed('backtest', async () =>
      recomputeBacktest(db, workspaceId, {
        full: signatureChanged,
        now,
        fromDay: dayNumber(liveSince) - 1 - replayWeeks * 7,
        stateKey: state.backtest_until,
        accounts: scored.all ? scored.accounts : null,
        loaded: scored.accounts,
        changedIds: await backtestChanges(db, workspaceId, ingest, replayed),
        signals,
        progress,
      }).then((key) => saveState(db, workspaceId, { backtest_until: key })),
    );

    await saveState(db, workspaceId, {
      records_watermark: ingest.watermark,
      live_since: liveSince,
      last_full_run_at: full ? nowIso : state.last_full_run_at,
      replay_signature: signature,
      updated_at: clock.now().toISOString(),
    });
    await progress({ stage: 'done', done: counts.accountsScored, total: counts.accountsScored }, true);
    return await finishScoreRun(db, workspaceId, run.id, {
      status: 'succeeded',
      counts,
      now: clock.now().toISOString(),
    });
  } catch (error) {
    await finishScoreRun(db, workspaceId, run.id, {
      status: 'failed',
      counts,
      error: error instanceof Error ? error.message : String(error),
      now: clock.now().toISOString(),
    });
    throw error;
  } finally {
    await heartbeat.stop();
  }
}

type Progress = (p: ScoreProgress, force?: boolean) => Promise<void>;

async function replayHistory(
  db: Kysely<DB>,
  workspaceId: string,
  input: {
    all: boolean;
    full: boolean;
    grid: number[];
    fromDay: number;
    signals: ConfiguredSignal[];
    runId: string;
    progress: Progress;
  },
): Promise<string[]> {
  let q = db.selectFrom('accounts').select('id').where('workspace_id', '=', workspaceId);
  // A literal 1, not a parameter: the partial index of accounts to replay applies only then.
  if (!input.all) q = q.where(sql<boolean>`replay_needed = 1`);
  // A history change marks the account touched too: a small run finds them through that index;
  // a full run takes every account marked for replay (from the partial index, reading no row).
  if (!input.all && !input.full) q = q.where('touched_at', 'is not', null);
  // Sorted here, not in SQL: an ORDER BY id would steer SQLite to the id-ordered index over the
  // touched one, reading every account's index entry to find a few.
  const ids = (await q.execute()).map((r) => r.id).sort();
  let done = 0;
  for (const chunk of chunks(ids, 200)) {
    const accounts = await loadAccounts(db, workspaceId, chunk);
    // Inactivity looks back further than a window: load a margin before the first grid day.
    const series = await loadDailySeries(db, workspaceId, chunk, input.fromDay - 120);
    const occurrences = accounts.flatMap((a) =>
      replayAccount(
        { accountId: a.id, domain: a.domain, history: a.history, series: series.get(a.id) ?? null },
        input.grid,
        input.signals,
      ),
    );
    await deleteReplayed(db, workspaceId, chunk);
    await insertOccurrences(db, workspaceId, occurrences, input.runId);
    await db
      .updateTable('accounts')
      .set({ replay_needed: 0 })
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', chunk)
      .execute();
    done += chunk.length;
    await input.progress({ stage: 'replay', done, total: ids.length });
  }
  return ids;
}

interface DetectInput {
  /** When open occurrences were last confirmed for every account (the previous full run). */
  lastConfirmedAt: string | null;
  targetIds: string[] | null;
  signals: ConfiguredSignal[];
  settings: ScoringSettings;
  now: Date;
  runId: string;
  counts: ScoreRunCounts;
  progress: Progress;
  chunkSize: number;
}

function scoredSignals(
  latest: ReadonlyMap<string, OccurrenceHead> | undefined,
  byKey: ReadonlyMap<string, ConfiguredSignal>,
): ScoredSignal[] {
  const out: ScoredSignal[] = [];
  for (const [key, head] of latest ?? []) {
    const cfg = byKey.get(key);
    if (!cfg?.enabled) continue;
    out.push({
      key,
      title: cfg.detector.title,
      direction: cfg.detector.direction,
      weight: cfg.weight,
      strength: head.strength,
      lastSeenAt: head.lastSeenAt,
      explanation: '',
      feedsHealth: !cfg.detector.inputs.includes('health'),
    });
  }
  return out;
}

/** What is stored of an explanation: the numbers (titles and texts are joined back when read). */
function storedExplanation(score: AccountScore) {
  const strip = (drivers: AccountScore['explanation']['expansion']['drivers']) =>
    drivers.map(({ key, direction, contribution, share, strength, ageDays }) => ({
      key,
      direction,
      contribution,
      share,
      strength,
      ageDays,
    }));
  const e = score.explanation;
  return {
    ...e,
    expansion: { score: e.expansion.score, drivers: strip(e.expansion.drivers) },
    churnRisk: { score: e.churnRisk.score, drivers: strip(e.churnRisk.drivers) },
  };
}

async function detectAndScore(
  db: Kysely<DB>,
  workspaceId: string,
  input: DetectInput,
): Promise<{ accounts: AccountRow[]; all: boolean }> {
  const { now, signals, settings, counts } = input;
  const nowIso = now.toISOString();
  const today = dayNumber(now);
  const asOfDay = today - 1;
  const windows = usageWindowsOf(signals, ENGAGEMENT_WINDOWS);
  const byKey = new Map(signals.map((s) => [s.key, s]));
  // Started first: for a whole workspace it reads on another core while the loads below run here.
  const usageLoad = loadWindowedUsage(db, workspaceId, input.targetIds, asOfDay, windows);
  usageLoad.catch(() => undefined); // awaited below; a failure before then must not go unhandled
  const accounts = await loadAccounts(db, workspaceId, input.targetIds);
  await input.progress({ stage: 'detect', done: 0, total: accounts.length }, true);
  if (accounts.length === 0) return { accounts, all: input.targetIds === null };

  const ids = input.targetIds === null ? null : accounts.map((a) => a.id);
  const horizon = new Date(now.getTime() - SCORING_HORIZON_DAYS * DAY_MS).toISOString();
  const latest = latestOccurrences(await loadOccurrenceHeads(db, workspaceId, ids, horizon));
  const previous = await loadPreviousScores(db, workspaceId, ids);
  const firms: Map<string, Firmographics> = settings.icp
    ? await loadFirmographics(db, workspaceId, ids === null ? null : accounts.map((a) => a.domain))
    : new Map();
  const usage = await usageLoad;

  // Several chunks: SQLite writes each chunk on a second thread while this one computes the next.
  const writer = accounts.length > input.chunkSize ? BackgroundWriter.open(db) : null;
  try {
    let done = 0;
    for (const chunk of chunks(accounts, input.chunkSize)) {
      // Per account of the chunk, by position: each map is read once per account.
      const detections = new Map<string, DetectedSignal[]>();
      const factsOf = new Array<ReturnType<typeof detectNow>['facts']>(chunk.length);
      const foundOf = new Array<DetectedSignal[]>(chunk.length);
      const priorOf = chunk.map((a) => previous.get(a.id));
      const headsOf = new Array<Map<string, OccurrenceHead>>(chunk.length);
      for (let i = 0; i < chunk.length; i++) {
        const account = chunk[i]!;
        const prior = priorOf[i];
        const { facts, detections: found } = detectNow(
          {
            accountId: account.id,
            domain: account.domain,
            history: account.history,
            usage: usage.get(account.id) ?? EMPTY_USAGE(asOfDay, windows),
            healthHistory: () => (prior ? healthPoints(prior) : []).map(([day, health]) => ({ day, health })),
          },
          signals,
          now,
        );
        factsOf[i] = facts;
        foundOf[i] = found;
        if (found.length > 0) detections.set(account.id, found);
        counts.signalsDetected += found.length;
      }
      const plan = planOccurrences(
        chunk.map((a) => a.id),
        detections,
        latest,
        signals,
        now,
        input.lastConfirmedAt,
      );
      counts.occurrencesNew += plan.inserts.length;
      counts.occurrencesRefreshed += plan.refreshes.length;
      counts.occurrencesClosed += plan.closes.length;
      // What scoring sees: this run's detections hold now; what stopped holding decays from its close.
      const closedAt = new Map(plan.closes.map((c) => [c.id, c.lastSeenAt]));
      for (let i = 0; i < chunk.length; i++) {
        const account = chunk[i]!;
        let heads = latest.get(account.id);
        if (!heads) {
          heads = new Map<string, OccurrenceHead>();
          latest.set(account.id, heads);
        }
        headsOf[i] = heads;
        if (closedAt.size > 0) {
          for (const [key, head] of heads) {
            const at = closedAt.get(head.id);
            if (at) heads.set(key, { ...head, open: false, lastSeenAt: at });
          }
        }
        for (const d of foundOf[i]!) {
          const head = heads.get(d.key);
          heads.set(d.key, {
            id: head?.id ?? -1,
            accountId: account.id,
            key: d.key,
            firstSeenAt: head?.firstSeenAt ?? nowIso,
            lastSeenAt: nowIso,
            open: true,
            strength: d.strength,
          });
        }
      }

      const scoreRows: DB['account_scores'][] = [];
      const snapshots: DB['score_snapshots'][] = [];
      const gradeEvents: NewOutboxEvent[] = [];
      for (let i = 0; i < chunk.length; i++) {
        const account = chunk[i]!;
        const facts = factsOf[i]!;
        const score = scoreAccount(
          {
            now,
            signals: scoredSignals(headsOf[i], byKey),
            engagement: engagementOf(facts.usage, facts.persons.length),
            firmographics: firms.get(account.domain) ?? null,
          },
          settings,
        );
        const prior = priorOf[i];
        // Health history changes only when health does: otherwise reuse the stored text unparsed.
        const healthJson =
          prior && prior.health === score.health
            ? prior.healthJson
            : toJson(healthChangePoints(prior ? healthPoints(prior) : [], today, score.health));
        const visible = [score.health, score.expansion, score.churnRisk, score.fit, score.score, score.grade];
        // What a person sees: scores, grade, top signals, drivers and their shares. Decimals of a
        // decaying contribution alone do not rewrite the row. Kept as the row's signature.
        const shown = visible.join('|');
        let hash = shown;
        for (const d of score.explanation.expansion.drivers) hash += `|${d.key}:${d.share}`;
        for (const d of score.explanation.churnRisk.drivers) hash += `|${d.key}:${d.share}`;
        for (const t of score.topSignals) hash += `|t:${t.key}`;
        hash += `|${healthJson}`;
        if (prior?.hash === hash) continue;
        const values = {
          health: score.health,
          expansion: score.expansion,
          churn_risk: score.churnRisk,
          fit: score.fit,
          score: score.score,
          grade: score.grade,
        };
        // The outbox hears of a grade that moved (an account's first score is not a change).
        const priorVisible = prior?.visible.split('|');
        if (priorVisible && priorVisible[5] !== String(score.grade)) {
          gradeEvents.push({
            workspaceId,
            type: 'account.grade_changed',
            subject: account.id,
            payload: {
              accountId: account.id,
              from: priorVisible[5],
              to: score.grade,
              score: score.score,
              previousScore: priorVisible[4] === 'null' ? null : Number(priorVisible[4]),
              runId: input.runId,
            },
          });
        }
        // Snapshots are change points: a day's row exists when any score or the grade changed.
        if (!prior || prior.visible !== shown) {
          snapshots.push({
            workspace_id: workspaceId,
            account_id: account.id,
            day: dayString(today),
            ...values,
          });
        }
        const explanation = toJson(storedExplanation(score));
        const top = toJson(
          score.topSignals.map(({ key, title, direction, share }) => ({ key, title, direction, share })),
        );
        const contributing = [...score.explanation.expansion.drivers, ...score.explanation.churnRisk.drivers]
          .map((d) => d.key)
          .sort();
        scoreRows.push({
          workspace_id: workspaceId,
          account_id: account.id,
          ...values,
          top_signals_json: top,
          explanation_json: explanation,
          signal_keys: `,${contributing.join(',')},`,
          health_history_json: healthJson,
          row_hash: hash,
          scored_at: nowIso,
          run_id: input.runId,
        });
      }
      // One transaction per chunk: the occurrences and the scores computed from them land together.
      const chunkIds = chunk.map((a) => a.id);
      // Opened, reopened and closed occurrences reach the outbox in the transaction that writes them.
      const occurrenceChanges = {
        workspaceId,
        runId: input.runId,
        at: nowIso,
        insertedFor: [...new Set(plan.inserts.map((o) => o.accountId))],
        reopenedIds: plan.refreshes.filter((r) => r.reopened).map((r) => r.id),
        closedIds: plan.closes.map((c) => c.id),
      };
      if (writer) {
        writer.write([
          ...occurrenceWrites(workspaceId, plan, input.runId),
          ...occurrenceEventWrites(occurrenceChanges),
          ...eventWrites(gradeEvents, now),
          {
            sql: insertStatement('account_scores', SCORE_ROW, SCORE_UPSERT),
            rows: valuesOf(scoreRows, SCORE_ROW),
          },
          {
            sql: insertStatement('score_snapshots', SNAPSHOT_ROW, SNAPSHOT_UPSERT),
            rows: valuesOf(snapshots, SNAPSHOT_ROW),
          },
          { sql: CLEAR_TOUCHED, rows: chunkIds.map((id) => [workspaceId, id]) },
        ]);
      } else {
        await db.transaction().execute(async (trx) => {
          await insertOccurrences(trx, workspaceId, plan.inserts, input.runId);
          await refreshOccurrences(trx, workspaceId, plan.refreshes);
          await closeOccurrences(trx, workspaceId, plan.closes);
          await recordOccurrenceEvents(trx, occurrenceChanges);
          await recordEvents(trx, gradeEvents, now);
          await insertRows(trx, 'account_scores', scoreRows, SCORE_UPSERT);
          await insertRows(trx, 'score_snapshots', snapshots, SNAPSHOT_UPSERT);
          // Only the rows still marked: rewriting an unmarked account row (history and all) costs pages.
          await trx
            .updateTable('accounts')
            .set({ touched_at: null })
            .where('workspace_id', '=', workspaceId)
            .where('id', 'in', chunkIds)
            .where('touched_at', 'is not', null)
            .execute();
        });
      }
      done += chunk.length;
      counts.accountsScored = done;
      await input.progress({ stage: 'score', done, total: accounts.length });
    }
    await writer?.flush();
  } finally {
    await writer?.close();
  }
  return { accounts, all: input.targetIds === null };
}

/**
 * Health history as change points: today's value is added only when it differs from the last one;
 * points older than the kept span go, except the one still in force at its start.
 */
function healthChangePoints(points: [number, number][], today: number, health: number): [number, number][] {
  const kept = points.filter(([day]) => day < today);
  const last = kept[kept.length - 1];
  if (!last || last[1] !== health) kept.push([today, health]);
  const start = today - HEALTH_HISTORY_DAYS;
  const firstInside = kept.findIndex(([day]) => day >= start);
  return firstInside > 0 ? kept.slice(firstInside - 1) : kept;
}

interface PreviousScore {
  hash: string;
  visible: string;
  health: number;
  healthJson: string;
  parsed?: [number, number][];
}

/** A previous score's health change points, parsed once. */
const healthPoints = (prior: PreviousScore): [number, number][] => {
  prior.parsed ??= fromJson<[number, number][]>(prior.healthJson, []);
  return prior.parsed;
};

async function loadPreviousScores(db: Kysely<DB>, workspaceId: string, ids: readonly string[] | null) {
  const out = new Map<string, PreviousScore>();
  const read = async (chunk: readonly string[] | null) => {
    let q = db
      .selectFrom('account_scores')
      .select(['account_id', 'row_hash', 'health_history_json', ...VISIBLE_COLUMNS])
      .where('workspace_id', '=', workspaceId);
    if (chunk) q = q.where('account_id', 'in', chunk);
    for (const [accountId, hash, healthJson, ...visible] of await selectRows(db, q)) {
      const health = visible[0];
      out.set(accountId as string, {
        hash: hash as string,
        visible: visible.map((v) => (v === null ? null : String(v))).join('|'),
        health: Number(health),
        healthJson: healthJson as string,
      });
    }
  };
  if (ids === null) await read(null);
  else for (const chunk of chunks(ids)) await read(chunk);
  return out;
}

/** The scores and grade a person sees: a snapshot's columns, and what a score row's signature starts with. */
const VISIBLE_COLUMNS = ['health', 'expansion', 'churn_risk', 'fit', 'score', 'grade'] as const;

const SCORE_UPSERT = {
  conflict: ['workspace_id', 'account_id'],
  update: [
    ...VISIBLE_COLUMNS,
    'top_signals_json',
    'explanation_json',
    'signal_keys',
    'health_history_json',
    'row_hash',
    'scored_at',
    'run_id',
  ],
} as const;
const SCORE_ROW = [...SCORE_UPSERT.conflict, ...SCORE_UPSERT.update];
const SNAPSHOT_UPSERT = {
  conflict: ['workspace_id', 'account_id', 'day'],
  update: VISIBLE_COLUMNS,
} as const;
const SNAPSHOT_ROW = [...SNAPSHOT_UPSERT.conflict, ...SNAPSHOT_UPSERT.update];
/** Only the rows still marked: rewriting an unmarked account row (history and all) costs pages. */
const CLEAR_TOUCHED =
  'update accounts set touched_at = null where workspace_id = ? and id = ? and touched_at is not null';

/**
 * The accounts whose backtest tally may have moved since the last run. A tally reads the history
 * (billing outcomes), the replayed occurrences on grid days 30+ days back and the first day of
 * activity. A history change or an old usage day replays the account; a usage day inside the live
 * period moves a tally only when it became the account's first day of activity.
 */
async function backtestChanges(
  db: Kysely<DB>,
  workspaceId: string,
  ingest: IngestResult,
  replayed: readonly string[],
): Promise<string[]> {
  const ids = new Set<string>([...ingest.replay, ...replayed]);
  const removed = new Set(ingest.removed);
  const recent = [...ingest.usageChanged].filter(([id]) => !ids.has(id) && !removed.has(id));
  if (recent.length > 0) {
    const first = await firstActivityDays(
      db,
      workspaceId,
      recent.map(([id]) => id),
    );
    for (const [id, earliestChange] of recent) {
      const firstDay = first.get(id);
      if (firstDay === undefined || firstDay >= earliestChange) ids.add(id);
    }
  }
  return [...ids];
}

interface BacktestInput {
  full: boolean;
  now: Date;
  fromDay: number;
  stateKey: string | null;
  /** Every account, when the run already loaded them (full runs). */
  accounts: AccountRow[] | null;
  /** The accounts the run loaded (any run): the changed ones are usually among them. */
  loaded: readonly AccountRow[];
  changedIds: string[];
  signals: ConfiguredSignal[];
  progress: Progress;
}

/** Returns the key of the grid it computed (stored so the next run knows whether it can add to it). */
async function recomputeBacktest(db: Kysely<DB>, workspaceId: string, input: BacktestInput): Promise<string> {
  const lastGrid = lastMatureGridDay(input.now);
  const grid = gridDays(input.fromDay, lastGrid);
  const key = `${dayString(input.fromDay)}..${dayString(lastGrid)}`;
  const keys = input.signals.filter((s) => s.enabled).map((s) => s.key);
  const full = input.full || input.stateKey !== key;
  const ids = full ? null : input.changedIds;
  if (ids !== null && ids.length === 0) return key;

  let accounts: AccountRow[];
  if (full) accounts = input.accounts ?? (await loadAccounts(db, workspaceId, null));
  else {
    const loaded = new Map(input.loaded.map((a) => [a.id, a]));
    accounts = ids!.map((id) => loaded.get(id)).filter((a) => a !== undefined);
    const missing = ids!.filter((id) => !loaded.has(id));
    if (missing.length > 0) accounts.push(...(await loadAccounts(db, workspaceId, missing)));
  }
  const heads = await loadOccurrenceHeads(db, workspaceId, ids, null);
  const byAccount = new Map<string, OccurrenceHead[]>();
  for (const h of heads) {
    const list = byAccount.get(h.accountId);
    if (list) list.push(h);
    else byAccount.set(h.accountId, [h]);
  }
  const firstActivity = await firstActivityDays(db, workspaceId, ids);
  const tallies = new Map<string, AccountTally>();
  let done = 0;
  for (const account of accounts) {
    tallies.set(
      account.id,
      tallyAccount(
        {
          history: account.history,
          firstActivityDay: firstActivity.get(account.id) ?? null,
          occurrences: byAccount.get(account.id) ?? [],
        },
        grid,
      ),
    );
    if (++done % 2000 === 0) await input.progress({ stage: 'backtest', done, total: accounts.length });
  }
  let totals = emptyTotals();
  if (full) {
    for (const t of tallies.values()) applyTally(totals, t, 1);
  } else {
    totals = await loadTotals(db, workspaceId);
    for (const old of (await loadTallies(db, workspaceId, ids!)).values()) applyTally(totals, old, -1);
    for (const t of tallies.values()) applyTally(totals, t, 1);
  }
  const nowIso = input.now.toISOString();
  await saveTotals(db, workspaceId, totals, keys, nowIso);
  await saveTallies(db, workspaceId, tallies, full);
  await input.progress({ stage: 'backtest', done: accounts.length, total: accounts.length }, true);
  return key;
}

async function firstActivityDays(
  db: Kysely<DB>,
  workspaceId: string,
  ids: readonly string[] | null,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const read = async (chunk: readonly string[] | null) => {
    let q = db
      .selectFrom('usage_totals')
      .select(['account_id', (eb) => eb.fn.min('first_day').as('first')])
      .where('workspace_id', '=', workspaceId);
    if (chunk) q = q.where('account_id', 'in', chunk);
    for (const r of await q.groupBy('account_id').execute()) out.set(r.account_id, Number(r.first));
  };
  if (ids === null) await read(null);
  else for (const chunk of chunks(ids)) await read(chunk);
  return out;
}
