import { z } from 'zod';
import { ACTIVITY, DAY_MS, toMs, type UsageView } from '../accounts/index.js';
import type { SignalDirection } from '../signals/index.js';
import { computeFit, type Firmographics, type FitResult, icpSchema } from './fit.js';

/**
 * The scoring model (docs/scoring.md explains it with a worked example).
 *
 *   contribution(signal) = weight × strength × ½^(days since last seen / halfLifeDays)
 *   expansion  = 100 × (1 − e^(−Σ expansion & timing contributions / saturation))
 *   churnRisk  = 100 × (1 − e^(−Σ churn contributions / saturation))      — 0 with no churn signal
 *   health     = 0.6 × engagement + 0.4 × sentiment   (sentiment alone without product data)
 *   sentiment  = 50 + 50·sat(Σ expansion) − 50·sat(Σ churn, excluding signals that read past health)
 *   score      = 0.4 × health + 0.4 × expansion + 0.2 × fit   (fit's share spread over the others when unknown)
 *   grade      = M100 ≥ 80, M75 ≥ 60, M50 ≥ 40, M25 ≥ 20, else M10
 */

export const scoringSettingsSchema = z
  .object({
    halfLifeDays: z.number().min(1).max(365).default(14),
    saturation: z.number().min(0.1).max(20).default(1.5),
    targetEventsPerUser: z.number().min(1).max(100_000).default(100),
    icp: icpSchema.nullable().default(null),
  })
  .strict();
export type ScoringSettings = z.infer<typeof scoringSettingsSchema>;
export const DEFAULT_SCORING: ScoringSettings = scoringSettingsSchema.parse({});

export type Grade = 'M100' | 'M75' | 'M50' | 'M25' | 'M10';
export const GRADES: readonly Grade[] = ['M100', 'M75', 'M50', 'M25', 'M10'];

/** @example gradeOf(80) // 'M100' */
export const gradeOf = (score: number): Grade =>
  score >= 80 ? 'M100' : score >= 60 ? 'M75' : score >= 40 ? 'M50' : score >= 20 ? 'M25' : 'M10';

/** A signal occurrence as scoring sees it. */
export interface ScoredSignal {
  key: string;
  title: string;
  direction: SignalDirection;
  weight: number;
  strength: number;
  /** The last time the signal's condition held (decay starts here). */
  lastSeenAt: string;
  explanation: string;
  /** False for signals that read past scores (health_score_decrease): they must not feed health. */
  feedsHealth: boolean;
}

export interface Engagement {
  /** Weeks of the last four with any engagement. */
  activeWeeks: number;
  events28: number;
  users: number;
}

export interface Driver {
  key: string;
  title: string;
  direction: SignalDirection;
  contribution: number;
  /** Percent of its score's total contribution. */
  share: number;
  strength: number;
  ageDays: number;
  explanation: string;
}

export interface ScoreExplanation {
  expansion: { score: number; drivers: Driver[] };
  churnRisk: { score: number; drivers: Driver[] };
  health: {
    score: number;
    engagement: number | null;
    sentiment: number;
    engagementDetail: Engagement | null;
  };
  fit: FitResult;
  overall: { score: number; grade: Grade; weights: { health: number; expansion: number; fit: number } };
}

export interface AccountScore {
  health: number;
  expansion: number;
  churnRisk: number;
  fit: number | null;
  score: number;
  grade: Grade;
  topSignals: Pick<Driver, 'key' | 'title' | 'direction' | 'share' | 'explanation'>[];
  explanation: ScoreExplanation;
}

/** The usage windows engagement reads. */
export const ENGAGEMENT_WINDOWS = [7, 14, 21, 28] as const;

/**
 * Engagement inputs from usage; null when the account has no product data at all (a billing-only
 * account is not "disengaged", it is unmeasured).
 */
export function engagementOf(usage: UsageView, users: number): Engagement | null {
  if (usage.lastDay(ACTIVITY) === null) return null;
  let activeWeeks = 0;
  let previous = 0;
  for (const days of ENGAGEMENT_WINDOWS) {
    const total = usage.sum(ACTIVITY, days);
    if (total - previous > 0) activeWeeks++;
    previous = total;
  }
  return { activeWeeks, events28: previous, users: Math.max(1, users) };
}

const saturate = (total: number, k: number) => 1 - Math.exp(-total / k);
const round2 = (n: number) => Math.round(n * 100) / 100;

function drivers(signals: { s: ScoredSignal; contribution: number; ageDays: number }[]): Driver[] {
  const total = signals.reduce((sum, x) => sum + x.contribution, 0);
  return signals
    .map(({ s, contribution, ageDays }) => ({
      key: s.key,
      title: s.title,
      direction: s.direction,
      contribution: round2(contribution),
      share: total > 0 ? Math.round((contribution / total) * 100) : 0,
      strength: s.strength,
      ageDays: Math.round(ageDays),
      explanation: s.explanation,
    }))
    .sort((a, b) => b.contribution - a.contribution || a.key.localeCompare(b.key));
}

