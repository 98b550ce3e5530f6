import { createHmac } from 'node:crypto';
import type { DestinationStream } from 'pino';
import { deriveAlerts } from '../../../src/alerts/index.js';
import { createLogger } from '../../../src/core/logger.js';
import { executeEnrichRun, withAccountDomains } from '../../../src/enrichment/index.js';
import { executePushRun, withScoresSource } from '../../../src/push/index.js';
import { executeOpenScoreRun } from '../../../src/scoring/index.js';
import { executeRun } from '../../../src/sync/index.js';
import {
  type AnyJson,
  createTestRuntime,
  type TestRuntime,
  type TestWorkspace,
} from '../../support/index.js';
import { type RunningSimulators, startSimulators } from '../../support/shipped-simulators.js';

/**
 * A workspace that has been through the whole pipeline, for the security suites: all four
 * integrations connected to the simulators, every source synced, accounts scored, Apollo
 * enrichment, a push to Attio and its rollback, a custom signal, a manual link and a Stripe
 * webhook. Every log line is captured, and every answer the world-building received is kept so the
 * suites can harvest ids and scan for secrets. A second, empty workspace plays the curious tenant.
 *
 * @example
 * const world = await buildWorld();
 * world.answers.length; // every JSON answer received so far
 * await world.close();
 */
export interface World {
  t: TestRuntime;
  sims: RunningSimulators;
  /** The curious tenant: its own users and keys, no data. */
  other: TestWorkspace;
  /** Raw log lines written so far (pino JSON). */
  logs: string[];
  /** Every answer received through `call`, with what was asked. */
  answers: { method: string; path: string; status: number; text: string }[];
  /** The integrations' secrets, as given to Beton (plus keys Beton was shown and refused). */
  secrets: Record<string, string>;
  /** Call the API and keep the answer. */
  call(method: string, path: string, opts?: Parameters<TestRuntime['request']>[2]): Promise<AnyJson>;
  /** Poll `path` until `json.run.status` is final; answers the final JSON. */
  settle(path: string): Promise<AnyJson>;
  close(): Promise<void>;
}

const ACTIVE = new Set(['queued', 'running']);

