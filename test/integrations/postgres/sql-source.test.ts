import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdFor } from '../../../src/accounts/index.js';
import { fixedClock } from '../../../src/core/index.js';
import { createLogger } from '../../../src/core/logger.js';
import { createIntegrationClient } from '../../../src/integrations/index.js';
import postgres, { type SqlSourceClient } from '../../../src/integrations/postgres/index.js';
import { runScore } from '../../../src/scoring/index.js';
import { executeRun, startSync } from '../../../src/sync/index.js';
import { createTestRuntime, type TestRuntime } from '../../support/index.js';
import { createSourceSchema, type SourceSchema, sourceUrl } from './support.js';

/**
 * Issue 18: the SQL source against the CI Postgres, in a schema of its own. Every refused query is
 * refused at connect with a reason and stores nothing; a good one syncs usage by day with a
 * lookback, and an account fed only by this source gets signals and a score.
 */
const NOW = new Date('2025-06-15T12:00:00.000Z');
const clock = fixedClock(NOW);
const dayAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000).toISOString().slice(0, 10);

let t: TestRuntime;
let src: SourceSchema;

const usageQuery = () => `
  -- one row per account, day and event; $1 is the first day Beton reads
  select account as account_key, (at at time zone 'UTC')::date as day, name as event, count(*) as count
  from ${src.name}.events
  where at >= $1::date
  group by 1, 2, 3;`;
const accountsQuery = () => `select key as account_key, domain, label as name from ${src.name}.accounts`;
const peopleQuery = () =>
  `select email, account as account_key, full_name as name, title from ${src.name}.people`;

const connect = (settings: Record<string, unknown>, credentials = { connectionString: sourceUrl() }) =>
  t.request('PUT', '/api/v1/integrations/postgres', { key: t.keys.admin, body: { credentials, settings } });

const usageRecords = async () => {
  const rows = await t.rt.db.kysely
    .selectFrom('records')
    .select(['external_id', 'payload_json'])
    .where('workspace_id', '=', t.workspaceId)
    .where('integration', '=', 'postgres')
    .where('stream', '=', 'usage_daily')
    .where('deleted_at', 'is', null)
    .execute();
  return new Map(rows.map((r) => [r.external_id, Number(JSON.parse(r.payload_json).count)]));
};

/** The same aggregation straight from the source, keyed as Beton keys usage records. */
const directUsage = async () => {
  const { rows } = await src.exec(
    `select account, to_char((at at time zone 'UTC')::date, 'YYYY-MM-DD') as day, name, count(*)::int as n
     from ${src.name}.events group by 1, 2, 3`,
  );
  return new Map(rows.map((r) => [`${r.account}|${r.day}|${r.name}`, r.n as number]));
};

const sync = async (opts: { full?: boolean; streams?: string[] } = {}) => {
  const run = await startSync(t.rt, t.workspaceId, 'postgres', { trigger: 'manual', ...opts });
  return executeRun(t.rt, t.workspaceId, run.id);
};

beforeAll(async () => {
  src = await createSourceSchema();
  const s = src.name;
  await src.exec(
    `create table ${s}.events (account text not null, at timestamptz not null, name text not null)`,
  );
  await src.exec(`create table ${s}.accounts (key text primary key, domain text, label text)`);
  await src.exec(`create table ${s}.people (email text, account text, full_name text, title text)`);
  // acme.io spikes in the last week, globex.com drops, initech (keyed k-initech) is steady.
  const series = (account: string, recent: number, before: number) =>
    src.exec(
      `insert into ${s}.events (account, at, name)
       select $1, $2::timestamptz - d * interval '1 day' + i * interval '1 second', 'Report Exported'
       from generate_series(1, 50) d, generate_series(1, greatest($3::int, $4::int)) i
       where i <= case when d <= 7 then $3::int else $4::int end`,
      [account, NOW.toISOString(), recent, before],
    );
  await series('acme.io', 40, 10);
  await series('globex.com', 2, 30);
  await series('k-initech', 15, 15);
  await src.exec(
    `insert into ${s}.accounts values ('acme.io', 'acme.io', 'Acme'), ('globex.com', 'https://www.globex.com', 'Globex'), ('k-initech', 'initech.com', 'Initech')`,
  );
  await src.exec(`insert into ${s}.people values ('Ada@Acme.io', 'acme.io', 'Ada Lovelace', 'CTO')`);
  // The source listens on 127.0.0.1: allowed here as on a self-hosted install's own network.
  t = await createTestRuntime({ clock, env: { BETON_ALLOW_PRIVATE_HOSTS: 'true' } });
}, 60_000);
afterAll(async () => {
  await t?.close();
  await src?.drop();
});

