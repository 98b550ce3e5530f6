import { z } from 'zod';
import {
  type AccountFacts,
  DAY_MS,
  dayString,
  type HealthPoint,
  type NpsAnswer,
  toMs,
} from '../../accounts/index.js';
import { defineDetector, ramp } from '../detector.js';

/** Detectors over what customers said (NPS survey answers) and how Beton's health score moved. */

/** Each respondent's latest answer inside the window (anonymous answers count one by one). */
function latestAnswers(facts: AccountFacts, windowDays: number): NpsAnswer[] {
  if (facts.nps.length === 0) return [];
  const since = toMs(facts.asOf) - windowDays * DAY_MS;
  const latest = new Map<string, NpsAnswer>();
  facts.nps.forEach((answer, i) => {
    if (toMs(answer.at) <= since) return;
    latest.set(answer.email ?? `anonymous:${i}`, answer);
  });
  return [...latest.values()].sort((a, b) => toMs(a.at) - toMs(b.at));
}

const isByDay = (points: readonly HealthPoint[]) =>
  points.every((h, i) => i === 0 || points[i - 1]!.day <= h.day);

const whoSaid = (a: NpsAnswer) => `${a.score}${a.email ? ` from ${a.email}` : ''} on ${a.at.slice(0, 10)}`;

export const highNps = defineDetector({
  key: 'high_nps',
  title: 'Promoter (high NPS)',
  description: "A respondent's latest NPS answer in the last `windowDays` days is at least `minScore`.",
  direction: 'expansion',
  inputs: ['nps'],
  params: z.object({
    windowDays: z.number().int().min(1).max(365).default(14),
    minScore: z.number().int().min(0).max(10).default(9),
  }),
  weight: 0.4,
  dedupeDays: 14,
  replayable: true,
  detect(facts, p) {
    const promoters = latestAnswers(facts, p.windowDays).filter((a) => a.score >= p.minScore);
    if (promoters.length === 0) return null;
    const last = promoters[promoters.length - 1]!;
    return {
      strength: ramp(promoters.length, 1, 3),
      occurredAt: last.at,
      evidence: {
        scores: promoters.map((a) => a.score),
        respondents: promoters.length,
        emails: promoters.map((a) => a.email).filter((e) => e !== null),
        threshold: p.minScore,
        windowDays: p.windowDays,
      },
      explanation: `NPS ${promoters.map(whoSaid).join('; ')} (promoter threshold ${p.minScore}, last ${p.windowDays} days).`,
    };
  },
});

export const lowNps = defineDetector({
  key: 'low_nps',
  title: 'Detractor (low NPS)',
  description: "A respondent's latest NPS answer in the last `windowDays` days is at most `maxScore`.",
  direction: 'churn',
  inputs: ['nps'],
  params: z.object({
    windowDays: z.number().int().min(1).max(365).default(90),
    maxScore: z.number().int().min(0).max(10).default(6),
  }),
  weight: 0.9,
  dedupeDays: 90,
  replayable: true,
  detect(facts, p) {
    const detractors = latestAnswers(facts, p.windowDays).filter((a) => a.score <= p.maxScore);
    if (detractors.length === 0) return null;
    const last = detractors[detractors.length - 1]!;
    const lowest = Math.min(...detractors.map((a) => a.score));
    return {
      strength: ramp(p.maxScore - lowest, 0, Math.max(1, p.maxScore)),
      occurredAt: last.at,
      evidence: {
        scores: detractors.map((a) => a.score),
        respondents: detractors.length,
        emails: detractors.map((a) => a.email).filter((e) => e !== null),
        threshold: p.maxScore,
        windowDays: p.windowDays,
      },
      explanation: `NPS ${detractors.map(whoSaid).join('; ')} (detractor threshold ${p.maxScore}, last ${p.windowDays} days).`,
    };
  },
});

export const healthScoreDecrease = defineDetector({
  key: 'health_score_decrease',
  title: 'Health score decrease',
  description:
    "The account's health fell by at least `minDrop` points from its highest value in the last `lookbackDays` days (from previous score runs). Reads past scores only, and never feeds the health score itself, so it cannot amplify its own effect.",
  direction: 'churn',
  inputs: ['health'],
  params: z.object({
    lookbackDays: z.number().int().min(2).max(180).default(14),
    minDrop: z.number().min(1).max(100).default(15),
  }),
  weight: 0.7,
  dedupeDays: 14,
  replayable: false,
  detect(facts, p) {
    // Health history is change points (oldest first): a value holds until the next point. A fall needs two.
    const history = facts.healthHistory;
    if (history.length < 2) return null;
    const points = isByDay(history) ? history : [...history].sort((a, b) => a.day - b.day);
    const latest = points[points.length - 1]!;
    const windowStart = facts.asOfDay - p.lookbackDays + 1;
    if (latest.day < windowStart) return null;
    // The highest value in force inside the window before the latest point: points inside it first,
    // then the value already in force when it opened (counted from the window's first day).
    let peak: HealthPoint | null = null;
    let inForceAtStart: HealthPoint | null = null;
    for (let i = 0; i < points.length - 1; i++) {
      const h = points[i]!;
      if (h.day < windowStart) inForceAtStart = h;
      else if (h.day < latest.day && (!peak || h.health > peak.health)) peak = h;
    }
    if (inForceAtStart && (!peak || inForceAtStart.health > peak.health))
      peak = { day: windowStart, health: inForceAtStart.health };
    if (!peak) return null;
    const drop = peak.health - latest.health;
    if (drop < p.minDrop) return null;
    return {
      strength: ramp(drop, p.minDrop, p.minDrop * 3),
      occurredAt: new Date((latest.day + 1) * DAY_MS).toISOString(),
      evidence: {
        from: peak.health,
        to: latest.health,
        drop,
        fromDay: dayString(peak.day),
        toDay: dayString(latest.day),
        threshold: p.minDrop,
      },
      explanation: `Health fell ${drop} points, from ${peak.health} on ${dayString(peak.day)} to ${latest.health} on ${dayString(latest.day)} (threshold ${p.minDrop}).`,
    };
  },
});
