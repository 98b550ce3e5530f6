import type { JobRunner } from '../jobs/runner.js';
import { type DeliverDeps, deliverTarget, dueTargets } from './deliver.js';
import { deriveAlerts } from './derive.js';
import { type DigestDeps, runDueDigests } from './send-digest.js';

/**
 * Alerts' jobs on the queue everything else uses (pg-boss on Postgres, in-process on SQLite):
 * - `alerts.derive`: read the outbox, write alerts, queue a sender per target that got some;
 * - `alerts.deliver`: one target's sender; its exclusive key lets one worker at a time send there;
 * - `alerts.tick` (every minute): derive, hand back lapsed leases, wake senders for due alerts
 *   (quiet hours over, retries due) and send due digests.
 */
export const ALERTS_DERIVE_JOB = 'alerts.derive';
export const ALERTS_DELIVER_JOB = 'alerts.deliver';
export const ALERTS_TICK_JOB = 'alerts.tick';

export interface DeliverPayload {
  workspaceId: string;
  target: string;
}

const targetJobKey = (workspaceId: string, target: string) => `alerts:${workspaceId}:${target}`;

/** Queue a sender for each target (a no-op for one already waiting in the queue). */
export async function enqueueDeliveries(
  runner: JobRunner,
  targets: Map<string, Set<string>>,
): Promise<number> {
  let n = 0;
  for (const [workspaceId, set] of targets) {
    for (const target of set) {
      await runner.enqueue<DeliverPayload>(
        ALERTS_DELIVER_JOB,
        { workspaceId, target },
        { exclusiveKey: targetJobKey(workspaceId, target), retryLimit: 3, retryDelayMs: 2_000 },
      );
      n++;
    }
  }
  return n;
}

/** Derive alerts from the outbox and queue their senders. */
export async function deriveAndQueue(runner: JobRunner, deps: DeliverDeps): Promise<number> {
  const { queued, targets } = await deriveAlerts(deps.db.kysely, deps.clock.now());
  await enqueueDeliveries(runner, targets);
  return queued;
}

/**
 * Register the alerts' jobs.
 *
 * @example registerAlertJobs(rt.jobs, rt); await rt.jobs.schedule(ALERTS_TICK_JOB, { everyMinutes: 1 });
 */
export function registerAlertJobs(runner: JobRunner, deps: DigestDeps): void {
  runner.register(ALERTS_DERIVE_JOB, async () => {
    await deriveAndQueue(runner, deps);
  });
  runner.register<DeliverPayload>(
    ALERTS_DELIVER_JOB,
    async (p, ctx) => {
      const r = await deliverTarget(deps, p.workspaceId, p.target, { signal: ctx.signal });
      if (r.sent + r.failed + r.retried > 0) ctx.logger.info({ target: p.target, ...r }, 'alerts delivered');
    },
    // Senders mostly wait for their target's pace: many run at once, one per target.
    { concurrency: 32 },
  );
  runner.register(ALERTS_TICK_JOB, async () => {
    await deriveAndQueue(runner, deps);
    await enqueueDeliveries(runner, await dueTargets(deps.db.kysely, deps.clock.now()));
    await runDueDigests(deps, deps.clock.now());
  });
}

/** Queue a derive pass now (after a score run), once while one waits. */
export async function enqueueDerive(runner: JobRunner): Promise<void> {
  await runner.enqueue(ALERTS_DERIVE_JOB, {}, { singletonKey: ALERTS_DERIVE_JOB, retryLimit: 2 });
}
