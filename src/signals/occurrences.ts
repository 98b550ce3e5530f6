import { type AccountHistory, DAY_MS, DailySeries, factsAt, toMs, type UsageView } from '../accounts/index.js';
import { type ConfiguredSignal, type DetectedSignal, detectSignals } from './configure.js';
import type { NewOccurrence, OccurrenceExtension, OccurrenceHead } from './store.js';

/**
 * Turning detections into stored occurrences: each occurrence is stored once; a re-detection
 * within the signal's dedupe window extends the occurrence it continues instead of adding one.
 */

const EMPTY_SERIES = DailySeries.from([]);

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
  for (const day of grid) {
    const asOf = new Date((day + 1) * DAY_MS);
    const facts = factsAt({ accountId: input.accountId, domain: input.domain, history: input.history, usage: series.view(day, day) }, asOf, false);
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
        occurredAt: d.occurredAt < iso ? d.occurredAt : iso,
        firstSeenAt: iso,
        lastSeenAt: iso,
        strength: d.strength,
        evidence: d.evidence,
        explanation: d.explanation,
      };
      open.set(d.key, next);
      out.push(next);
    }
  }
  return out;
}

export interface OccurrencePlan {
  inserts: NewOccurrence[];
  extensions: OccurrenceExtension[];
}

/** Re-detections within this long of the last sighting, with the same strength, are not rewritten. */
const REWRITE_AFTER_MS = 12 * 3_600_000;

/**
 * Decide, for this run's detections, which occurrences to add and which to extend.
 * `latest` holds each (account, signal)'s most recent stored occurrence.
 *
 * @example planOccurrences(detections, latest, signals, now)
 */
export function planOccurrences(
  detections: ReadonlyMap<string, readonly DetectedSignal[]>,
  latest: ReadonlyMap<string, ReadonlyMap<string, OccurrenceHead>>,
  signals: readonly ConfiguredSignal[],
  now: Date,
): OccurrencePlan {
  const dedupe = new Map(signals.map((s) => [s.key, s.dedupeDays * DAY_MS]));
  const nowMs = now.getTime();
  const iso = now.toISOString();
  const plan: OccurrencePlan = { inserts: [], extensions: [] };
  for (const [accountId, found] of detections) {
    for (const d of found) {
      const head = latest.get(accountId)?.get(d.key);
      if (head && toMs(head.lastSeenAt) >= nowMs - (dedupe.get(d.key) ?? 0)) {
        if (nowMs - toMs(head.lastSeenAt) < REWRITE_AFTER_MS && head.strength === d.strength) continue;
        plan.extensions.push({ id: head.id, lastSeenAt: iso, strength: d.strength, evidence: d.evidence, explanation: d.explanation });
        continue;
      }
      plan.inserts.push({
        accountId,
        key: d.key,
        origin: 'live',
        occurredAt: d.occurredAt < iso ? d.occurredAt : iso,
        firstSeenAt: iso,
        lastSeenAt: iso,
        strength: d.strength,
        evidence: d.evidence,
        explanation: d.explanation,
      });
    }
  }
  return plan;
}

/** The most recent occurrence of each (account, signal). */
export function latestOccurrences(heads: readonly OccurrenceHead[]): Map<string, Map<string, OccurrenceHead>> {
  const out = new Map<string, Map<string, OccurrenceHead>>();
  for (const h of heads) {
    let byKey = out.get(h.accountId);
    if (!byKey) out.set(h.accountId, (byKey = new Map()));
    const current = byKey.get(h.key);
    if (!current || h.lastSeenAt > current.lastSeenAt || (h.lastSeenAt === current.lastSeenAt && h.id > current.id)) byKey.set(h.key, h);
  }
  return out;
}

/** Live detection for one account as of now. */
export function detectNow(
  input: { accountId: string; domain: string; history: AccountHistory; usage: UsageView; healthHistory: { day: number; health: number }[] },
  signals: readonly ConfiguredSignal[],
  now: Date,
) {
  const facts = factsAt(input, now, true);
  return { facts, detections: detectSignals(facts, signals) };
}
