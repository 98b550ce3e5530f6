import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/**
 * The one Prometheus registry, served at `/metrics`. Any module adds its own instruments to it:
 *
 * @example
 * import { Counter } from 'prom-client';
 * import { metrics } from '../core/metrics.js';
 * export const syncRecords = new Counter({
 *   name: 'beton_sync_records_total', help: 'Records written by sync', labelNames: ['integration'],
 *   registers: [metrics],
 * });
 */
export const metrics = new Registry();
collectDefaultMetrics({ register: metrics, prefix: 'beton_' });

export const httpRequestDuration = new Histogram({
  name: 'beton_http_request_duration_seconds',
  help: 'HTTP request duration by method, route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metrics],
});

export const httpRequestsTotal = new Counter({
  name: 'beton_http_requests_total',
  help: 'HTTP requests by method, route and status',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [metrics],
});
