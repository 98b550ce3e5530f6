import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { buildApp } from '../../src/api/index.js';
import {
  type Actor,
  addMember,
  createApiKey,
  createWorkspaceWithOwner,
  type Role,
} from '../../src/auth/index.js';
import type { Clock } from '../../src/core/clock.js';
import { type Config, loadConfig } from '../../src/core/config.js';
import { createLogger, type Logger } from '../../src/core/logger.js';
import { type Db, migrateToLatest, openDatabase } from '../../src/db/index.js';
import { createRuntime, type Runtime, type RuntimeOptions } from '../../src/runtime/index.js';

/**
 * Test harness: real databases, a real server on 127.0.0.1:0. SQLite in a temp directory by
 * default; when DATABASE_URL is postgres://, a fresh schema `t_<random>` per runtime, dropped on
 * close. Create one runtime per test file in `beforeAll`.
 */

export const postgresUrl = (): string | undefined =>
  process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined;

export const TEST_PASSWORD = 'correct-horse-battery-staple';

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'beton-test-'));

async function createSchema(url: string): Promise<{ schema: string; drop: () => Promise<void> }> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`create schema ${schema}`);
  } finally {
    await client.end();
  }
  return {
    schema,
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        // `<schema>_pgboss`: the job queue of a runtime on this schema (src/jobs/pg-boss.ts).
        await c.query(`drop schema if exists ${schema}, ${schema}_pgboss cascade`);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * Config for a test: a temp data dir, silent logs, the Postgres URL when testing on Postgres.
 *
 * @example
 * const config = testConfig({ BETON_BODY_LIMIT: '2048' });
 */
export function testConfig(env: Record<string, string> = {}, dataDir = tempDir()): Config {
  return loadConfig({
    BETON_DATA_DIR: dataDir,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    NODE_ENV: 'test',
    ...(postgresUrl() ? { DATABASE_URL: postgresUrl()! } : {}),
    ...env,
  });
}

export interface TestDb {
  db: Db;
  dialect: 'sqlite' | 'postgres';
  /** Postgres schema in use (undefined on SQLite). */
  schema?: string;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * A database alone (no auth, no server), optionally migrated — for repository and migration tests.
 *
 * @example
 * const t = await createTestDb({ migrate: true });
 * await t.db.kysely.selectFrom('connections').selectAll().execute();
 * await t.close();
 */
export async function createTestDb(opts: { migrate?: boolean } = {}): Promise<TestDb> {
  const dataDir = tempDir();
  const url = postgresUrl();
  const pgSchema = url ? await createSchema(url) : undefined;
  const db = url
    ? openDatabase({ dialect: 'postgres', url, schema: pgSchema!.schema, poolSize: 4 })
    : openDatabase({ dialect: 'sqlite', file: path.join(dataDir, 'beton.sqlite') });
  if (opts.migrate) await migrateToLatest(db.kysely);
  return {
    db,
    dialect: db.dialect,
    ...(pgSchema ? { schema: pgSchema.schema } : {}),
    dataDir,
    async close() {
      await db.close();
      await pgSchema?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  role: Role;
}

export interface TestWorkspace {
  workspaceId: string;
  /** One API key per role, each created by the user holding that role. */
  keys: Record<Role, string>;
  users: Record<Role, TestUser>;
}

/** Tests read answers loosely: `res.json.error.code`. */
// biome-ignore lint/suspicious/noExplicitAny: test answers are arbitrary JSON
export type AnyJson = any;

export interface TestResponse<T = AnyJson> {
  status: number;
  json: T;
  headers: Headers;
  text: string;
}

export interface TestRuntime extends TestWorkspace {
  rt: Runtime;
  app: FastifyInstance;
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  config: Config;
  /** Call the running server. `key` sends `Authorization: Bearer`; `body` is sent as JSON. */
  request<T = AnyJson>(
    method: string,
    path: string,
    opts?: { key?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string },
  ): Promise<TestResponse<T>>;
  /** A second workspace with its own users and keys (for cross-workspace tests). */
  createOtherWorkspace(): Promise<TestWorkspace>;
  close(): Promise<void>;
}

/**
 * Store a connection row directly, without the live check `PUT /integrations/:name` makes: for
 * tests that need stored secrets no service (or simulator) would accept. Answers its id.
 *
 * @example
 * const id = await storeConnection(t.rt, t.workspaceId, 'stripe', { secrets: { apiKey: 'sk_test_…' } });
 */
export async function storeConnection(
  rt: Pick<Runtime, 'db' | 'keyring'>,
  workspaceId: string,
  integration: string,
  opts: { secrets: Record<string, unknown>; settings?: Record<string, unknown> },
): Promise<string> {
  const id = randomUUID();
  const now = new Date().toISOString();
  await rt.db.kysely
    .insertInto('connections')
    .values({
      id,
      workspace_id: workspaceId,
      integration,
      status: 'connected',
      settings_json: JSON.stringify(opts.settings ?? {}),
      secrets_enc: rt.keyring.encryptJson(opts.secrets),
      key_id: rt.keyring.activeId,
      account_label: null,
      health_json: null,
      last_validated_at: null,
      last_error: null,
      created_by: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return id;
}

let emailCounter = 0;
const uniqueEmail = (role: string) =>
  `${role}-${Date.now().toString(36)}-${++emailCounter}-${randomBytes(3).toString('hex')}@beton.test`;

/**
 * A workspace with an owner and one admin, member and viewer, each with an API key of their role.
 *
 * @example
 * const ws = await seedWorkspace(rt, 'Acme');
 * ws.keys.viewer; // 'beton_…'
 */
export async function seedWorkspace(rt: Runtime, name = 'Test workspace'): Promise<TestWorkspace> {
  const ownerEmail = uniqueEmail('owner');
  const { workspace, user } = await createWorkspaceWithOwner(rt, {
    workspaceName: name,
    email: ownerEmail,
    password: TEST_PASSWORD,
    name: 'Owner',
  });
  const ownerActor: Actor = { workspaceId: workspace.id, userId: user.id, apiKeyId: null, role: 'owner' };
  const users = {
    owner: { id: user.id, email: ownerEmail, password: TEST_PASSWORD, role: 'owner' },
  } as Record<Role, TestUser>;
  for (const role of ['admin', 'member', 'viewer'] as const) {
    const email = uniqueEmail(role);
    const member = await addMember(rt, ownerActor, { email, role, password: TEST_PASSWORD, name: role });
    users[role] = { id: member.userId, email, password: TEST_PASSWORD, role };
  }
  const keys = {} as Record<Role, string>;
  for (const role of ['owner', 'admin', 'member', 'viewer'] as const) {
    const actor: Actor = { workspaceId: workspace.id, userId: users[role].id, apiKeyId: null, role };
    keys[role] = (await createApiKey(rt, actor, { name: `${role} key`, role })).key;
  }
  return { workspaceId: workspace.id, keys, users };
}

/**
 * A full runtime and a listening server with one seeded workspace.
 *
 * @example
 * let t: TestRuntime;
 * beforeAll(async () => { t = await createTestRuntime(); });
 * afterAll(() => t.close());
 * it('lists members', async () => {
 *   const res = await t.request('GET', '/api/v1/members', { key: t.keys.admin });
 *   expect(res.status).toBe(200);
 * });
 */
export async function createTestRuntime(
  opts: {
    env?: Record<string, string>;
    clock?: Clock;
    seed?: boolean;
    /** Where logs go (default: silent); also turns on per-request log lines. */
    logger?: Logger;
    /** Integrations to register instead of the shipped list (e.g. the testkit). */
    integrations?: RuntimeOptions['integrations'];
    httpOptions?: RuntimeOptions['httpOptions'];
  } = {},
): Promise<TestRuntime> {
  const dataDir = tempDir();
  const config = testConfig(opts.env, dataDir);
  const url = config.database.dialect === 'postgres' ? config.database.url : undefined;
  const pgSchema = url ? await createSchema(url) : undefined;
  let rt: Runtime;
  try {
    rt = await createRuntime(config, {
      logger: opts.logger ?? createLogger({ level: config.LOG_LEVEL }),
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(pgSchema ? { schema: pgSchema.schema } : {}),
      ...(opts.integrations ? { integrations: opts.integrations } : {}),
      ...(opts.httpOptions ? { httpOptions: opts.httpOptions } : {}),
    });
  } catch (e) {
    await pgSchema?.drop();
    throw e;
  }
  const app = await buildApp(rt, { logRequests: Boolean(opts.logger) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const seeded =
    opts.seed === false
      ? { workspaceId: '', keys: {} as Record<Role, string>, users: {} as Record<Role, TestUser> }
      : await seedWorkspace(rt);

  const request: TestRuntime['request'] = async (method, urlPath, o = {}) => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.key) headers.authorization = `Bearer ${o.key}`;
    let body: string | undefined = o.rawBody;
    if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(baseUrl + urlPath, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: res.status, json: json as AnyJson, headers: res.headers, text };
  };

  let closed = false;
  return {
    rt,
    app,
    baseUrl,
    config,
    ...seeded,
    request,
    createOtherWorkspace: () => seedWorkspace(rt, 'Other workspace'),
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await rt.close();
      await pgSchema?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Sign in through better-auth over HTTP and return the session cookie header to send back.
 *
 * @example
 * const cookie = await signIn(t, t.users.admin);
 * await t.request('GET', '/api/v1/me', { headers: { cookie } });
 */
export async function signIn(
  t: Pick<TestRuntime, 'request' | 'baseUrl'>,
  user: { email: string; password: string },
) {
  const res = await t.request('POST', '/api/auth/sign-in/email', {
    body: { email: user.email, password: user.password },
    headers: { origin: t.baseUrl },
  });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${res.text}`);
  return sessionCookie(res.headers);
}

/** The `name=value` pairs of every Set-Cookie, as one Cookie header. */
export function sessionCookie(headers: Headers): string {
  return headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .join('; ');
}
