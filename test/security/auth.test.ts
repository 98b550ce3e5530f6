import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_RATE_LIMIT } from '../../src/auth/index.js';
import { Keyring, keyFilePath } from '../../src/core/crypto.js';
import { executePushRun, withScoresSource } from '../../src/push/index.js';
import { rotateSecrets } from '../../src/runtime/index.js';
import { executeOpenScoreRun } from '../../src/scoring/index.js';
import { executeRun } from '../../src/sync/index.js';
import { type AnyJson, createTestRuntime, signIn, type TestRuntime } from '../support/index.js';
import { type RunningSimulators, startSimulators } from '../support/shipped-simulators.js';
import { sampleOf } from './support/json-schema.js';
import { apiRoutes, bodySchema, fillUrl, paramNames, pathParamSchema } from './support/routes.js';

/**
 * Authentication around the API: cookie-authenticated writes refused without our own Origin on
 * every route (generated from the route table), better-auth's own endpoints included; the session
 * cookie's attributes; the audit log naming who did what and when for credential changes, pushes,
 * rollbacks, key rotation and API keys — never the secret; and sign-in brute force limited.
 */

let t: TestRuntime;
let sims: RunningSimulators;
let doc: AnyJson;

beforeAll(async () => {
  sims = await startSimulators({ seed: 'h8-auth', companies: 8 });
  t = await createTestRuntime({
    // Sign-up opened by the operator, so its brute-force limit can be exercised below.
    env: { BETON_ALLOW_PRIVATE_HOSTS: 'true', BETON_SIGNUP: 'open' },
    httpOptions: { retry: { baseDelayMs: 5, maxWaitMs: 1_000, maxAttempts: 3 }, timeoutMs: 5_000 },
  });
  doc = (await t.request('GET', '/api/openapi.json')).json;
});
afterAll(async () => {
  await t?.close();
  await sims?.close();
});

const placeholders = (route: { method: string; url: string }) =>
  Object.fromEntries(
    paramNames(route.url).map((p) => [p, String(pathParamSchema(doc, route, p)?.enum?.[0] ?? 'x1')]),
  );

