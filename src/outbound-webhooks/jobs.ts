import type { JobRunner } from '../jobs/index.js';
import { OUTBOX_CHANNEL } from '../outbox/index.js';
import { pruneDeliveries } from './deliveries.js';
import type { WebhookDeps } from './deps.js';
import { attemptDelivery, type DeliverPayload, sweepDueDeliveries, WEBHOOK_DELIVER_JOB } from './engine.js';
import { deliveriesFromOutbox } from './outbox.js';

/**
 * New outbox events become deliveries, due deliveries are queued, old ones pruned: as soon as a
 * transaction that wrote events commits (`dispatchOnOutboxCommit`), and every minute as the safety
 * net (a signal missed, a retry come due, the embedded runner restarted).
 */
export const WEBHOOK_DISPATCH_JOB = 'webhooks.dispatch';

/**
 * Register the webhook jobs on the shared queue: `webhooks.deliver` makes one attempt (its claim
 * keeps two workers from sending one delivery), `webhooks.dispatch` feeds it. Schedule the dispatch
 * and start hearing commits where the worker starts:
 *
 * @example
 * registerOutboundWebhookJobs(rt.jobs, rt);
 * await rt.jobs.schedule(WEBHOOK_DISPATCH_JOB, { everyMinutes: 1 });
 * const stop = await dispatchOnOutboxCommit(rt);
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

/**
 * Queue a dispatch whenever a transaction that wrote outbox events commits, so an event reaches its
 * endpoints within seconds rather than at the next minute's sweep. On Postgres every process's
 * commits are heard (NOTIFY), on SQLite this process's. A burst of commits queues one dispatch, and
 * a commit while one runs queues the next (a debounce, not a singleton: the running one may already
 * have read the outbox). Returns the function that stops listening.
 *
 * @example
 * const stop = await dispatchOnOutboxCommit(rt); … await stop();
 */
export function dispatchOnOutboxCommit(deps: WebhookDeps): Promise<() => Promise<void>> {
  const dispatch = () => {
    deps.jobs
      .enqueue(WEBHOOK_DISPATCH_JOB, {}, { debounceKey: WEBHOOK_DISPATCH_JOB, retryLimit: 1 })
      .catch((err) => deps.logger.warn({ err }, 'could not queue a webhook dispatch; the minute sweep will'));
  };
  return deps.db.listen(OUTBOX_CHANNEL, dispatch, {
    onError: (err) => deps.logger.warn({ err }, 'outbox listener lost its connection; reconnecting'),
  });
}
