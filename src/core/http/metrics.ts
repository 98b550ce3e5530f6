import { Counter, Histogram, type Registry } from 'prom-client';
import { metrics } from '../metrics.js';

/** Outbound call metrics, labelled by integration (never by credential). */
function counter(registry: Registry, name: string, help: string, labelNames: string[]) {
  return (
    (registry.getSingleMetric(name) as Counter | undefined) ??
    new Counter({ name, help, labelNames, registers: [registry] })
  );
}

export const httpRequests = counter(
  metrics,
  'beton_integration_requests_total',
  'Requests sent to an integration, by outcome (2xx, 4xx, 5xx, network, timeout).',
  ['integration', 'outcome'],
);

export const httpRetries = counter(
  metrics,
  'beton_integration_retries_total',
  'Requests to an integration that were retried, by reason.',
  ['integration', 'reason'],
);

export const httpRateLimited = counter(
  metrics,
  'beton_integration_rate_limited_total',
  'Answers 429 (rate limited) received from an integration.',
  ['integration'],
);

export const httpLatency =
  (metrics.getSingleMetric('beton_integration_request_duration_seconds') as Histogram | undefined) ??
  new Histogram({
    name: 'beton_integration_request_duration_seconds',
    help: 'Time from sending a request to an integration to its answer.',
    labelNames: ['integration'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [metrics],
  });
