import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyFilePath } from '../../src/core/crypto.js';
import { executeRun } from '../../src/sync/index.js';
import { nodeArgsFor } from '../support/bundle.js';
import { postgresUrl, signIn, TEST_PASSWORD } from '../support/index.js';
import { apiRoutes, fillUrl, harvest, paramNames } from './support/routes.js';
import { buildWorld, sourcesOf, type World } from './support/world.js';

/** The CLI, bundled once for this file: each run is a full Node start. */
const cli = await nodeArgsFor('src/cli/main.ts');

/**
 * Secrets stay secret: with every integration that has a simulator connected (recognisable keys, and wrong keys
 * Beton was shown and refused), every job run, failures provoked and every readable route called,
 * no secret appears — whole or in part — in the logs, API answers and error messages, run
 * histories, /metrics, the database's bytes (SQLite file and WAL; every Postgres row, the job
 * queue's included) or what the CLI exports.
 */

const root = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

let world: World;
/** Where each place's text is kept, by a label naming it. */
const places = new Map<string, string>();
/** Secret name → the forms searched for (whole, encoded, and 12-character windows of it). */
let needles: Map<string, string[]>;

const WINDOW = 12;

/** The forms a secret could leak in: itself, URL- and base64-encoded, JSON-escaped, and any 12-char slice. */
function formsOf(secret: string, publicPrefix = ''): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')]);
  const tail = secret.slice(publicPrefix.length);
  for (let i = 0; i + WINDOW <= tail.length; i++) forms.add(tail.slice(i, i + WINDOW));
  return [...forms];
}

/**
 * Secrets that legitimately sit in the database: better-auth keeps the session token itself in
 * `sessions.token` (it has no hashed mode). The browser's cookie carries that token *signed* with
 * the auth secret, which is not in the database, so database read access alone yields no usable
 * cookie (docs/security.md).
 */
const STORED_AS_DESIGNED: Record<string, string> = { 'session token': 'database' };

function findLeaks(): string[] {
  const found: string[] = [];
  for (const [place, text] of places) {
    for (const [name, forms] of needles) {
      if (STORED_AS_DESIGNED[name] === place) continue;
      const hit = forms.find((f) => text.includes(f));
      if (hit) {
        const at = text.indexOf(hit);
        found.push(`${name} in ${place}: …${text.slice(Math.max(0, at - 80), at + hit.length + 40)}…`);
      }
    }
  }
  return found;
}

beforeAll(async () => {
  world = await buildWorld();
  const { t, sims } = world;

  // Failures with messages: a 5xx storm and malformed answers during syncs, an unreachable check.
  // Both fault kinds are provoked, alternating over the sources (pipeline order).
  const faults = [{ malformedRate: 1 }, { errorRate: 1 }] as const;
  for (const [i, name] of sourcesOf(t, sims).entries()) {
    const sim = sims.fleet.get(name);
    sim.setKnobs(faults[i % 2]!);
    const started = await world.call('POST', `/api/v1/integrations/${name}/sync`, { body: { full: true } });
    await executeRun(t.rt, t.workspaceId, started.json.runId);
    const done = await world.settle(`/api/v1/sync-runs/${started.json.runId}`);
    expect(done.run.status).toBe('failed');
    await world.call('POST', `/api/v1/integrations/${name}/test`);
    sim.setKnobs({ errorRate: 0, malformedRate: 0 });
  }

  // Signing in and out through the browser path (passwords travel in bodies there).
  const cookie = await signIn(t, t.users.admin);
  await world.call('GET', '/api/v1/me', { headers: { cookie } });
  await world.call('GET', '/api/v1/integrations', { headers: { cookie } });

  // Every readable route, by each role, with ids of this workspace where a route takes one.
  const pool = harvest(world.answers.map((a) => a.text));
  for (const route of apiRoutes(t.app).filter((r) => r.method === 'GET' && !r.hidden)) {
    const params = paramNames(route.url);
    const fills: Record<string, string>[] = [{}];
    if (params.length > 0) {
      fills.length = 0;
      const holder = pool.objects.find((o) => params.every((p) => typeof o[p] === 'string'));
      if (holder) fills.push(Object.fromEntries(params.map((p) => [p, holder[p] as string])));
      for (const id of [...(pool.values.get(params[0]!) ?? [])].slice(0, 8)) {
        if (params.length === 1) fills.push({ [params[0]!]: id });
      }
    }
    for (const values of fills) {
      for (const key of [t.keys.owner, t.keys.viewer]) {
        await world.call('GET', fillUrl(route.url, values), { key });
      }
    }
  }
  for (const probe of ['/metrics', '/healthz', '/readyz', '/api/openapi.json'])
    await world.call('GET', probe);

  for (const a of world.answers) {
    places.set(`answer ${a.method} ${a.path} (${a.status})`, a.text);
  }
  places.set('logs', world.logs.join(''));
  places.set('database', await databaseText(world));
  for (const [label, text] of await cliExports(world)) places.set(label, text);

  const keyring = fs.readFileSync(keyFilePath(t.config.dataDir), 'utf8').trim();
  const beton = (key: string) => /^beton_[a-z0-9]{8}_/.exec(key)?.[0] ?? '';
  needles = new Map<string, string[]>();
  for (const [name, value] of Object.entries(world.secrets)) needles.set(name, formsOf(value));
  for (const [role, key] of Object.entries(t.keys))
    needles.set(`beton key (${role})`, formsOf(key, beton(key)));
  for (const [role, key] of Object.entries(world.other.keys))
    needles.set(`other workspace key (${role})`, formsOf(key, beton(key)));
  needles.set('encryption key', formsOf(keyring.split(':')[1]!));
  needles.set('user password', formsOf(TEST_PASSWORD));
  const session = /beton\.session_token=([^;.]+)/.exec(cookie)?.[1];
  if (!session) throw new Error(`no session cookie in ${cookie}`);
  needles.set('session token', formsOf(decodeURIComponent(session)));
}, 300_000);
afterAll(() => world?.close());

