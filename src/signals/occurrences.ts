import {
  type AccountHistory,
  DAY_MS,
  DailySeries,
  type FactsInput,
  factsAt,
  toMs,
  type UsageView,
} from '../accounts/index.js';
import { type ConfiguredSignal, type DetectedSignal, detectSignals } from './configure.js';
import type { NewOccurrence, OccurrenceHead, OccurrenceRefresh } from './store.js';

/**
 * Turning detections into stored occurrences: each occurrence is stored once; a re-detection
 * within the signal's dedupe window extends the occurrence it continues instead of adding one.
 */

const EMPTY_SERIES = DailySeries.from([]);
/** The earlier of two ISO timestamps (a detection never claims to have happened after it was seen). */
const earlier = (a: string, b: string) => (a < b ? a : b);

/**
 * Replay an account's past: run the replayable detectors as of each grid day (end of day) on the
 * facts as they stood then, and fold the detections into occurrences.
 *
 * @example replayAccount({ accountId, domain, history, series }, gridDays(from, to), signals)
 */
export function replayAccount(
  input: { accountId: string; domain: string; history: AccountHistory; series: DailySeries | null },
  grid: readonly number[],
  signals: readonly ConfiguredSignal[],
): NewOccurrence[] {
  const dedupe = new Map(signals.map((s) => [s.key, s.dedupeDays * DAY_MS]));
  const open = new Map<string, NewOccurrence>();
  const out: NewOccurrence[] = [];
  const series = input.series ?? EMPTY_SERIES;
  const last = grid[grid.length - 1];
  for (const day of grid) {
    const asOf = new Date((day + 1) * DAY_MS);
    const facts = factsAt(
      {
        accountId: input.accountId,
        domain: input.domain,
        history: input.history,
        usage: series.view(day, day),
      },
      asOf,
      false,
    );
    for (const d of detectSignals(facts, signals, { replayOnly: true })) {
      const iso = asOf.toISOString();
      const current = open.get(d.key);
      if (current && toMs(current.lastSeenAt) >= asOf.getTime() - (dedupe.get(d.key) ?? 0)) {
        current.lastSeenAt = iso;
        current.strength = d.strength;
        current.evidence = d.evidence;
        current.explanation = d.explanation;
        continue;
      }
      const next: NewOccurrence = {
        accountId: input.accountId,
        key: d.key,
        origin: 'replay',
        occurredAt: earlier(d.occurredAt, iso),
        firstSeenAt: iso,
        lastSeenAt: iso,
        open: false,
        strength: d.strength,
        evidence: d.evidence,
        explanation: d.explanation,
      };
      open.set(d.key, next);
      out.push(next);
    }
  }
  // Still holding at the last replayed moment: the first live run continues it.
  if (last !== undefined) {
    const end = new Date((last + 1) * DAY_MS).toISOString();
    for (const o of open.values()) if (o.lastSeenAt === end) o.open = true;
  }
  return out;
}

export interface OccurrencePlan {
  inserts: NewOccurrence[];
  refreshes: OccurrenceRefresh[];
  closes: { id: number; lastSeenAt: string }[];
}

/** An open occurrence is rewritten only when its strength moves at least this much. */
const STRENGTH_STEP = 0.1;

/**
 * Decide what this run's detections change. An open occurrence that still holds costs nothing; one
 * that stopped is closed, last seen at `lastConfirmedAt` (the previous evaluation); a detection
 * reopens a closed occurrence inside its dedupe window, else starts a new one.
 *
 * @example planOccurrences(['acc_1'], detections, latest, signals, now, state.last_full_run_at)
 */
export function planOccurrences(
  evaluated: Iterable<string>,
  detections: ReadonlyMap<string, readonly DetectedSignal[]>,
  latest: ReadonlyMap<string, ReadonlyMap<string, OccurrenceHead>>,
  signals: readonly ConfiguredSignal[],
  now: Date,
  lastConfirmedAt: string | null,
): OccurrencePlan {
  const dedupe = new Map(signals.map((s) => [s.key, s.dedupeDays * DAY_MS]));
  const nowMs = now.getTime();
  const iso = now.toISOString();
  const plan: OccurrencePlan = { inserts: [], refreshes: [], closes: [] };
  const none: readonly DetectedSignal[] = [];
  for (const accountId of evaluated) {
    const found = detections.get(accountId) ?? none;
    const heads = latest.get(accountId);
    for (const d of found) {
      const head = heads?.get(d.key);
      // Most detections continue an open occurrence at about the same strength: nothing to write.
      if (head?.open && Math.abs(head.strength - d.strength) < STRENGTH_STEP) continue;
      const refresh = {
        lastSeenAt: iso,
        strength: d.strength,
        evidence: d.evidence,
        explanation: d.explanation,
      };
      if (head && (head.open || toMs(head.lastSeenAt) >= nowMs - (dedupe.get(d.key) ?? 0))) {
        plan.refreshes.push({ id: head.id, reopened: !head.open, ...refresh });
      } else {
        plan.inserts.push({
          accountId,
          key: d.key,
          origin: 'live',
          occurredAt: earlier(d.occurredAt, iso),
          firstSeenAt: iso,
          open: true,
          ...refresh,
        });
      }
    }
    if (!heads) continue;
    for (const [key, head] of heads) {
      if (!head.open || found.some((d) => d.key === key)) continue;
      const confirmed =
        lastConfirmedAt && lastConfirmedAt > head.lastSeenAt && lastConfirmedAt < iso
          ? lastConfirmedAt
          : head.lastSeenAt;
      plan.closes.push({ id: head.id, lastSeenAt: confirmed });
    }
  }
  return plan;
}

/** The most recent occurrence of each (account, signal). */
export function latestOccurrences(
  heads: readonly OccurrenceHead[],
): Map<string, Map<string, OccurrenceHead>> {
  const out = new Map<string, Map<string, OccurrenceHead>>();
  for (const h of heads) {
    let byKey = out.get(h.accountId);
    if (!byKey) {
      byKey = new Map();
      out.set(h.accountId, byKey);
    }
    const current = byKey.get(h.key);
    if (
      !current ||
      h.lastSeenAt > current.lastSeenAt ||
      (h.lastSeenAt === current.lastSeenAt && h.id > current.id)
    )
      byKey.set(h.key, h);
  }
  return out;
}

/** Live detection for one account as of now. */
export function detectNow(
  input: {
    accountId: string;
    domain: string;
    history: AccountHistory;
    usage: UsageView;
    healthHistory: FactsInput['healthHistory'];
  },
  signals: readonly ConfiguredSignal[],
  now: Date,
) {
  const facts = factsAt(input, now, true);
  return { facts, detections: detectSignals(facts, signals) };
}
