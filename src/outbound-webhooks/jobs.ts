import type { JobRunner } from '../jobs/index.js';
import type { WebhookDeps } from './deps.js';
import { attemptDelivery, type DeliverPayload, sweepDueDeliveries, WEBHOOK_DELIVER_JOB } from './engine.js';
import { deliveriesFromOutbox } from './outbox.js';

/** Every minute: new outbox events become deliveries, and due deliveries are queued. */
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
    if (created + queued > 0) ctx.logger.debug({ created, queued }, 'webhook dispatch');
  });
}
