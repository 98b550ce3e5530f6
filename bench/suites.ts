import { alertsBench } from './alerts/delivery.js';
import { enrichApollo } from './enrichment/apollo-enrich.js';
import { scaleOut } from './jobs/scale-out.js';
import { destinationPushSuites } from './push/destination-push.js';
import { scoringDetectScore } from './scoring/detect-score.js';
import { segmentsBench } from './segments/evaluate.js';
import { eventIngest } from './sources/event-ingest.js';
import { hubspotIncremental } from './sources/hubspot-incremental.js';
import { posthogUsage } from './sources/posthog-usage.js';
import { stripeBackfill } from './sources/stripe-backfill.js';
import { syncEngineOverhead } from './sync/engine-overhead.js';
import { syncMemory } from './sync/memory.js';
import { syncRateLimit } from './sync/rate-limit.js';
import type { BenchSuite } from './types.js';

/** Every benchmark suite `npm run bench` runs, in order: add one line per suite. */
export const suites: BenchSuite[] = [
  syncEngineOverhead,
  syncMemory,
  syncRateLimit,
  ...destinationPushSuites(),
  enrichApollo,
  stripeBackfill,
  posthogUsage,
  hubspotIncremental,
  eventIngest,
  scoringDetectScore,
  segmentsBench,
  alertsBench,
  scaleOut,
];
