import type { Detector } from './detector.js';
import {
  approachingSeatLimit,
  arrDecrease,
  futureCancellation,
  overage,
  trialEnding,
  upcomingRenewal,
} from './detectors/billing.js';
import { directorSignup, freeDecisionMaker, newDepartmentUser } from './detectors/people.js';
import { healthScoreDecrease, highNps, lowNps } from './detectors/sentiment.js';
import {
  inactivity,
  incompleteOnboarding,
  invitesSent,
  nearingPaywall,
  upgradePageVisit,
  usageDrop,
  usageSpike,
  usageWowDecline,
} from './detectors/usage.js';

/** The built-in detectors, in the order docs/signals.md lists them. */
export const BUILT_IN_DETECTORS: readonly Detector[] = Object.freeze([
  usageSpike,
  usageDrop,
  usageWowDecline,
  inactivity,
  nearingPaywall,
  approachingSeatLimit,
  overage,
  directorSignup,
  freeDecisionMaker,
  newDepartmentUser,
  invitesSent,
  upgradePageVisit,
  trialEnding,
  upcomingRenewal,
  futureCancellation,
  arrDecrease,
  healthScoreDecrease,
  incompleteOnboarding,
  highNps,
  lowNps,
] as Detector[]);

const byKey = new Map(BUILT_IN_DETECTORS.map((d) => [d.key, d]));

/** @example builtInDetector('usage_spike')?.defaults() // { events: null, ratio: 2, … } */
export const builtInDetector = (key: string): Detector | undefined => byKey.get(key);