describe('refused at connect: a clear reason, nothing stored', () => {
  const refused = async (settings: Record<string, unknown>, status: number, why: RegExp) => {
    const res = await connect({ usageQuery: usageQuery(), ...settings });
    expect(res.status, res.text).toBe(status);
    expect(res.json.error.message).toMatch(why);
    const view = await t.request('GET', '/api/v1/integrations/postgres', { key: t.keys.viewer });
    expect(view.json.integration.status).toBe('not_connected');
    expect((await usageRecords()).size).toBe(0);
    return res.json.error;
  };

  it('a bad query: the database says what is wrong', async () => {
    const error = await refused(
      { usageQuery: `select * from ${'no_such_schema'}.events where day >= $1` },
      400,
      /usage query failed in Postgres: relation "no_such_schema.events" does not exist/,
    );
    expect(error.code).toBe('invalid_settings');
    await refused({ usageQuery: 'select account_key, day from where $1' }, 400, /syntax error/);
  });

  it('a statement that is not a SELECT, or hides a second one', async () => {
    await refused(
      { usageQuery: `delete from ${src.name}.events where at < $1` },
      400,
      /must be a SELECT.*"DELETE"/,
    );
    await refused(
      { usageQuery: `select 1 where $1 is not null; drop table ${src.name}.events` },
      400,
      /more than one statement/,
    );
    await refused(
      { accountsQuery: `update ${src.name}.accounts set label = 'x'` },
      400,
      /accounts query must be a SELECT/,
    );
  });

  it('a write hidden in a WITH or a function is refused by Postgres, and the source is untouched', async () => {
    const count = async () => (await src.exec(`select count(*)::int as n from ${src.name}.events`)).rows[0].n;
    const before = await count();
    await refused(
      {
        usageQuery: `with gone as (delete from ${src.name}.events returning 1)
          select 'a' as account_key, $1::date as day, 'e' as event, count(*) as count from gone`,
      },
      400,
      /must be at the top level|read-only transaction/,
    );
    // A SELECT calling a function that writes: only the READ ONLY transaction stops this one.
    await src.exec(
      `create function ${src.name}.wipe() returns bigint language plpgsql as $$ begin delete from ${src.name}.events; return 0; end $$`,
    );
    await refused(
      {
        usageQuery: `select 'a' as account_key, $1::date as day, 'e' as event, ${src.name}.wipe() as count`,
      },
      400,
      /tried to write \(cannot execute DELETE in a read-only transaction\); Beton runs it in a read-only transaction/,
    );
    expect(await count()).toBe(before);
  });

  it('a slow query is stopped by the statement timeout', async () => {
    await refused(
      {
        usageQuery: `select 'acme.io' as account_key, $1::date as day, 'e' as event, 1 as count from pg_sleep(5)`,
        statementTimeoutSeconds: 1,
      },
      400,
      /ran longer than the 1 s statement timeout/,
    );
  });

  it('wrong columns, or a column of the wrong type, are named with the fix', async () => {
    await refused(
      {
        usageQuery: `select account as acct, (at at time zone 'UTC')::date as day, name as event, count(*) as n
          from ${src.name}.events where at >= $1::date group by 1, 2, 3`,
      },
      400,
      /must return the columns account_key, day, event, count; it returns acct, day, event, n \(missing account_key, count\)/,
    );
    await refused(
      {
        usageQuery: `select account as account_key, (at at time zone 'UTC')::date as day, name as event, 'many' as count
          from ${src.name}.events where at >= $1::date`,
      },
      400,
      /column count has type .*; it must be a number/,
    );
  });

  it('a row the first rows show cannot be used: refused with the row and the reason', async () => {
    await refused(
      { usageQuery: `select 'acme.io' as account_key, $1::date as day, 'e' as event, 2.5 as count` },
      400,
      /usage query's row 1 cannot be used: count is not a whole number/,
    );
  });

  it('a usage query that ignores $1 would re-read everything: refused', async () => {
    await refused(
      {
        usageQuery: `select account as account_key, at::date as day, name as event, 1 as count from ${src.name}.events`,
      },
      400,
      /must use \$1, the first day to read/,
    );
  });

  it('a database host on a private network is refused unless allowed, before any connection', async () => {
    const target = {
      workspaceId: t.workspaceId,
      connectionId: 'c-ssrf',
      credentials: { connectionString: sourceUrl() },
      settings: { usageQuery: usageQuery() },
    };
    const env = { logger: createLogger({ level: 'silent' }), clock, allowPrivateHosts: false };
    const guarded = createIntegrationClient(postgres, target, env).client as SqlSourceClient;
    await expect(postgres.validate(guarded)).rejects.toMatchObject({
      code: 'unsafe_url',
      message: expect.stringContaining('127.0.0.1 points to a private or reserved address'),
    });
    // A name is resolved and every address checked; the connection then goes to the address checked.
    const byName = createIntegrationClient(
      postgres,
      { ...target, credentials: { connectionString: sourceUrl().replace('127.0.0.1', 'localhost') } },
      env,
    ).client as SqlSourceClient;
    await expect(postgres.validate(byName)).rejects.toMatchObject({
      code: 'unsafe_url',
      message: expect.stringContaining('localhost points to a private or reserved address'),
    });
    const open = createIntegrationClient(
      postgres,
      { ...target, credentials: { connectionString: sourceUrl().replace('127.0.0.1', 'localhost') } },
      { ...env, allowPrivateHosts: true },
    ).client as SqlSourceClient;
    await expect(postgres.validate(open)).resolves.toMatchObject({
      accountLabel: expect.stringContaining('@localhost:'),
    });
    // The server-side grant of exactly this origin (as the demo grants its simulators) lets it through.
    const port = new URL(sourceUrl()).port || '5432';
    const granted = createIntegrationClient(postgres, target, {
      ...env,
      privateOrigins: [`postgres://127.0.0.1:${port}`],
    }).client as SqlSourceClient;
    await expect(postgres.validate(granted)).resolves.toMatchObject({
      accountLabel: expect.stringContaining('@'),
    });
  });
});

