import { randomUUID } from 'node:crypto';
import { badRequest, conflict } from '../core/errors.js';
import type { WebhookEndpointsTable } from '../db/index.js';
import {
  createDelivery,
  findDelivery,
  requestRedelivery,
  type WebhookDelivery,
  type WebhookEvent,
} from './deliveries.js';
import type { WebhookDeps } from './deps.js';
import { findEndpoint, signingSecrets } from './endpoints.js';
import { TEST_EVENT_TYPE } from './events.js';
import { ATTEMPT_TIMEOUT_MS, DISABLE_AFTER_FAILING_MS, nextAttemptAt } from './schedule.js';
import { type AttemptOutcome, postSigned } from './send.js';

export const WEBHOOK_DELIVER_JOB = 'webhooks.deliver';

export interface DeliverPayload {
  workspaceId: string;
  deliveryId: string;
  trigger: 'auto' | 'manual';
}

/** A claim outlives the slowest attempt: a worker that died mid-attempt frees it after this. */
const CLAIM_MS = ATTEMPT_TIMEOUT_MS + 45_000;

/**
 * Queue the job that attempts a delivery. The singleton key names the attempt, so two sweeps (or a
 * sweep and the retry a worker queued itself) make one job; the claim in `attemptDelivery` is what
 * guarantees that one attempt is one request.
 */
export async function enqueueDelivery(
  deps: Pick<WebhookDeps, 'jobs'>,
  payload: DeliverPayload,
  opts: { attempts: number; startAfterMs?: number },
): Promise<void> {
  await deps.jobs.enqueue<DeliverPayload>(WEBHOOK_DELIVER_JOB, payload, {
    // A manual request gets its own key: an automatic retry queued for later must not swallow it.
    singletonKey: `${payload.deliveryId}:${opts.attempts}:${payload.trigger}`,
    retryLimit: 0,
    ...(opts.startAfterMs ? { startAfterMs: opts.startAfterMs } : {}),
  });
}

/**
 * Take a due delivery for this worker: pending and due, or claimed by a worker whose claim ran
 * out (it died). One UPDATE decides, so among workers racing for it exactly one wins.
 */
