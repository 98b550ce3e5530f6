import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createIntegrationClient } from '../../../src/integrations/index.js';
import posthog, {
  type PostHogClient,
  posthogBaseUrl,
  type SurveyResponseRecord,
  type UsageDailyRecord,
} from '../../../src/integrations/posthog/index.js';
import {
  type PostHogSimulator,
  startPostHogSimulator,
} from '../../../src/integrations/posthog/simulator/index.js';
import { generateDataset } from '../../../src/simulators/dataset/index.js';
import { allRecords, executeRun, readStreamState, startSync } from '../../../src/sync/index.js';
import { createSyncTestbed, type SyncTestbed } from '../../support/testkit-integration/testbed.js';

const dataset = generateDataset({ seed: 'posthog-integration', companies: 150 });
let sim: PostHogSimulator;
let bed: SyncTestbed;
let connectionId: string;

beforeAll(async () => {
  sim = await startPostHogSimulator({ dataset });
  bed = await createSyncTestbed({ integrations: [posthog] });
  connectionId = await bed.connectWith(
    'posthog',
    { apiKey: sim.apiKey },
    { baseUrl: sim.url, projectId: sim.projectId },
  );
});
afterAll(async () => {
  await bed.close();
  await sim.close();
});
beforeEach(() => {
  sim.server.setKnobs({ repeatNext: false, errorRate: 0 });
});

const sync = async (streams?: string[], full = false) => {
  const run = await startSync(bed.deps, bed.workspaceId, 'posthog', {
    trigger: 'manual',
    ...(streams ? { streams } : {}),
    ...(full ? { full: true } : {}),
  });
  return executeRun(bed.deps, bed.workspaceId, run.id);
};
const stored = <T>(stream: string) =>
  allRecords<T>(bed.deps.db.kysely, bed.workspaceId, { integration: 'posthog', stream });

/** The dataset's usage_daily rows, keyed as the stream keys them. */
function expectedUsage(): Map<string, UsageDailyRecord> {
  const out = new Map<string, UsageDailyRecord>();
  for (const c of dataset.companies) {
    for (let d = 0; d < dataset.historyDays; d++) {
      for (const row of dataset.usage.daily(c.index, d)) {
        out.set(`${row.groupKey}|${row.day}|${row.event}`, {
          group_key: row.groupKey,
          day: row.day,
          event: row.event,
          count: row.count,
          persons: row.persons,
        });
      }
    }
  }
  return out;
}

