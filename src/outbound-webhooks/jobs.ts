import type { JobRunner } from '../jobs/index.js';
import { pruneDeliveries } from './deliveries.js';
import type { WebhookDeps } from './deps.js';
import { attemptDelivery, type DeliverPayload, sweepDueDeliveries, WEBHOOK_DELIVER_JOB } from './engine.js';
import { deliveriesFromOutbox } from './outbox.js';

/** Every minute: new outbox events become deliveries, due deliveries are queued, old ones pruned. */
export const WEBHOOK_DISPATCH_JOB = 'webhooks.dispatch';

/**
 * Register the webhook jobs on the shared queue: `webhooks.deliver` makes one attempt (its claim
 * keeps two workers from sending one delivery), `webhooks.dispatch` feeds it. Schedule the dispatch
 * where the worker starts:
 *
 * @example
 * registerOutboundWebhookJobs(rt.jobs, rt);
 * await rt.jobs.schedule(WEBHOOK_DISPATCH_JOB, { everyMinutes: 1 });
 */
export function registerOutboundWebhookJobs(runner: JobRunner, deps: WebhookDeps): void {
  runner.register<DeliverPayload>(
    WEBHOOK_DELIVER_JOB,
    async (payload) => {
      await attemptDelivery(deps, payload);
    },
    { concurrency: 4 },
  );
  runner.register(WEBHOOK_DISPATCH_JOB, async (_payload, ctx) => {
    const created = await deliveriesFromOutbox(deps);
    const queued = await sweepDueDeliveries(deps);
    const pruned = await pruneDeliveries(deps.db.kysely, deps.clock.now());
    if (created + queued + pruned > 0) ctx.logger.debug({ created, queued, pruned }, 'webhook dispatch');
  });
}