describe('a good query', () => {
  it('connects with the first rows previewed, and the password never shown', async () => {
    const res = await connect({
      usageQuery: usageQuery(),
      accountsQuery: accountsQuery(),
      peopleQuery: peopleQuery(),
    });
    expect(res.status, res.text).toBe(200);
    const detail = res.json.integration;
    expect(detail.connection.accountLabel).toMatch(/^postgres@127\.0\.0\.1:\d+\/postgres$/);
    expect(detail.preview.map((p: { title: string }) => p.title)).toEqual([
      expect.stringMatching(/^The usage query: first 10 rows/),
      expect.stringMatching(/^The accounts query: first 3 rows/),
      expect.stringMatching(/^The people query: first 1 row$/),
    ]);
    expect(detail.preview[0].columns).toEqual(['account_key', 'day', 'event', 'count']);
    expect(detail.preview[0].rows[0]).toEqual([
      expect.any(String),
      expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      'Report Exported',
      expect.stringMatching(/^\d+$/),
    ]);
    expect(detail.connection.credentials.connectionString).toMatch(/^…/);
    const again = await t.request('GET', '/api/v1/integrations/postgres', { key: t.keys.viewer });
    expect(again.json.integration.preview).toBeUndefined();
    expect(again.text).not.toContain(sourceUrl());
  });

  it('never shows or logs the password of the connection string', async () => {
    // The CI database trusts local logins, so any password works: the point is where it goes.
    const password = 'pw-Sql-Source-7f3c91ad';
    const withPassword = sourceUrl().replace('postgres@', `postgres:${password}@`);
    const res = await connect({}, { connectionString: withPassword });
    expect(res.status, res.text).toBe(200);
    const refused = await connect({ usageQuery: 'select nope where $1' }, { connectionString: withPassword });
    expect(refused.status).toBe(400);
    const run = await sync({ streams: ['usage_daily'] });
    const reads = await Promise.all([
      t.request('GET', '/api/v1/integrations/postgres', { key: t.keys.admin }),
      t.request('GET', `/api/v1/sync-runs/${run.id}`, { key: t.keys.admin }),
      t.request('GET', '/api/v1/audit-log', { key: t.keys.owner }),
    ]);
    expect(reads.map((r) => r.status)).toEqual([200, 200, 200]);
    const answers = [res.text, refused.text, ...reads.map((r) => r.text)];
    for (const text of answers) expect(text).not.toContain(password);
    const stored = await t.rt.db.kysely
      .selectFrom('connections')
      .selectAll()
      .where('workspace_id', '=', t.workspaceId)
      .where('integration', '=', 'postgres')
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(password);
  });

  it('syncs the same usage a direct aggregation gives, with accounts and people', async () => {
    const run = await sync();
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    expect(Object.fromEntries(await usageRecords())).toEqual(Object.fromEntries(await directUsage()));
    expect(run.streams.accounts?.written).toBe(3);
    expect(run.streams.people?.written).toBe(1);
  });

  it('reads incrementally by day: late rows inside the lookback land, older ones wait for a full pass', async () => {
    const late = (daysAgo: number) =>
      src.exec(
        `insert into ${src.name}.events (account, at, name)
         select 'acme.io', $1::timestamptz - $2::int * interval '1 day' + interval '1 hour', 'Report Exported'
         from generate_series(1, 5)`,
        [NOW.toISOString(), daysAgo],
      );
    const key = (daysAgo: number) => `acme.io|${dayAgo(daysAgo)}|Report Exported`;
    const before = await usageRecords();
    await late(2); // inside the 3-day lookback
    await late(10); // before it
    const run = await sync({ streams: ['usage_daily'] });
    expect(run.status).toBe('succeeded');
    const after = await usageRecords();
    expect(after.get(key(2))).toBe(before.get(key(2))! + 5);
    expect(after.get(key(10))).toBe(before.get(key(10)));
    // Only the lookback's days were read again: four of acme's, globex's and initech's days.
    expect(run.streams.usage_daily?.read).toBe(3 * 3);
    const full = await sync({ streams: ['usage_daily'], full: true });
    expect(full.status).toBe('succeeded');
    expect((await usageRecords()).get(key(10))).toBe(before.get(key(10))! + 5);
    expect(Object.fromEntries(await usageRecords())).toEqual(Object.fromEntries(await directUsage()));
  });

  it('gives accounts fed only by this source usage, signals and a score', async () => {
    await runScore(t.rt.db.kysely, t.workspaceId, { clock, trigger: 'test' });
    const account = async (domain: string) =>
      (
        await t.request('GET', `/api/v1/accounts/${accountIdFor(t.workspaceId, domain)}`, {
          key: t.keys.viewer,
        })
      ).json;
    const acme = await account('acme.io');
    expect(acme.signals.map((s: { key: string }) => s.key)).toContain('usage_spike');
    expect(acme.scores).toBeTruthy();
    expect(acme.links.map((l: { stream: string }) => l.stream)).toEqual(
      expect.arrayContaining(['accounts', 'people']),
    );
    const globex = await account('globex.com');
    expect(globex.signals.map((s: { key: string }) => s.key)).toContain('usage_drop');
    // initech's usage is keyed k-initech: the accounts query maps the key to its domain.
    const initech = await account('initech.com');
    expect(initech.account.name).toBe('Initech');
    expect(initech.scores).toBeTruthy();
  }, 60_000);

  it('a run over the row cap fails with the reason and stores nothing', async () => {
    const capped = await connect({ rowCap: 5 });
    expect(capped.status, capped.text).toBe(200);
    const before = await usageRecords();
    await src.exec(
      `insert into ${src.name}.events (account, at, name) values ('acme.io', $1::timestamptz - interval '1 day', 'Invited Teammate')`,
      [NOW.toISOString()],
    );
    const run = await sync({ streams: ['usage_daily'] });
    expect(run.status).toBe('failed');
    expect(run.error?.message).toMatch(/returned more than 5 rows, the row cap: nothing was stored/);
    expect(Object.fromEntries(await usageRecords())).toEqual(Object.fromEntries(before));
    expect((await connect({ rowCap: null })).status).toBe(200);
  });

  it('a query the source later breaks fails the run with the reason, storing nothing', async () => {
    await src.exec(`alter table ${src.name}.events rename column name to event_name`);
    try {
      const before = await usageRecords();
      const run = await sync({ streams: ['usage_daily'] });
      expect(run.status).toBe('failed');
      expect(run.error?.message).toMatch(/usage query failed in Postgres: column "name" does not exist/);
      expect(Object.fromEntries(await usageRecords())).toEqual(Object.fromEntries(before));
    } finally {
      await src.exec(`alter table ${src.name}.events rename column event_name to name`);
    }
  });
});