export async function buildWorld(
  opts: { companies?: number; env?: Record<string, string> } = {},
): Promise<World> {
  const logs: string[] = [];
  const destination: DestinationStream = { write: (line: string) => void logs.push(line) };
  const sims = await startSimulators({ seed: 'h8-security', companies: opts.companies ?? 24 });
  const t = await createTestRuntime({
    env: { BETON_ALLOW_PRIVATE_HOSTS: 'true', ...opts.env },
    logger: createLogger({ level: 'trace', destination }),
    httpOptions: { retry: { baseDelayMs: 5, maxWaitMs: 2_000, maxAttempts: 4 }, timeoutMs: 10_000 },
  });
  const answers: World['answers'] = [];
  // Every registered integration with a simulator: its secrets, as given to Beton (the first secret
  // field under the integration's name, others as `<name>.<field>`), and a wrong key of the same
  // shape that Beton is shown and must refuse — neither may be echoed or stored.
  const secrets: Record<string, string> = {};
  const refusedKeys: {
    name: string;
    body: { credentials: Record<string, unknown>; settings: Record<string, unknown> };
  }[] = [];
  for (const sim of sims.fleet.list) {
    const integration = t.rt.integrations.require(sim.name);
    integration.secretFields.forEach((field, i) => {
      const value = sim.connection.credentials[field];
      if (typeof value === 'string') secrets[i === 0 ? sim.name : `${sim.name}.${field}`] = value;
    });
    const keyField = integration.secretFields[0]!;
    const key = sim.connection.credentials[keyField];
    if (typeof key !== 'string' || key.length < 16) continue;
    const wrong = `${key.slice(0, -12)}h8wrong${key.slice(-5).split('').reverse().join('')}`;
    secrets[`wrong ${sim.name}`] = wrong;
    refusedKeys.push({
      name: sim.name,
      body: { ...sim.connection, credentials: { ...sim.connection.credentials, [keyField]: wrong } },
    });
  }
  const owner = t.keys.owner;

  const call: World['call'] = async (method, path, o = {}) => {
    const res = await t.request(method, path, { key: owner, ...o });
    answers.push({ method, path, status: res.status, text: res.text });
    return res;
  };
  const settle: World['settle'] = async (path) => {
    for (let i = 0; i < 1200; i++) {
      const res = await call('GET', path);
      if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${res.text}`);
      if (!ACTIVE.has(res.json.run.status)) return res.json;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${path} did not finish`);
  };

  try {
    const connect = async (name: string, body: unknown) => {
      const res = await call('PUT', `/api/v1/integrations/${name}`, { body });
      if (res.status !== 200) throw new Error(`connecting ${name}: ${res.status} ${res.text}`);
      return res.json;
    };
    // Refused keys first: the answers and logs of a refusal are scanned too.
    for (const { name, body } of refusedKeys) {
      const refused = await call('PUT', `/api/v1/integrations/${name}`, { body });
      if (refused.status !== 400) throw new Error(`${name} accepted a wrong key: ${refused.status}`);
    }
    const connected = new Map<string, AnyJson>();
    for (const sim of sims.fleet.list) connected.set(sim.name, await connect(sim.name, sim.connection));
    for (const sim of sims.fleet.list) await call('POST', `/api/v1/integrations/${sim.name}/test`);
    // Integrations senders push to have no simulator: connect each and give it a write key.
    for (const integration of t.rt.integrations.list().filter((i) => i.ingest)) {
      connected.set(integration.name, await connect(integration.name, {}));
      const key = await call('POST', `/api/v1/integrations/${integration.name}/ingest/keys`, { body: {} });
      if (key.status !== 201) throw new Error(`write key for ${integration.name}: ${key.status} ${key.text}`);
    }
    const stripe = connected.get('stripe')!;

    for (const name of sourcesOf(t, sims)) {
      const started = await call('POST', `/api/v1/integrations/${name}/sync`, { body: {} });
      if (started.status !== 202) throw new Error(`sync ${name}: ${started.status} ${started.text}`);
      // Executed here rather than by the job runner, whose follow-up pipeline (score, enrich) would
      // race the steps below.
      await executeRun(t.rt, t.workspaceId, started.json.runId);
      const done = await settle(`/api/v1/sync-runs/${started.json.runId}`);
      if (done.run.status !== 'succeeded') throw new Error(`sync ${name} ended ${JSON.stringify(done.run)}`);
    }
    await stripeWebhook({ t, sims, secrets, answers }, stripe.integration.connection.id);

    const scored = await call('POST', '/api/v1/score-runs', { body: {} });
    await executeOpenScoreRun(t.rt.db.kysely, t.workspaceId, scored.json.run.id);
    await settle(`/api/v1/score-runs/${scored.json.run.id}`);
    await call('POST', '/api/v1/enrichment/plan');
    const enriched = await call('POST', '/api/v1/enrichment/run');
    // Queued runs are executed here too (the API queues them for a worker; no runner runs here).
    await executeEnrichRun(withAccountDomains(t.rt), t.workspaceId, enriched.json.run.id);
    await settle(`/api/v1/enrichment/runs/${enriched.json.run.id}`);
    const rescored = await call('POST', '/api/v1/score-runs', { body: {} });
    await executeOpenScoreRun(t.rt.db.kysely, t.workspaceId, rescored.json.run.id);
    await settle(`/api/v1/score-runs/${rescored.json.run.id}`);

    await call('POST', '/api/v1/push/attio/plan', { body: {} });
    const pushed = await call('POST', '/api/v1/push/attio/run', { body: {} });
    if (pushed.status !== 202) throw new Error(`push: ${pushed.status} ${pushed.text}`);
    await executePushRun(withScoresSource(t.rt), t.workspaceId, pushed.json.run.id);
    const pushDone = await settle(`/api/v1/push-runs/${pushed.json.run.id}`);
    if (pushDone.run.status !== 'succeeded') throw new Error(`push ended ${JSON.stringify(pushDone.run)}`);
    const rollback = await call('POST', `/api/v1/push-runs/${pushed.json.run.id}/rollback`);
    await executePushRun(withScoresSource(t.rt), t.workspaceId, rollback.json.run.id);
    await settle(`/api/v1/push-runs/${rollback.json.run.id}`);

    await call('POST', '/api/v1/signals', {
      body: {
        name: 'H8 heavy usage',
        direction: 'expansion',
        events: ['$pageview'],
        operator: 'gte',
        threshold: 5,
        windowDays: 7,
      },
    });
    const segment = await call('POST', '/api/v1/segments', {
      body: { name: 'H8 scored accounts', filter: { minScore: 0 } },
    });
    // A list sync and its rollback, so list runs have ids to guess.
    const listed = await call('POST', `/api/v1/segments/${segment.json.id}/list-sync`, {
      body: { destination: 'attio' },
    });
    if (listed.status !== 200) throw new Error(`list sync: ${listed.status} ${listed.text}`);
    await call('POST', `/api/v1/segment-list-runs/${listed.json.id}/rollback`);
    // A list the segment keeps in sync after score runs.
    const kept = await call('PUT', `/api/v1/segments/${segment.json.id}/auto-lists/attio`, { body: {} });
    if (kept.status !== 200) throw new Error(`auto list: ${kept.status} ${kept.text}`);
    const unresolved = await call('GET', '/api/v1/accounts/unresolved?limit=5');
    const accounts = await call('GET', '/api/v1/accounts?limit=5');
    const record = unresolved.json.items?.[0];
    const account = accounts.json.items?.[0];
    if (record && account) {
      await call('POST', `/api/v1/accounts/${account.id}/links`, {
        body: { integration: record.integration, stream: record.stream, externalId: record.externalId },
      });
    }
    // A workspace to keep the history honest: a second admin key, revoked.
    const spare = await call('POST', '/api/v1/api-keys', { body: { name: 'spare', role: 'viewer' } });
    await call('DELETE', `/api/v1/api-keys/${spare.json.apiKey.id}`);
    // An outbound webhook endpoint and a test delivery, so their routes have ids to guess. Its signing
    // secret is answered once (that answer is not kept) and must appear nowhere afterwards.
    const hook = await t.request('POST', '/api/v1/webhook-endpoints', {
      key: owner,
      body: { url: 'http://127.0.0.1:9/h8-hooks', eventTypes: ['signal.opened', 'sync.failed'] },
    });
    if (hook.status !== 201) throw new Error(`webhook endpoint: ${hook.status} ${hook.text}`);
    secrets['webhook signing secret'] = hook.json.secret;
    await call('POST', `/api/v1/webhook-endpoints/${hook.json.endpoint.id}/test`);
    // An alert rule, a digest and the alerts the score run raised, so the alerts routes have ids to guess.
    await call('POST', '/api/v1/alerts/rules', {
      body: { name: 'H8 alerts', destination: { kind: 'channel', channelId: 'C_H8' } },
    });
    await call('POST', '/api/v1/alerts/digests', {
      body: { name: 'H8 digest', emails: ['h8@example.test'] },
    });
    await deriveAlerts(t.rt.db.kysely, new Date());
    await call('GET', '/api/v1/alerts?limit=5');
  } catch (error) {
    await Promise.allSettled([t.close(), sims.close()]);
    throw error;
  }

  const other = await t.createOtherWorkspace();
  return {
    t,
    sims,
    other,
    logs,
    answers,
    secrets,
    call,
    settle,
    async close() {
      await t.close();
      await sims.close();
    },
  };
}