describe('PostHog integration', () => {
  it('refuses a project key before calling PostHog, and a wrong personal key at validation', async () => {
    await expect(
      bed.connectWith('posthog', { apiKey: sim.projectApiKey }, { baseUrl: sim.url }),
    ).rejects.toMatchObject({
      status: 400,
    });
    const before = sim.server.counters.total;
    await expect(
      bed.connectWith('posthog', { apiKey: sim.projectApiKey }, { baseUrl: sim.url }),
    ).rejects.toThrow(/project API key \(phc_/);
    expect(sim.server.counters.total).toBe(before);
    await expect(
      bed.connectWith(
        'posthog',
        { apiKey: 'phx_wrong_key_but_well_formed_000' },
        { baseUrl: sim.url, projectId: sim.projectId },
      ),
    ).rejects.toMatchObject({ code: 'invalid_credentials' });
  });

  it('asks for a project when the key sees several, and uses the region host when no baseUrl is set', async () => {
    const bare = createIntegrationClient(
      posthog,
      {
        workspaceId: 'w',
        connectionId: 'c',
        credentials: { apiKey: sim.apiKey },
        settings: { baseUrl: sim.url },
      },
      { logger: bed.deps.logger, clock: bed.deps.clock, allowPrivateHosts: true },
    ).client as PostHogClient;
    await expect(posthog.validate(bare)).rejects.toMatchObject({ code: 'project_required' });
    expect(posthogBaseUrl({ region: 'eu' })).toBe('https://eu.posthog.com');
    expect(posthogBaseUrl({})).toBe('https://us.posthog.com');
    expect(posthogBaseUrl({ region: 'eu', baseUrl: 'https://ph.example.com' })).toBe(
      'https://ph.example.com',
    );
    const eu = createIntegrationClient(
      posthog,
      {
        workspaceId: 'w',
        connectionId: 'c',
        credentials: { apiKey: sim.apiKey },
        settings: { region: 'eu' },
      },
      { logger: bed.deps.logger, clock: bed.deps.clock, allowPrivateHosts: true },
    ).client as PostHogClient;
    expect(eu.http.baseUrl.origin).toBe('https://eu.posthog.com');
  });

  it('syncs every stream in full: groups, persons, event names, NPS answers and daily usage equal the dataset', async () => {
    const run = await sync();
    expect(run.status).toBe('succeeded');
    expect((await stored('group_types')).map((r) => r.externalId)).toEqual(['0']);
    const groups = await stored<{ group_key: string }>('groups');
    expect(groups).toHaveLength(dataset.companies.length);
    expect(groups.map((g) => g.externalId)).toContain(`0:${dataset.companies[0]!.domain}`);
    expect(await stored('persons')).toHaveLength(dataset.people.length);
    expect((await stored('event_definitions')).map((r) => r.externalId)).toContain('$pageview');

    const usage = await stored<UsageDailyRecord>('usage_daily');
    const expected = expectedUsage();
    expect(usage).toHaveLength(expected.size);
    for (const record of usage.slice(0, 2_000))
      expect(record.payload).toEqual(expected.get(record.externalId));
    expect(usage.some((r) => r.payload.event === '$pageview:/pricing')).toBe(true);

    const answers = await stored<SurveyResponseRecord>('survey_responses');
    expect(answers).toHaveLength(dataset.nps.length);
    const sample = dataset.nps[0]!;
    const person = dataset.people.find((p) => p.id === sample.personId)!;
    expect(answers.find((a) => a.externalId === sample.uuid)!.payload).toMatchObject({
      score: sample.score,
      person_email: person.email,
      survey_id: sample.surveyId,
      group_key: dataset.companyById.get(sample.companyId)!.domain,
    });
    // Aggregated inside PostHog: a handful of query calls, not one per company or day.
    expect(sim.server.counters.byRoute['POST /api/projects/:projectId/query/']).toBeLessThan(30);
  });

  it('re-reads the last two days on the next run and picks up late events', async () => {
    const state = await readStreamState(bed.deps.db.kysely, {
      workspaceId: bed.workspaceId,
      connectionId,
      integration: 'posthog',
      stream: 'usage_daily',
    });
    const cursor = JSON.parse(state!.state_json!) as { next: string };
    const today = new Date().toISOString().slice(0, 10);
    expect(cursor.next).toBe(today);

    const yesterday = dataset.usage.days.at(-1)!;
    const domain = dataset.companies[3]!.domain;
    const key = `${domain}|${yesterday}|feature_used`;
    const before =
      (await stored<UsageDailyRecord>('usage_daily')).find((r) => r.externalId === key)?.payload.count ?? 0;
    sim.ingestLate([{ groupKey: domain, event: 'feature_used', at: `${yesterday}T23:30:00Z`, count: 7 }]);
    const queriesBefore = sim.stats.executed;
    const run = await sync(['usage_daily']);
    expect(run.status).toBe('succeeded');
    expect(run.streams.usage_daily).toMatchObject({ written: 1 });
    expect(sim.stats.executed - queriesBefore).toBe(1);
    const after = (await stored<UsageDailyRecord>('usage_daily')).find((r) => r.externalId === key)!.payload
      .count;
    expect(after).toBe(before + 7);
    const sent = sim.recentQueries.at(-1)!;
    expect(sent.values.from).toBe(`${addDays(today, -2)} 00:00:00`);
  });

  it('sends event names as placeholder values: an injection attempt matches nothing and never enters the text', async () => {
    const evil = "x') OR 1=1 --";
    const client = createIntegrationClient(
      posthog,
      {
        workspaceId: 'w',
        connectionId: 'c',
        credentials: { apiKey: sim.apiKey },
        settings: { baseUrl: sim.url, projectId: sim.projectId, usageEvents: [evil], backfillDays: 3 },
      },
      { logger: bed.deps.logger, clock: bed.deps.clock, allowPrivateHosts: true },
    ).client as PostHogClient;
    const ctx = {
      signal: new AbortController().signal,
      logger: bed.deps.logger,
      clock: bed.deps.clock,
      full: true,
      lastSuccessAt: null,
      connectionId: 'c',
      workspaceId: 'w',
      settings: {},
    };
    let rows = 0;
    for await (const page of posthog.streams.usage_daily.read(client, null, ctx)) rows += page.records.length;
    expect(rows).toBe(0);
    const sent = sim.recentQueries.at(-1)!;
    expect(sent.query).not.toContain(evil);
    expect(sent.query).toContain('event IN {events}');
    expect(sent.values.events).toEqual([evil]);
  });

  it('stops on a next link that repeats instead of looping, keeping what it committed', async () => {
    sim.server.setKnobs({ repeatNext: true });
    const run = await sync(['persons']);
    expect(run.status).toBe('failed');
    expect(run.error?.message).toMatch(/already followed|same position/);
    expect(await stored('persons')).toHaveLength(dataset.people.length);
  });

  it('waits out a 429 (the wait read from the detail) and then succeeds', async () => {
    sim.throttleNext(1, 1);
    const started = Date.now();
    const run = await sync(['group_types']);
    expect(run.status).toBe('succeeded');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(sim.server.counters.rateLimited).toBeGreaterThanOrEqual(1);
  });

  it('retries through 5xx answers, and fails with a clear error when they do not stop', async () => {
    sim.server.setKnobs({ errorRate: 0.3, faultSeed: 3 });
    expect((await sync(['groups'])).status).toBe('succeeded');
    sim.server.setKnobs({ errorRate: 1 });
    const run = await sync(['groups']);
    expect(run.status).toBe('failed');
    expect(run.error?.message).toMatch(/posthog/i);
  });

  it("fails a run with the service's reason when the key loses a scope", async () => {
    const other = await startPostHogSimulator({ dataset, apiKey: 'phx_rotated_key_aaaaaaaaaaaaaaaa' });
    try {
      const bed2 = await createSyncTestbed({ integrations: [posthog] });
      await bed2.connectWith(
        'posthog',
        { apiKey: 'phx_rotated_key_aaaaaaaaaaaaaaaa' },
        { baseUrl: other.url, projectId: other.projectId },
      );
      other.addKey('phx_rotated_key_aaaaaaaaaaaaaaaa', []);
      const run = await startSync(bed2.deps, bed2.workspaceId, 'posthog', {
        trigger: 'manual',
        streams: ['groups'],
      });
      const done = await executeRun(bed2.deps, bed2.workspaceId, run.id);
      expect(done.status).toBe('failed');
      expect(done.error?.message).toMatch(/403|permission|scope/i);
      await bed2.close();
    } finally {
      await other.close();
    }
  });
});

function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}