function summarize(label: string, score: number, list: readonly { title: string; share: number }[]): string {
  if (list.length === 0)
    return `${label} ${score}: no ${label === 'Churn risk' ? 'churn' : 'expansion'} signals.`;
  const top = list.slice(0, 2).map((d) => `${d.title.toLowerCase()} (${d.share} %)`);
  return `${label} ${score} from ${top.join(' and ')}.`;
}

/**
 * One paragraph a person can read: grade, what drives expansion and churn risk, health, fit.
 *
 * @example describeScore(score.explanation, (key) => titleOf(key))
 */
export function describeScore(e: ScoreExplanation, titleOf: (key: string) => string): string {
  const titled = (drivers: readonly { key: string; share: number }[]) =>
    drivers.map((d) => ({ title: titleOf(d.key), share: d.share }));
  const health = e.health;
  return [
    `Grade ${e.overall.grade} (score ${e.overall.score}).`,
    summarize('Expansion', e.expansion.score, titled(e.expansion.drivers)),
    summarize('Churn risk', e.churnRisk.score, titled(e.churnRisk.drivers)),
    `Health ${health.score}${health.engagement === null ? ' (no product usage synced)' : ` (engagement ${health.engagement}, sentiment ${health.sentiment})`}.`,
    e.fit.score === null ? `Fit unknown: ${e.fit.reason}` : `Fit ${e.fit.score}.`,
  ].join(' ');
}

export interface ScoreInput {
  now: Date;
  signals: readonly ScoredSignal[];
  engagement: Engagement | null;
  firmographics: Firmographics | null;
}

/**
 * Score one account.
 *
 * @example
 * scoreAccount({ now, signals: [], engagement: { activeWeeks: 4, events28: 900, users: 5 }, firmographics: null }).churnRisk // 0
 */
export function scoreAccount(input: ScoreInput, settings: ScoringSettings = DEFAULT_SCORING): AccountScore {
  const nowMs = input.now.getTime();
  const weighted = input.signals
    .map((s) => {
      const ageDays = Math.max(0, (nowMs - toMs(s.lastSeenAt)) / DAY_MS);
      return { s, ageDays, contribution: s.weight * s.strength * 0.5 ** (ageDays / settings.halfLifeDays) };
    })
    .filter((x) => x.contribution >= 0.005);
  const up = weighted.filter((x) => x.s.direction !== 'churn');
  const down = weighted.filter((x) => x.s.direction === 'churn');
  const sum = (list: typeof weighted) => list.reduce((total, x) => total + x.contribution, 0);
  const k = settings.saturation;

  const expansion = Math.round(100 * saturate(sum(up), k));
  const churnRisk = Math.round(100 * saturate(sum(down), k));
  const positive = sum(up.filter((x) => x.s.direction === 'expansion'));
  const negative = sum(down.filter((x) => x.s.feedsHealth));
  const sentiment = Math.round(50 + 50 * saturate(positive, k) - 50 * saturate(negative, k));
  let engagement: number | null = null;
  if (input.engagement) {
    const { activeWeeks, events28, users } = input.engagement;
    const volume = Math.min(1, Math.log1p(events28 / users) / Math.log1p(settings.targetEventsPerUser));
    engagement = Math.round(50 * (activeWeeks / 4) + 50 * volume);
  }
  const health = Math.round(engagement === null ? sentiment : 0.6 * engagement + 0.4 * sentiment);

  const fit = computeFit(settings.icp, input.firmographics);
  const weights =
    fit.score === null ? { health: 0.5, expansion: 0.5, fit: 0 } : { health: 0.4, expansion: 0.4, fit: 0.2 };
  const score = Math.round(
    weights.health * health + weights.expansion * expansion + weights.fit * (fit.score ?? 0),
  );
  const grade = gradeOf(score);

  const upDrivers = drivers(up);
  const downDrivers = drivers(down);
  const topSignals = [...upDrivers, ...downDrivers]
    .sort((a, b) => b.contribution - a.contribution || a.key.localeCompare(b.key))
    .slice(0, 3)
    .map(({ key, title, direction, share, explanation }) => ({ key, title, direction, share, explanation }));
  return {
    health,
    expansion,
    churnRisk,
    fit: fit.score,
    score,
    grade,
    topSignals,
    explanation: {
      expansion: { score: expansion, drivers: upDrivers },
      churnRisk: { score: churnRisk, drivers: downDrivers },
      health: { score: health, engagement, sentiment, engagementDetail: input.engagement },
      fit,
      overall: { score, grade, weights },
    },
  };
}