async function claim(deps: WebhookDeps, workspaceId: string, id: string, now: Date): Promise<boolean> {
  const at = now.toISOString();
  const result = await deps.db.kysely
    .updateTable('webhook_deliveries')
    .set({ status: 'sending', lease_until: new Date(now.getTime() + CLAIM_MS).toISOString(), updated_at: at })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', at)]),
        eb.and([eb('status', '=', 'sending'), eb('lease_until', '<', at)]),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

const describeFailure = (o: AttemptOutcome) =>
  o.statusCode !== null ? `HTTP ${o.statusCode}` : (o.error ?? 'no answer');

/**
 * Attempt one delivery now, if it is due and no other worker holds it: POST it signed, log the
 * attempt, and either mark it delivered or schedule the next try (5 s, 5 min, 30 min, 2 h, 5 h,
 * 10 h, 10 h). An endpoint whose every attempt has failed for 5 days is disabled with a notice, and
 * its queued deliveries fail with it. A test event gets one attempt and never counts toward that.
 *
 * @returns the attempt's outcome, or null when there was nothing to do (not due, or taken).
 */
export async function attemptDelivery(
  deps: WebhookDeps,
  payload: DeliverPayload,
): Promise<AttemptOutcome | null> {
  const { workspaceId, deliveryId } = payload;
  const db = deps.db.kysely;
  const claimedAt = deps.clock.now();
  if (!(await claim(deps, workspaceId, deliveryId, claimedAt))) return null;
  const delivery = await db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', deliveryId)
    .executeTakeFirstOrThrow();
  const endpoint = await db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', delivery.endpoint_id)
    .executeTakeFirstOrThrow();
  const isTest = delivery.event_type === TEST_EVENT_TYPE;

  if (endpoint.enabled !== 1 && !isTest) {
    const at = claimedAt.toISOString();
    await db
      .updateTable('webhook_deliveries')
      .set({
        status: 'failed',
        next_attempt_at: null,
        lease_until: null,
        last_error: 'Not sent: the endpoint is disabled. Enable it, then redeliver.',
        updated_at: at,
      })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', deliveryId)
      .execute();
    return null;
  }

  const outcome = await postSigned({
    url: endpoint.url,
    messageId: delivery.message_id,
    body: delivery.body,
    secrets: signingSecrets(deps, endpoint, claimedAt),
    allowPrivateHosts: deps.config.BETON_ALLOW_PRIVATE_HOSTS,
  });

  const now = deps.clock.now();
  const at = now.toISOString();
  const attempts = delivery.attempts + 1;
  const next = outcome.ok || isTest ? null : nextAttemptAt(attempts, now);
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('webhook_attempts')
      .values({
        workspace_id: workspaceId,
        delivery_id: deliveryId,
        endpoint_id: endpoint.id,
        attempt: attempts,
        trigger: payload.trigger,
        started_at: claimedAt.toISOString(),
        duration_ms: outcome.durationMs,
        status_code: outcome.statusCode,
        error: outcome.error,
        response_body: outcome.responseBody,
        next_attempt_at: next?.toISOString() ?? null,
      })
      .execute();
    await trx
      .updateTable('webhook_deliveries')
      .set({
        status: outcome.ok ? 'succeeded' : next ? 'pending' : 'failed',
        attempts,
        next_attempt_at: next?.toISOString() ?? null,
        lease_until: null,
        last_status_code: outcome.statusCode,
        last_error: outcome.error,
        ...(outcome.ok ? { delivered_at: at } : {}),
        updated_at: at,
      })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', deliveryId)
      .execute();
    if (isTest) return;
    if (outcome.ok) {
      if (endpoint.failing_since !== null) {
        await trx
          .updateTable('webhook_endpoints')
          .set({ failing_since: null })
          .where('workspace_id', '=', workspaceId)
          .where('id', '=', endpoint.id)
          .execute();
      }
      return;
    }
    const failingSince = endpoint.failing_since ?? claimedAt.toISOString();
    const shouldDisable =
      endpoint.enabled === 1 && now.getTime() - Date.parse(failingSince) >= DISABLE_AFTER_FAILING_MS;
    await trx
      .updateTable('webhook_endpoints')
      .set(
        shouldDisable
          ? {
              failing_since: failingSince,
              enabled: 0,
              disabled_at: at,
              disabled_reason: disabledNotice(endpoint, failingSince, describeFailure(outcome)),
              updated_at: at,
            }
          : { failing_since: failingSince },
      )
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', endpoint.id)
      .execute();
    if (shouldDisable) {
      await trx
        .updateTable('webhook_deliveries')
        .set({
          status: 'failed',
          next_attempt_at: null,
          last_error:
            'Not sent: the endpoint was disabled after repeated failure. Enable it, then redeliver.',
          updated_at: at,
        })
        .where('workspace_id', '=', workspaceId)
        .where('endpoint_id', '=', endpoint.id)
        .where('status', '=', 'pending')
        .execute();
    }
  });

  if (!outcome.ok && next === null && !isTest) {
    deps.logger.warn(
      { workspaceId, endpointId: endpoint.id, deliveryId, reason: describeFailure(outcome) },
      'webhook delivery failed on every attempt',
    );
  }
  if (next) {
    await enqueueDelivery(
      deps,
      { workspaceId, deliveryId, trigger: 'auto' },
      { attempts, startAfterMs: next.getTime() - now.getTime() },
    );
  }
  return outcome;
}

function disabledNotice(
  endpoint: Pick<WebhookEndpointsTable, 'url'>,
  failingSince: string,
  lastFailure: string,
): string {
  return `Beton disabled this endpoint: every attempt to ${endpoint.url} has failed since ${failingSince.slice(0, 16).replace('T', ' ')} UTC (5 days; the last: ${lastFailure}). Fix the receiver, enable the endpoint, then redeliver the failed deliveries.`;
}

