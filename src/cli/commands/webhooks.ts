import type { Command } from 'commander';
import type { Runtime } from '../../runtime/index.js';
import {
  CliError,
  jsonOption,
  output,
  resolveWorkspaceOption,
  withRuntime,
  workspaceOption,
} from '../support.js';

/**
 * `beton webhooks list|add|remove|test|deliveries|redeliver|rotate-secret`: outbound webhook
 * endpoints and their delivery log, acting on the database like the API does. `test` and
 * `redeliver` make the attempt at once in this process (the claim keeps a running worker from
 * sending it too) and print what the receiver answered.
 */

interface Common {
  workspace?: string;
  json?: boolean;
}

const endpointRow = (e: {
  id: string;
  url: string;
  eventTypes: string[];
  enabled: boolean;
  secretHint: string;
  disabledReason: string | null;
}) => ({
  id: e.id,
  url: e.url,
  events: e.eventTypes.join(','),
  enabled: e.enabled,
  secret: e.secretHint,
  notice: e.disabledReason ?? '',
});

async function audit(rt: Runtime, workspaceId: string, action: string, targetId: string, details = {}) {
  const { recordAudit } = await import('../../audit/index.js');
  const { auditActorOf, cliActor } = await import('../../auth/index.js');
  await recordAudit(
    rt.db.kysely,
    workspaceId,
    auditActorOf(cliActor(workspaceId)),
    action,
    { targetType: 'webhook_endpoint', targetId, details },
    rt.clock,
  );
}

/** Attempt a queued delivery now and report it (the delivery as it stands afterwards). */
async function attemptNow(rt: Runtime, workspaceId: string, deliveryId: string) {
  const { attemptDelivery, findDelivery } = await import('../../outbound-webhooks/index.js');
  await attemptDelivery(rt, { workspaceId, deliveryId, trigger: 'manual' });
  return findDelivery(rt.db.kysely, workspaceId, deliveryId);
}

function printAttempt(
  d: {
    id: string;
    status: string;
    lastStatusCode: number | null;
    lastError: string | null;
    attemptLog: { durationMs: number }[];
  },
  json?: boolean,
) {
  if (json) return output(d, { json: true });
  const last = d.attemptLog.at(-1);
  const took = last ? ` in ${last.durationMs} ms` : '';
  if (d.status === 'succeeded') output(`Delivered (HTTP ${d.lastStatusCode}${took}); delivery ${d.id}.`);
  else {
    output(`Not delivered${took}: ${d.lastError ?? 'queued for a worker'} (delivery ${d.id}, ${d.status}).`);
    process.exitCode = 1;
  }
}