/** Deliver one signed `customer.updated` event, as Stripe would. */
async function stripeWebhook(world: Pick<World, 't' | 'sims' | 'secrets' | 'answers'>, connectionId: string) {
  const customer = world.sims.dataset.companies[0];
  const payload = JSON.stringify({
    id: 'evt_h8_0001',
    object: 'event',
    type: 'customer.updated',
    created: Math.floor(Date.now() / 1000),
    data: { object: { id: `cus_h8_${customer?.id ?? 'x'}`, object: 'customer', email: 'h8@example.test' } },
  });
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = createHmac('sha256', world.secrets['stripe.webhookSecret']!)
    .update(`${timestamp}.${payload}`)
    .digest('hex');
  const res = await world.t.request('POST', `/api/v1/webhooks/stripe/${connectionId}`, {
    rawBody: payload,
    headers: { 'content-type': 'application/json', 'stripe-signature': `t=${timestamp},v1=${signature}` },
  });
  world.answers.push({ method: 'POST', path: 'webhook', status: res.status, text: res.text });
  if (res.status >= 300) throw new Error(`webhook: ${res.status} ${res.text}`);
}

/** The integrations with a simulator that are sources (have streams to sync), in pipeline order. */
export function sourcesOf(t: TestRuntime, sims: RunningSimulators): string[] {
  return sims.fleet.list
    .map((sim) => sim.name)
    .filter((name) => t.rt.integrations.require(name).roles.includes('source'));
}