/**
 * Deliveries due now in every workspace — pending and due, or held by a worker whose claim ran out
 * — for the sweep to queue. The sweep is what makes retries survive a restart of the in-process
 * runner, whose queue lives in memory.
 */
export async function dueDeliveries(
  deps: Pick<WebhookDeps, 'db'>,
  now: Date,
  limit = 500,
): Promise<Array<{ workspaceId: string; deliveryId: string; attempts: number }>> {
  const at = now.toISOString();
  const rows = await deps.db.kysely
    .selectFrom('webhook_deliveries')
    .select(['workspace_id', 'id', 'attempts'])
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', at)]),
        eb.and([eb('status', '=', 'sending'), eb('lease_until', '<', at)]),
      ]),
    )
    .orderBy('next_attempt_at')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ workspaceId: r.workspace_id, deliveryId: r.id, attempts: r.attempts }));
}

/**
 * Attempt every due delivery in this process, one after another (tests and `beton webhooks` on a
 * stopped server); workers instead queue them as jobs (`sweepDueDeliveries`).
 */
export async function deliverDue(deps: WebhookDeps): Promise<number> {
  let attempted = 0;
  for (const due of await dueDeliveries(deps, deps.clock.now())) {
    if (
      await attemptDelivery(deps, {
        workspaceId: due.workspaceId,
        deliveryId: due.deliveryId,
        trigger: 'auto',
      })
    )
      attempted++;
  }
  return attempted;
}

/** Queue a job for every due delivery (the periodic sweep). */
export async function sweepDueDeliveries(deps: WebhookDeps): Promise<number> {
  const due = await dueDeliveries(deps, deps.clock.now());
  for (const d of due) {
    await enqueueDelivery(
      deps,
      { workspaceId: d.workspaceId, deliveryId: d.deliveryId, trigger: 'auto' },
      { attempts: d.attempts },
    );
  }
  return due.length;
}

/**
 * Send an endpoint a `webhook.test` event through the queue (one attempt, no retries, no effect on
 * the endpoint's failure streak); it works on a disabled endpoint, to check a fix before enabling.
 */
export async function sendTestEvent(
  deps: WebhookDeps,
  workspaceId: string,
  endpointId: string,
): Promise<Awaited<ReturnType<typeof findDelivery>>> {
  const endpoint = await findEndpoint(deps.db.kysely, workspaceId, endpointId);
  const now = deps.clock.now();
  const event: WebhookEvent = {
    id: `test_${randomUUID()}`,
    type: TEST_EVENT_TYPE,
    occurredAt: now.toISOString(),
    data: {
      endpointId: endpoint.id,
      message:
        'A test event from Beton: your endpoint verified this signature, so real events will arrive too.',
    },
  };
  const id = await createDelivery(deps.db.kysely, workspaceId, endpoint.id, event, now);
  if (!id) throw conflict('The test event could not be queued; try again.');
  await enqueueDelivery(deps, { workspaceId, deliveryId: id, trigger: 'manual' }, { attempts: 0 });
  return findDelivery(deps.db.kysely, workspaceId, id);
}

/**
 * Manual redelivery: the same body and `webhook-id`, due now, through the queue. Refused (400) on a
 * disabled endpoint — enable it first — and (409) while an attempt is in flight.
 */
export async function redeliver(
  deps: WebhookDeps,
  workspaceId: string,
  deliveryId: string,
): Promise<WebhookDelivery> {
  const current = await findDelivery(deps.db.kysely, workspaceId, deliveryId);
  const endpoint = await findEndpoint(deps.db.kysely, workspaceId, current.endpointId);
  if (!endpoint.enabled && current.eventType !== TEST_EVENT_TYPE) {
    throw badRequest(
      'This endpoint is disabled; enable it first (check the notice on the endpoint), then redeliver.',
      undefined,
      'endpoint_disabled',
    );
  }
  const delivery = await requestRedelivery(deps.db.kysely, workspaceId, deliveryId, deps.clock.now());
  await enqueueDelivery(
    deps,
    { workspaceId, deliveryId, trigger: 'manual' },
    { attempts: delivery.attempts },
  );
  return delivery;
}