export function registerWebhooks(program: Command) {
  const webhooks = program
    .command('webhooks')
    .description('Outbound webhooks: endpoints that receive signed events (Standard Webhooks)');

  jsonOption(workspaceOption(webhooks.command('list').description('Endpoints (never their secrets)'))).action(
    (opts: Common) =>
      withRuntime(async (rt) => {
        const { listEndpoints } = await import('../../outbound-webhooks/index.js');
        const ws = await resolveWorkspaceOption(rt, opts);
        const items = await listEndpoints(rt.db.kysely, ws.id);
        output(opts.json ? items : items.map(endpointRow), { json: opts.json });
      }),
  );

  jsonOption(
    workspaceOption(
      webhooks
        .command('add')
        .description('Register an endpoint; its whsec_ signing secret is printed once')
        .argument('<url>', 'where events are POSTed (https)')
        .requiredOption(
          '--events <types>',
          'comma-separated: signal.opened, signal.closed, account.grade_changed, push.completed, sync.failed',
        )
        .option('--description <text>', 'what the endpoint is for', ''),
    ),
  ).action((url: string, opts: Common & { events: string; description: string }) =>
    withRuntime(async (rt) => {
      const { createEndpoint, endpointInput } = await import('../../outbound-webhooks/index.js');
      const parsed = endpointInput.safeParse({
        url,
        description: opts.description,
        eventTypes: opts.events
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      });
      if (!parsed.success) {
        throw new CliError(
          `${parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}. Event types: signal.opened, signal.closed, account.grade_changed, push.completed, sync.failed.`,
        );
      }
      const ws = await resolveWorkspaceOption(rt, opts);
      const { endpoint, secret } = await createEndpoint(rt, ws.id, parsed.data, null);
      await audit(rt, ws.id, 'webhook_endpoint.create', endpoint.id, { url: endpoint.url });
      if (opts.json) return output({ endpoint, secret }, { json: true });
      output(
        `${secret}\n(signing secret of endpoint ${endpoint.id} → ${endpoint.url}; shown only now: store it in the receiver)`,
      );
    }),
  );

  jsonOption(
    workspaceOption(
      webhooks.command('remove').description('Remove an endpoint and its delivery log').argument('<id>'),
    ),
  ).action((id: string, opts: Common) =>
    withRuntime(async (rt) => {
      const { deleteEndpoint } = await import('../../outbound-webhooks/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      await deleteEndpoint(rt.db.kysely, ws.id, id);
      await audit(rt, ws.id, 'webhook_endpoint.delete', id);
      output(opts.json ? { removed: id } : `Removed endpoint ${id}.`, { json: opts.json });
    }),
  );

  jsonOption(
    workspaceOption(
      webhooks
        .command('test')
        .description('Send the endpoint a signed webhook.test event now and print what it answered')
        .argument('<id>', 'endpoint id'),
    ),
  ).action((id: string, opts: Common) =>
    withRuntime(async (rt) => {
      const { sendTestEvent } = await import('../../outbound-webhooks/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      const queued = await sendTestEvent(rt, ws.id, id);
      await audit(rt, ws.id, 'webhook_endpoint.test', id, { deliveryId: queued.id });
      printAttempt(await attemptNow(rt, ws.id, queued.id), opts.json);
    }),
  );

  jsonOption(
    workspaceOption(
      webhooks
        .command('deliveries')
        .description('The delivery log, newest first')
        .option('--endpoint <id>', 'only this endpoint')
        .option('--status <status>', 'pending, sending, succeeded or failed')
        .option('--limit <n>', 'how many', '50'),
    ),
  ).action((opts: Common & { endpoint?: string; status?: string; limit: string }) =>
    withRuntime(async (rt) => {
      const { deliveryQuery, listDeliveries } = await import('../../outbound-webhooks/index.js');
      const q = deliveryQuery.safeParse({
        ...(opts.endpoint ? { endpointId: opts.endpoint } : {}),
        ...(opts.status ? { status: opts.status } : {}),
        limit: opts.limit,
      });
      if (!q.success)
        throw new CliError(
          `Invalid option: ${q.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('; ')}`,
        );
      const ws = await resolveWorkspaceOption(rt, opts);
      const items = await listDeliveries(rt.db.kysely, ws.id, q.data);
      output(items, {
        json: opts.json,
        columns: [
          'id',
          'eventType',
          'status',
          'attempts',
          'lastStatusCode',
          'nextAttemptAt',
          'lastError',
          'endpointId',
        ],
      });
    }),
  );

  jsonOption(
    workspaceOption(
      webhooks
        .command('redeliver')
        .description(
          'Send a delivery again now (same body and webhook-id) and print what the receiver answered',
        )
        .argument('<delivery-id>'),
    ),
  ).action((id: string, opts: Common) =>
    withRuntime(async (rt) => {
      const { redeliver } = await import('../../outbound-webhooks/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      const delivery = await redeliver(rt, ws.id, id);
      await audit(rt, ws.id, 'webhook_delivery.redeliver', delivery.endpointId, { deliveryId: id });
      printAttempt(await attemptNow(rt, ws.id, id), opts.json);
    }),
  );

  jsonOption(
    workspaceOption(
      webhooks
        .command('rotate-secret')
        .description('Make a new signing secret (printed once); the old one signs beside it for 24 hours')
        .argument('<id>', 'endpoint id')
        .option('--expire-previous', 'stop signing with the old secret at once'),
    ),
  ).action((id: string, opts: Common & { expirePrevious?: boolean }) =>
    withRuntime(async (rt) => {
      const { rotateEndpointSecret } = await import('../../outbound-webhooks/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      const { endpoint, secret } = await rotateEndpointSecret(rt, ws.id, id, {
        expirePrevious: Boolean(opts.expirePrevious),
      });
      await audit(rt, ws.id, 'webhook_endpoint.rotate_secret', id, {
        expirePrevious: Boolean(opts.expirePrevious),
      });
      if (opts.json) return output({ endpoint, secret }, { json: true });
      const grace = endpoint.previousSecretExpiresAt
        ? `the old secret also signs until ${endpoint.previousSecretExpiresAt}`
        : 'the old secret no longer signs';
      output(`${secret}\n(new signing secret of endpoint ${endpoint.id}; shown only now; ${grace})`);
    }),
  );
}