describe('secrets', () => {
  it('were really there to find: the scan sees the stored data and the keys were used', () => {
    expect(places.size).toBeGreaterThan(100);
    expect(places.get('database')!.length).toBeGreaterThan(100_000);
    expect(world.logs.length).toBeGreaterThan(100);
    // The scan would see a leak: the masked last four characters are there, as the API shows them.
    const stripeTail = world.secrets.stripe!.slice(-4);
    expect([...places.values()].some((text) => text.includes(`…${stripeTail}`))).toBe(true);
    expect(places.get('database')).toContain(world.sims.posthog.url);
  });

  it('appear nowhere: logs, answers, errors, run histories, metrics, database bytes, CLI exports', () => {
    expect(findLeaks()).toEqual([]);
  });
});

/** Every byte the database holds, as text: the SQLite file and its WAL, or every Postgres row. */
async function databaseText(w: World): Promise<string> {
  const db = w.t.rt.db;
  if (db.dialect === 'sqlite') {
    const file = db.describe;
    return ['', '-wal', '-shm']
      .filter((suffix) => fs.existsSync(file + suffix))
      .map((suffix) => fs.readFileSync(file + suffix).toString('latin1'))
      .join('\n');
  }
  const {
    rows: [current],
  } = await sql<{ s: string }>`select current_schema() as s`.execute(db.kysely);
  const { rows: tables } = await sql<{ schema: string; name: string }>`
    select table_schema as schema, table_name as name from information_schema.tables
    where table_schema in (${current!.s}, ${`${current!.s}_pgboss`}) and table_type = 'BASE TABLE'`.execute(
    db.kysely,
  );
  const parts: string[] = [];
  for (const t of tables) {
    const { rows } = await sql<{
      j: string;
    }>`select row_to_json(x)::text as j from ${sql.table(`${t.schema}.${t.name}`)} x`.execute(db.kysely);
    parts.push(...rows.map((r) => r.j));
  }
  return parts.join('\n');
}

/** What the CLI prints with --json for this workspace (exports a user might save to a file). */
async function cliExports(w: World): Promise<[string, string][]> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    BETON_DATA_DIR: w.t.config.dataDir,
    LOG_LEVEL: 'info',
  };
  if (postgresUrl()) {
    const { rows } = await sql<{ s: string }>`select current_schema() as s`.execute(w.t.rt.db.kysely);
    const url = postgresUrl()!;
    env.DATABASE_URL = `${url}${url.includes('?') ? '&' : '?'}options=-c%20search_path%3D${rows[0]!.s}`;
  }
  const commands = [
    ['integrations', 'list'],
    ['runs'],
    ['push', 'runs'],
    ['enrich', 'runs'],
    ['apikey', 'list'],
  ];
  return Promise.all(
    commands.map(async (args): Promise<[string, string]> => {
      const full = [...args, '--json', '--workspace', w.t.workspaceId];
      try {
        const { stdout, stderr } = await run(process.execPath, [...cli, ...full], {
          cwd: root,
          env,
        });
        return [`cli ${args.join(' ')}`, stdout + stderr];
      } catch (error) {
        const e = error as { stdout?: string; stderr?: string; message: string };
        throw new Error(`beton ${full.join(' ')} failed: ${e.stderr ?? e.message}`);
      }
    }),
  );
}