describe('CSRF on cookie-authenticated writes', () => {
  it('refuses every write without our own Origin, on every route, before doing anything', async () => {
    const cookie = await signIn(t, t.users.owner);
    const foreign: [string, Record<string, string>][] = [
      ['no Origin', {}],
      ['foreign Origin', { origin: 'https://evil.example' }],
      ['Origin null', { origin: 'null' }],
      ['cross-site fetch', { 'sec-fetch-site': 'cross-site' }],
      ['same host, other port', { origin: t.baseUrl.replace(/:\d+$/, ':1') }],
      ['look-alike host', { origin: `${t.baseUrl}.evil.example` }],
    ];
    const writes = apiRoutes(t.app).filter(
      (r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method) && r.access !== 'public' && !r.hidden,
    );
    expect(writes.length).toBeGreaterThan(30);
    const keysBefore = (await t.request('GET', '/api/v1/api-keys', { key: t.keys.owner })).json.apiKeys
      .length;
    const wrong: string[] = [];
    for (const route of writes) {
      const schema = bodySchema(doc, route);
      for (const [label, headers] of foreign) {
        const res = await t.request(route.method, fillUrl(route.url, placeholders(route)), {
          headers: { cookie, ...headers },
          ...(schema ? { body: sampleOf(schema) } : {}),
        });
        if (res.status !== 403 || res.json?.error?.code !== 'csrf_rejected') {
          wrong.push(`${label}: ${route.method} ${route.url} → ${res.status} ${res.text.slice(0, 100)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect((await t.request('GET', '/api/v1/api-keys', { key: t.keys.owner })).json.apiKeys.length).toBe(
      keysBefore,
    );

    // Control: the same write from our own page goes through; so does one with an API key and no Origin.
    const ours = await t.request('POST', '/api/v1/api-keys', {
      headers: { cookie, origin: t.baseUrl },
      body: { name: 'from our page' },
    });
    expect(ours.status).toBe(201);
    const sameOriginFetch = await t.request('POST', '/api/v1/api-keys', {
      headers: { cookie, 'sec-fetch-site': 'same-origin' },
      body: { name: 'same-origin fetch' },
    });
    expect(sameOriginFetch.status).toBe(201);
    expect(
      (await t.request('POST', '/api/v1/api-keys', { key: t.keys.owner, body: { name: 'tool' } })).status,
    ).toBe(201);
  });

  it('applies better-auth’s own origin check to its cookie endpoints', async () => {
    const cookie = await signIn(t, t.users.admin);
    for (const path of ['/api/auth/sign-out', '/api/auth/organization/set-active']) {
      const res = await t.request('POST', path, {
        headers: { cookie, origin: 'https://evil.example' },
        body: path.endsWith('set-active') ? { organizationId: t.workspaceId } : {},
      });
      expect(res.status, `${path}: ${res.text}`).toBe(403);
    }
    // Still signed in: the forged sign-out did nothing.
    expect((await t.request('GET', '/api/v1/me', { headers: { cookie } })).status).toBe(200);
  });

  it('sets the session cookie HttpOnly and SameSite=Lax', async () => {
    const res = await t.request('POST', '/api/auth/sign-in/email', {
      body: { email: t.users.member.email, password: t.users.member.password },
      headers: { origin: t.baseUrl },
    });
    const session = res.headers.getSetCookie().find((c) => c.startsWith('beton.session_token='));
    expect(session).toBeDefined();
    expect(session).toMatch(/;\s*HttpOnly/i);
    expect(session).toMatch(/;\s*SameSite=Lax/i);
  });
});

describe('the audit log', () => {
  /** Poll a run until it is no longer active. */
  async function settle(path: string): Promise<AnyJson> {
    for (let i = 0; i < 600; i++) {
      const res = await t.request('GET', path, { key: t.keys.admin });
      if (!['queued', 'running'].includes(res.json.run.status)) return res.json;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${path} did not finish`);
  }

  it('records credential changes, pushes, rollbacks, key rotation and API keys: who, when, what — never a secret', async () => {
    const started = new Date().toISOString();
    const admin = t.keys.admin;
    const adminKeyId = (await t.request('GET', '/api/v1/me', { key: admin })).json.apiKeyId;

    const put = (name: string, body: unknown) =>
      t.request('PUT', `/api/v1/integrations/${name}`, { key: admin, body });
    expect(
      (
        await put('stripe', {
          credentials: { apiKey: sims.stripe.apiKey },
          settings: { baseUrl: sims.stripe.url },
        })
      ).status,
    ).toBe(200);
    expect((await put('stripe', { credentials: { webhookSecret: sims.stripe.webhookSecret } })).status).toBe(
      200,
    );
    expect(
      (
        await put('attio', {
          credentials: { apiKey: sims.attio.apiKey },
          settings: { baseUrl: sims.attio.url },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await put('apollo', {
          credentials: { apiKey: sims.apollo.apiKey },
          settings: { baseUrl: sims.apollo.url },
        })
      ).status,
    ).toBe(200);
    expect((await t.request('POST', '/api/v1/integrations/attio/test', { key: admin })).status).toBe(200);
    expect((await t.request('DELETE', '/api/v1/integrations/apollo', { key: admin })).status).toBe(204);

    for (const name of ['stripe', 'attio']) {
      const sync = await t.request('POST', `/api/v1/integrations/${name}/sync`, { key: admin, body: {} });
      // Executed here, not by the job runner (whose follow-up pipeline would race the steps below).
      await executeRun(t.rt, t.workspaceId, sync.json.runId);
      expect((await settle(`/api/v1/sync-runs/${sync.json.runId}`)).run.status).toBe('succeeded');
    }
    const score = await t.request('POST', '/api/v1/score-runs', { key: admin, body: {} });
    await executeOpenScoreRun(t.rt.db.kysely, t.workspaceId, score.json.run.id);
    await settle(`/api/v1/score-runs/${score.json.run.id}`);
    const push = await t.request('POST', '/api/v1/push/attio/run', { key: admin, body: {} });
    expect(push.status, push.text).toBe(202);
    // Queued for a worker; executed here (no job runner runs in this suite).
    await executePushRun(withScoresSource(t.rt), t.workspaceId, push.json.run.id);
    expect((await settle(`/api/v1/push-runs/${push.json.run.id}`)).run.status).toBe('succeeded');
    const rollback = await t.request('POST', `/api/v1/push-runs/${push.json.run.id}/rollback`, {
      key: admin,
    });
    expect(rollback.status, rollback.text).toBe(202);
    await executePushRun(withScoresSource(t.rt), t.workspaceId, rollback.json.run.id);
    await settle(`/api/v1/push-runs/${rollback.json.run.id}`);

    const created = await t.request('POST', '/api/v1/api-keys', { key: admin, body: { name: 'audited' } });
    await t.request('DELETE', `/api/v1/api-keys/${created.json.apiKey.id}`, { key: admin });

    const stripeId = (await t.request('GET', '/api/v1/integrations/stripe', { key: admin })).json.integration
      .connection.id;
    // `beton keys rotate`: a new active key first, the old one after it.
    const oldSpec = fs.readFileSync(keyFilePath(t.config.dataDir), 'utf8').trim();
    const newSpec = Keyring.generateSpec('h8new');
    const rotation = await rotateSecrets(t.rt.db.kysely, Keyring.fromSpec(`${newSpec},${oldSpec}`));
    expect(rotation).toMatchObject({ rotated: 2, remaining: 0 });
    // A server whose ring lacks the new key says which key to add (the runbook adds it everywhere first).
    const stale = await t.request('GET', '/api/v1/integrations/stripe', { key: admin });
    expect(stale.json.error).toMatchObject({
      code: 'encryption_key_error',
      message: expect.stringContaining('"h8new"'),
    });
    expect(stale.text).not.toContain(newSpec.split(':')[1]!);

    const log = await t.request('GET', '/api/v1/audit-log?limit=200', { key: t.keys.owner });
    const entries = log.json.entries as AnyJson[];
    const byAction = (action: string) => entries.filter((e) => e.action === action);

    expect(
      byAction('connection.create')
        .map((e) => e.details.integration)
        .sort(),
    ).toEqual(['apollo', 'attio', 'stripe']);
    expect(byAction('connection.update')).toEqual([
      expect.objectContaining({
        actorType: 'api_key',
        actorId: adminKeyId,
        targetType: 'connection',
        targetId: stripeId,
        details: expect.objectContaining({ integration: 'stripe', credentialFields: ['webhookSecret'] }),
      }),
    ]);
    expect(byAction('connection.test')).toHaveLength(1);
    expect(byAction('connection.delete')[0].details).toEqual({ integration: 'apollo' });
    expect(byAction('push.run')[0]).toMatchObject({
      actorType: 'api_key',
      actorId: adminKeyId,
      targetId: push.json.run.id,
    });
    expect(byAction('push.rollback')[0]).toMatchObject({
      actorType: 'api_key',
      actorId: adminKeyId,
      targetId: push.json.run.id,
      details: expect.objectContaining({ rollbackRunId: rollback.json.run.id }),
    });
    expect(byAction('api_key.create').length).toBeGreaterThanOrEqual(1);
    expect(byAction('api_key.revoke')[0]).toMatchObject({ targetId: created.json.apiKey.id });
    const [rotated] = byAction('encryption_key.rotate');
    expect(rotated).toMatchObject({
      actorType: 'cli',
      details: { activeKey: 'h8new', replacedKeys: [oldSpec.split(':')[0]], secrets: 2 },
    });

    // When: every entry is stamped, in order, within this test.
    for (const e of [...byAction('connection.create'), rotated]) {
      expect(e.createdAt >= started && e.createdAt <= new Date().toISOString()).toBe(true);
    }
    // Never the secret, whole or in part.
    for (const secret of [
      sims.stripe.apiKey,
      sims.stripe.webhookSecret,
      sims.attio.apiKey,
      sims.apollo.apiKey,
      created.json.key,
      newSpec.split(':')[1]!,
      oldSpec.split(':')[1]!,
    ]) {
      expect(log.text).not.toContain(secret);
      expect(log.text).not.toContain(secret.slice(-12));
    }
  });
});

describe('sign-in brute force', () => {
  it('is limited per client: many accounts from one address get 429 too (credential stuffing)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < AUTH_RATE_LIMIT.max + 3; i++) {
      const res = await t.request('POST', '/api/auth/sign-in/email', {
        body: { email: `victim-${i}@beton.test`, password: `guess-${i}-xxxxxxxx` },
        headers: { origin: t.baseUrl },
      });
      statuses.push(res.status);
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(3);
    expect(statuses.slice(-3)).toEqual([429, 429, 429]);
    // The right password is refused too until the window passes.
    const right = await t.request('POST', '/api/auth/sign-in/email', {
      body: { email: t.users.owner.email, password: t.users.owner.password },
      headers: { origin: t.baseUrl },
    });
    expect(right.status).toBe(429);
  });

  it('limits account creation the same way', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < AUTH_RATE_LIMIT.max + 2; i++) {
      const res = await t.request('POST', '/api/auth/sign-up/email', {
        body: { email: `spam-${i}-${Date.now()}@beton.test`, password: 'long-enough-password', name: 'spam' },
        headers: { origin: t.baseUrl },
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(-2)).toEqual([429, 429]);
  });
});
