import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld, type World } from '../security/support/world.js';
import type { AnyJson } from '../support/index.js';
import { call, httpClient, READ_TOOLS, stdioClient, textOf, WRITE_TOOLS } from './support.js';

/**
 * Beton's MCP server on a workspace that has been through the whole pipeline (simulators synced,
 * scored, enriched, pushed to Attio): every tool answers what the HTTP API answers for the same
 * question, over Streamable HTTP and over stdio (`beton mcp`), within the caller's role and
 * workspace, with every call audited and no secret in any answer.
 */

let world: World;
let t: World['t'];
const clients: Client[] = [];
/** Every tool answer received, for the secrets scan. */
const answers: string[] = [];

const client = async (key: string) => {
  const c = await httpClient(t, key);
  clients.push(c);
  return c;
};
const tool = async (c: Client, name: string, args: Record<string, unknown> = {}) => {
  const res = await call(c, name, args);
  answers.push(JSON.stringify(res));
  return res;
};
const api = async (method: string, path: string, body?: unknown): Promise<AnyJson> => {
  const res = await t.request(method, path, { key: t.keys.owner, ...(body !== undefined ? { body } : {}) });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
  return res.json;
};
/** The same JSON as the API serializes it (undefined fields dropped). */
const plain = (value: unknown) => JSON.parse(JSON.stringify(value));

beforeAll(async () => {
  world = await buildWorld({ companies: 12, env: { BETON_MCP_WRITES: 'true' } });
  t = world.t;
  // The world connects every CRM: the push tools' default is the destination the workspace chose.
  const chosen = await t.request('PUT', '/api/v1/providers/destination', {
    key: t.keys.admin,
    body: { integration: 'attio' },
  });
  expect(chosen.status).toBe(200);
}, 240_000);
afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await world?.close();
});

describe('tools over Streamable HTTP', () => {
  it('lists every tool with a JSON Schema input when writes are on', async () => {
    const c = await client(t.keys.viewer);
    const { tools } = await c.listTools();
    expect(tools.map((x) => x.name).sort()).toEqual([...READ_TOOLS, ...WRITE_TOOLS].sort());
    for (const x of tools) {
      expect(x.inputSchema.type).toBe('object');
      expect(x.description?.length).toBeGreaterThan(40);
      expect(x.annotations?.readOnlyHint).toBe(!WRITE_TOOLS.includes(x.name));
    }
    const byName = new Map(tools.map((x) => [x.name, x]));
    const search = byName.get('search_accounts')!.inputSchema as AnyJson;
    expect(Object.keys(search.properties)).toEqual(
      expect.arrayContaining([
        'segment',
        'grade',
        'scoreField',
        'minScore',
        'minExpansion',
        'billing',
        'signal',
        'q',
        'sort',
        'limit',
        'cursor',
      ]),
    );
    expect(search.additionalProperties).toBe(false);
    expect((byName.get('get_account')!.inputSchema as AnyJson).required).toEqual(['account']);
    expect((byName.get('list_signal_occurrences')!.inputSchema as AnyJson).properties.direction.enum).toEqual(
      ['expansion', 'churn', 'timing'],
    );
    expect((byName.get('preview_push_plan')!.inputSchema as AnyJson).properties.destination.enum).toContain(
      'attio',
    );
  });

  it('search_accounts answers the accounts list of GET /accounts, filters and pages included', async () => {
    const c = await client(t.keys.viewer);
    for (const query of [
      { sort: '-expansion', limit: 5 },
      { grade: 'M100,M75,M50', sort: 'name', limit: 50 },
      { q: 'a', scoreField: 'churnRisk', minScore: 10, limit: 50 },
    ]) {
      const res = await tool(c, 'search_accounts', query);
      expect(res.isError).toBeFalsy();
      const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
      const http = await api('GET', `/api/v1/accounts?${qs}`);
      const strip = (items: AnyJson[]) => items.map(({ trend: _trend, ...rest }) => rest);
      expect(res.structuredContent.items).toEqual(strip(http.items));
      expect(res.structuredContent.nextCursor).toEqual(http.nextCursor);
      for (const a of http.items) {
        expect(textOf(res)).toContain(a.domain);
        if (a.owner) expect(textOf(res)).toContain(`owner ${a.owner.name ?? a.owner.email}`);
      }
    }
    const first = await tool(c, 'search_accounts', { sort: '-score', limit: 2 });
    const next = await tool(c, 'search_accounts', {
      sort: '-score',
      limit: 2,
      cursor: first.structuredContent.nextCursor,
    });
    const http = await api('GET', '/api/v1/accounts?sort=-score&limit=4');
    expect(
      [...first.structuredContent.items, ...next.structuredContent.items].map((a: AnyJson) => a.id),
    ).toEqual(http.items.map((a: AnyJson) => a.id));
    expect(textOf(first)).toContain(first.structuredContent.nextCursor);
  });

  it('search_accounts takes a saved segment (name or id) ANDed with the filters, as GET /accounts?segment= does; list_segments names them', async () => {
    const c = await client(t.keys.viewer);
    const saved = await api('POST', '/api/v1/segments', {
      name: 'MCP top grades',
      description: 'M100 and M75',
      filter: { grade: 'M100,M75' },
    });
    const segments = await tool(c, 'list_segments');
    const http = await api('GET', '/api/v1/segments');
    expect(plain(segments.structuredContent.items)).toEqual(http.items);
    expect(textOf(segments)).toContain(`MCP top grades: ${saved.memberCount} accounts`);
    expect(textOf(segments)).toContain('grade M100,M75');
    expect(textOf(segments)).toContain(saved.id);

    const strip = (items: AnyJson[]) => items.map(({ trend: _trend, ...rest }) => rest);
    for (const [segment, extra] of [
      ['MCP top grades', { sort: '-expansion', limit: 50 }],
      [saved.id, { minChurnRisk: 1, limit: 50 }],
    ] as const) {
      const res = await tool(c, 'search_accounts', { segment, ...extra });
      expect(res.isError, textOf(res)).toBeFalsy();
      const qs = new URLSearchParams(Object.entries({ segment, ...extra }).map(([k, v]) => [k, String(v)]));
      const api_ = await api('GET', `/api/v1/accounts?${qs}`);
      expect(res.structuredContent.items).toEqual(strip(api_.items));
      expect(res.structuredContent.items.every((a: AnyJson) => ['M100', 'M75'].includes(a.grade))).toBe(true);
      expect(textOf(res)).toContain('in segment "MCP top grades"');
    }
    const all = await tool(c, 'search_accounts', { limit: 200 });
    const inSegment = await tool(c, 'search_accounts', { segment: saved.id, limit: 200 });
    expect(inSegment.structuredContent.items.length).toBe(saved.memberCount);
    expect(inSegment.structuredContent.items.length).toBeLessThan(all.structuredContent.items.length);

    const missing = await tool(c, 'search_accounts', { segment: 'No such segment' });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toBe(
      'Segment "No such segment" was not found in this workspace; list_segments names the saved segments.',
    );
  });

  it('get_account answers GET /accounts/:id, by id or by domain, and its text explains the score', async () => {
    const c = await client(t.keys.viewer);
    const { items } = await api('GET', '/api/v1/accounts?sort=-score&limit=3');
    let peopleSeen = 0;
    let ownersSeen = 0;
    for (const a of items) {
      const http = await api('GET', `/api/v1/accounts/${a.id}?historyDays=30`);
      const people = await api('GET', `/api/v1/accounts/${a.id}/people`);
      const byId = await tool(c, 'get_account', { account: a.id });
      const { people: mcpPeople, ...detail } = plain(byId.structuredContent);
      expect(detail).toEqual(http);
      expect(mcpPeople).toEqual(people.items);
      const byDomain = await tool(c, 'get_account', { account: `https://www.${a.domain.toUpperCase()}/` });
      expect(byDomain.structuredContent.account.id).toBe(a.id);
      const text = textOf(byId);
      expect(text).toContain(`# ${http.account.name} (${http.account.domain})`);
      expect(text).toContain(`Grade ${http.scores.grade}`);
      if (http.account.owner) expect(text).toContain(`Owner: ${http.account.owner.name ?? ''}`);
      ownersSeen += http.account.owner ? 1 : 0;
      expect(text).toContain(http.scores.explanation.summary);
      for (const d of http.scores.explanation.expansion.drivers) expect(text).toContain(d.title);
      for (const s of http.signals.slice(0, 10)) expect(text).toContain(s.explanation);
      for (const l of http.links) expect(text).toContain(`- ${l.integration}: `);
      expect(text).toContain(`## People (${people.items.length})`);
      for (const p of people.items.slice(0, 15)) expect(text).toContain(p.name ?? p.email ?? p.key);
      peopleSeen += people.items.length;
    }
    expect(peopleSeen).toBeGreaterThan(0);
    expect(ownersSeen).toBeGreaterThan(0);
  });

  it('list_signal_occurrences answers GET /signals/occurrences, and filters by direction and window', async () => {
    const c = await client(t.keys.viewer);
    const catalogue = await api('GET', '/api/v1/signals');
    const fired = catalogue.signals.filter((s: AnyJson) => s.counts.occurrences > 0);
    expect(fired.length).toBeGreaterThan(0);
    const key = fired[0].key;
    const res = await tool(c, 'list_signal_occurrences', { signal: key, limit: 200 });
    const http = await api('GET', `/api/v1/signals/occurrences?signal=${encodeURIComponent(key)}&limit=200`);
    expect(res.structuredContent.items.map((o: AnyJson) => o.id)).toEqual(
      http.items.map((o: AnyJson) => o.id),
    );
    expect(res.structuredContent.items.map((o: AnyJson) => o.account)).toEqual(
      http.items.map((o: AnyJson) => o.account),
    );

    const all = await api('GET', '/api/v1/signals/occurrences?limit=500');
    const directionOf = new Map(catalogue.signals.map((s: AnyJson) => [s.key, s.direction]));
    for (const direction of ['expansion', 'churn'] as const) {
      const byDirection = await tool(c, 'list_signal_occurrences', { direction, limit: 200 });
      const expected = all.items.filter((o: AnyJson) => directionOf.get(o.key) === direction).slice(0, 200);
      expect(byDirection.structuredContent.items.map((o: AnyJson) => o.id)).toEqual(
        expected.map((o: AnyJson) => o.id),
      );
    }
    // A window in the middle of the history: since inclusive, until exclusive.
    const times = all.items.map((o: AnyJson) => o.occurredAt).sort();
    const since = times[Math.floor(times.length / 4)];
    const until = times[Math.floor((times.length * 3) / 4)];
    const windowed = await tool(c, 'list_signal_occurrences', { since, until, limit: 200 });
    const inWindow = all.items.filter((o: AnyJson) => o.occurredAt >= since && o.occurredAt < until);
    expect(inWindow.length).toBeGreaterThan(0);
    expect(windowed.structuredContent.items.map((o: AnyJson) => o.id)).toEqual(
      inWindow.slice(0, 200).map((o: AnyJson) => o.id),
    );
    // A day is read as its start in UTC, as an assistant means "since 2026-01-31".
    const day = since.slice(0, 10);
    const byDay = await tool(c, 'list_signal_occurrences', { since: day, limit: 200 });
    expect(byDay.isError, textOf(byDay)).toBeFalsy();
    expect(byDay.structuredContent.items.map((o: AnyJson) => o.id)).toEqual(
      all.items
        .filter((o: AnyJson) => o.occurredAt >= `${day}T00:00:00.000Z`)
        .slice(0, 200)
        .map((o: AnyJson) => o.id),
    );
    // By account (id or domain): that account's occurrences only.
    const one = all.items[0];
    const byAccount = await tool(c, 'list_signal_occurrences', { account: one.account.domain, limit: 200 });
    expect(byAccount.structuredContent.items.map((o: AnyJson) => o.id)).toEqual(
      all.items.filter((o: AnyJson) => o.accountId === one.accountId).map((o: AnyJson) => o.id),
    );
  });

  it('top_movers lists the accounts whose grade changed since a day (per their history) and new churn signals', async () => {
    const c = await client(t.keys.viewer);
    const accounts = (await api('GET', '/api/v1/accounts?limit=200')).items;
    const details = await Promise.all(
      accounts.map((a: AnyJson) => api('GET', `/api/v1/accounts/${a.id}?historyDays=730`)),
    );
    // A day in the middle of the score history, so some grades changed after it.
    const days = [...new Set(details.flatMap((d: AnyJson) => d.history.map((h: AnyJson) => h.day)))].sort();
    const since =
      (days[Math.floor(days.length / 2)] as string | undefined) ?? new Date().toISOString().slice(0, 10);
    const res = await tool(c, 'top_movers', { since, limit: 100 });
    expect(res.isError).toBeFalsy();
    const expected = details
      .filter((d: AnyJson) => d.scores)
      .filter((d: AnyJson) => {
        const before = d.history.filter((h: AnyJson) => h.day < since).at(-1);
        return (before?.grade ?? null) !== d.scores.grade;
      })
      .map((d: AnyJson) => d.account.id)
      .sort();
    expect(res.structuredContent.gradeChanges.map((m: AnyJson) => m.accountId).sort()).toEqual(expected);
    for (const m of res.structuredContent.gradeChanges) {
      const d = details.find((x: AnyJson) => x.account.id === m.accountId);
      expect(m.toGrade).toBe(d.scores.grade);
      expect(textOf(res)).toContain(m.domain);
    }

    const catalogue = await api('GET', '/api/v1/signals');
    const churnKeys = new Set(
      catalogue.signals.filter((s: AnyJson) => s.direction === 'churn').map((s: AnyJson) => s.key),
    );
    const occurrences = await api(
      'GET',
      `/api/v1/signals/occurrences?since=${since}T00:00:00.000Z&limit=500`,
    );
    const churned = [
      ...new Set(
        occurrences.items.filter((o: AnyJson) => churnKeys.has(o.key)).map((o: AnyJson) => o.accountId),
      ),
    ].sort();
    expect(res.structuredContent.newChurnRisks.map((r: AnyJson) => r.accountId).sort()).toEqual(churned);
    expect(expected.length + churned.length).toBeGreaterThan(0);
  });

  it('list_signals answers the catalogue of GET /signals with each backtest', async () => {
    const c = await client(t.keys.viewer);
    const res = await tool(c, 'list_signals');
    const http = await api('GET', '/api/v1/signals');
    expect(res.structuredContent.computedAt).toBe(http.computedAt);
    expect(res.structuredContent.baseRates).toEqual(http.baseRates);
    const pick = (s: AnyJson) => ({
      key: s.key,
      enabled: s.enabled,
      precision: s.precision,
      lift: s.lift,
      medianLeadDays: s.medianLeadDays,
      support: s.support,
      backtest: s.backtest,
      counts: s.counts,
      params: s.params,
    });
    expect(res.structuredContent.signals.map(pick)).toEqual(http.signals.map(pick));
    for (const s of http.signals) expect(textOf(res)).toContain(s.key);
    const churn = await tool(c, 'list_signals', { direction: 'churn' });
    expect(churn.structuredContent.signals.map((s: AnyJson) => s.key)).toEqual(
      http.signals.filter((s: AnyJson) => s.direction === 'churn').map((s: AnyJson) => s.key),
    );
  });

  it('preview_push_plan answers the account line of POST /push/attio/plan, and needs the member role', async () => {
    const member = await client(t.keys.member);
    const http = await api('POST', '/api/v1/push/attio/plan', {
      full: true,
      actions: ['create', 'update', 'unchanged', 'reject'],
      itemLimit: 5000,
    });
    expect(http.plan.items.length).toBeGreaterThan(0);
    for (const item of http.plan.items.slice(0, 3)) {
      const res = await tool(member, 'preview_push_plan', { account: item.accountId });
      expect(res.isError, textOf(res)).toBeFalsy();
      expect(plain(res.structuredContent.item)).toEqual(item);
      expect(textOf(res)).toContain(`${item.action}`);
      for (const change of item.changes) expect(textOf(res)).toContain(change.attribute);
    }
    const viewer = await client(t.keys.viewer);
    const refused = await tool(viewer, 'preview_push_plan', { account: http.plan.items[0].accountId });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain('member role');
  });
});

describe('write tools', () => {
  it('a viewer cannot call any write tool; a member cannot turn a signal off (admin)', async () => {
    const viewer = await client(t.keys.viewer);
    for (const [name, args] of [
      ['snooze_signal', { account: 'acc_00000000000000000000', signal: 'usage_drop' }],
      ['unsnooze_signal', { account: 'acc_00000000000000000000', signal: 'usage_drop' }],
      ['set_signal_enabled', { signal: 'usage_drop', enabled: false }],
      ['start_sync', { integration: 'posthog' }],
      ['apply_push', { destination: 'attio' }],
    ] as const) {
      const res = await tool(viewer, name, args);
      expect(res.isError).toBe(true);
      expect(textOf(res)).toMatch(/needs the (member|admin) role; this key is viewer/);
    }
    const member = await client(t.keys.member);
    const res = await tool(member, 'set_signal_enabled', { signal: 'usage_drop', enabled: false });
    expect(textOf(res)).toContain('admin role');
    const runs = await api('GET', '/api/v1/sync-runs?limit=500');
    expect(runs.runs.filter((r: AnyJson) => r.trigger === 'api' && r.status === 'queued')).toHaveLength(0);
    const signal = (await api('GET', '/api/v1/signals')).signals.find((s: AnyJson) => s.key === 'usage_drop');
    expect(signal.enabled).toBe(true);
  });

  it('an admin turns a signal off and on; a member starts a sync and a push, as the API would', async () => {
    const admin = await client(t.keys.admin);
    const off = await tool(admin, 'set_signal_enabled', { signal: 'usage_drop', enabled: false });
    expect(off.isError).toBeFalsy();
    let signal = (await api('GET', '/api/v1/signals')).signals.find((s: AnyJson) => s.key === 'usage_drop');
    expect(signal.enabled).toBe(false);
    await tool(admin, 'set_signal_enabled', { signal: 'usage_drop', enabled: true });
    signal = (await api('GET', '/api/v1/signals')).signals.find((s: AnyJson) => s.key === 'usage_drop');
    expect(signal.enabled).toBe(true);

    const member = await client(t.keys.member);
    const sync = await tool(member, 'start_sync', { integration: 'posthog' });
    expect(sync.isError).toBeFalsy();
    const run = await api('GET', `/api/v1/sync-runs/${sync.structuredContent.runId}`);
    expect(run.run).toMatchObject({ integration: 'posthog', trigger: 'api' });
    const again = await tool(member, 'start_sync', { integration: 'posthog' });
    expect(again.isError).toBe(true);
    const unknown = await tool(member, 'start_sync', { integration: 'nope' });
    expect(unknown.isError).toBe(true);

    const push = await tool(member, 'apply_push', { destination: 'attio' });
    expect(push.isError).toBeFalsy();
    const pushRun = await api('GET', `/api/v1/push-runs/${push.structuredContent.run.id}`);
    expect(pushRun.run).toMatchObject({ destination: 'attio', kind: 'push', trigger: 'api' });
  });
});

describe('snooze tools', () => {
  /** An account of the world with a signal in its timeline. */
  async function accountWithSignal() {
    for (const a of (await api('GET', '/api/v1/accounts?sort=-score&limit=20')).items) {
      const detail = await api('GET', `/api/v1/accounts/${a.id}`);
      if (detail.signals.length > 0) return { account: a, signal: detail.signals[0] };
    }
    throw new Error('no account with a signal');
  }

  it("a member snoozes one account's signal and lifts it; the API, get_account and occurrences agree", async () => {
    const { account, signal } = await accountWithSignal();
    const member = await client(t.keys.member);
    const snoozed = await tool(member, 'snooze_signal', {
      account: account.domain,
      signal: signal.key,
      days: 14,
      note: 'CS is on it',
    });
    expect(snoozed.isError, textOf(snoozed)).toBeFalsy();
    const detail = await api('GET', `/api/v1/accounts/${account.id}`);
    expect(detail.snoozes).toEqual([plain(snoozed.structuredContent.snooze)]);
    const snooze = detail.snoozes[0];
    expect(snooze).toMatchObject({
      accountId: account.id,
      signal: signal.key,
      note: 'CS is on it',
      by: { type: 'api_key', name: expect.stringMatching(/^API key "/) },
    });
    expect(Date.parse(snooze.until) - Date.parse(snooze.snoozedAt)).toBe(14 * 86_400_000);
    // The world's alert rules had queued alerts for it: held now, and the text says how many.
    const held = snoozed.structuredContent.alertsHeld;
    const alerts = (await api('GET', `/api/v1/alerts?accountId=${account.id}&limit=500`)).items.filter(
      (a: AnyJson) => a.accountId === account.id && a.signalKey === signal.key,
    );
    expect(alerts.filter((a: AnyJson) => a.reason === 'snoozed')).toHaveLength(held);
    expect(alerts.filter((a: AnyJson) => a.status === 'queued')).toEqual([]);
    const heldText =
      held === 0
        ? ''
        : ` ${held} alert${held === 1 ? ' waiting to go out was' : 's waiting to go out were'} held.`;
    expect(textOf(snoozed)).toBe(
      `Snoozed ${signal.key} (${signal.title}) alerts for ${account.name} (${account.domain}) until ${snooze.until.slice(0, 10)} (14 days).${heldText} The signal still fires and counts in scores; unsnooze_signal lifts it sooner.`,
    );

    // Reads show it as the API does.
    const brief = await tool(member, 'get_account', { account: account.id });
    expect(plain(brief.structuredContent).snoozes).toEqual(detail.snoozes);
    expect(textOf(brief)).toContain(
      `## Snoozed alerts\n- ${signal.key}: no alerts until ${snooze.until.slice(0, 10)}, snoozed by ${snooze.by.name} on ${snooze.snoozedAt.slice(0, 10)} — CS is on it`,
    );
    const occ = await tool(member, 'list_signal_occurrences', { account: account.id, limit: 200 });
    const occHttp = await api('GET', `/api/v1/signals/occurrences?accountId=${account.id}&limit=200`);
    expect(plain(occ.structuredContent.items).map((o: AnyJson) => o.snooze)).toEqual(
      occHttp.items.map((o: AnyJson) => o.snooze),
    );
    expect(textOf(occ)).toContain(`alerts snoozed until ${snooze.until.slice(0, 10)}`);

    // Audited twice: the change (as the API's route does) and the tool call.
    const keyId = snooze.by.id;
    const change = (await api('GET', '/api/v1/audit-log?action=signal.snooze&limit=5')).entries[0];
    expect(change).toMatchObject({
      actorType: 'api_key',
      actorId: keyId,
      targetId: account.id,
      details: { signal: signal.key, days: 14, note: 'CS is on it' },
    });
    const calls = (await api('GET', '/api/v1/audit-log?action=mcp.tool_call&limit=5')).entries;
    expect(calls.find((e: AnyJson) => e.targetId === 'snooze_signal')).toMatchObject({
      actorId: keyId,
      details: { ok: true },
    });

    const lifted = await tool(member, 'unsnooze_signal', { account: account.id, signal: signal.key });
    expect(plain(lifted.structuredContent.lifted)).toEqual(snooze);
    expect(textOf(lifted)).toContain(`Lifted the snooze on ${signal.key} alerts for ${account.name}`);
    expect((await api('GET', `/api/v1/accounts/${account.id}`)).snoozes).toEqual([]);
    const again = await tool(member, 'unsnooze_signal', { account: account.id, signal: signal.key });
    expect(again.structuredContent).toEqual({ lifted: null });
    expect(textOf(again)).toBe(
      `${signal.key} alerts for ${account.name} (${account.domain}) were not snoozed; nothing changed.`,
    );

    // A snooze set over the API reads the same through the tools, and the tool lifts it.
    const viaApi = await api('POST', `/api/v1/accounts/${account.id}/signals/${signal.key}/snooze`, {});
    const read = await tool(member, 'get_account', { account: account.id });
    expect(plain(read.structuredContent).snoozes).toEqual([viaApi.snooze]);
    const liftApi = await tool(member, 'unsnooze_signal', { account: account.domain, signal: signal.key });
    expect(plain(liftApi.structuredContent.lifted)).toEqual(viaApi.snooze);
  });

  it('refuses bad days, unknown signals and accounts with what to try; another workspace cannot reach ours', async () => {
    const { account, signal } = await accountWithSignal();
    const member = await client(t.keys.member);
    for (const [args, reason] of [
      [{ account: account.id, signal: signal.key, days: 0 }, /days/],
      [{ account: account.id, signal: signal.key, days: 366 }, /days/],
      [{ account: account.id, signal: 'usage_dro' }, /did you mean usage_drop/],
      [{ account: 'nosuch.example', signal: signal.key }, /search_accounts with q/],
      [{ account: account.id }, /signal/],
    ] as const) {
      const res = await tool(member, 'snooze_signal', args);
      expect(res.isError, JSON.stringify(args)).toBe(true);
      expect(textOf(res)).toMatch(reason);
    }
    const other = await client(world.other.keys.owner);
    const ghost = 'acc_0123456789abcdef0123';
    for (const name of ['snooze_signal', 'unsnooze_signal']) {
      const theirs = await tool(other, name, { account: account.id, signal: signal.key });
      const nobody = await tool(other, name, { account: ghost, signal: signal.key });
      expect(theirs.isError).toBe(true);
      expect(textOf(theirs).replaceAll(account.id, '<id>')).toBe(textOf(nobody).replaceAll(ghost, '<id>'));
    }
    expect((await api('GET', `/api/v1/accounts/${account.id}`)).snoozes).toEqual([]);
  });
});

describe('bad arguments', () => {
  it('answer a tool error with the reason, and the server keeps serving', async () => {
    const c = await client(t.keys.viewer);
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['search_accounts', { grade: 'A1' }, /grade/],
      ['search_accounts', { cursor: 'garbage' }, /cursor/i],
      ['search_accounts', { limit: 100_000 }, /limit/],
      ['search_accounts', { nope: 1 }, /nope/],
      ['get_account', {}, /account/],
      ['get_account', { account: 'not a domain' }, /neither an account id/],
      [
        'get_account',
        { account: 'acc_00000000000000000000' },
        /not found in this workspace\. search_accounts with q/,
      ],
      ['get_account', { account: 'nosuch.example' }, /Account "nosuch\.example" was not found/],
      ['list_signal_occurrences', { signal: 'no_such_signal' }, /no signal "no_such_signal".*list_signals/],
      ['list_signal_occurrences', { signal: 'usage_dro' }, /did you mean usage_drop/],
      ['list_signal_occurrences', { since: 'yesterday' }, /since/],
      ['list_signal_occurrences', { until: '2025-02-30' }, /until/],
      ['list_signal_occurrences', { account: 'nosuch.example' }, /not found/],
      ['top_movers', { since: '2025-13-45' }, /since/],
      ['search_accounts', { segment: '' }, /segment/],
      ['list_segments', { x: 1 }, /Unrecognized key: "x"/],
      ['list_signals', { direction: 'sideways' }, /direction/],
      ['no_such_tool', {}, /not found/],
    ];
    for (const [name, args, reason] of cases) {
      const res = await tool(c, name, args);
      expect(res.isError, `${name} ${JSON.stringify(args)}`).toBe(true);
      expect(textOf(res)).toMatch(reason);
    }
    expect((await tool(c, 'list_signals')).isError).toBeFalsy();
    expect((await t.request('GET', '/healthz')).status).toBe(200);
  });
});

describe('resources', () => {
  it('lists account briefs and reads one as Markdown, the same brief get_account answers', async () => {
    const c = await client(t.keys.viewer);
    const { resourceTemplates } = await c.listResourceTemplates();
    expect(resourceTemplates.map((r) => r.uriTemplate)).toEqual(['beton://accounts/{id}']);
    const { resources } = await c.listResources();
    const top = (await api('GET', '/api/v1/accounts?sort=-score&limit=100')).items;
    expect(resources.map((r) => r.uri)).toEqual(top.map((a: AnyJson) => `beton://accounts/${a.id}`));
    const read = await c.readResource({ uri: resources[0]!.uri });
    const content = read.contents[0] as { text: string; mimeType: string };
    expect(content.mimeType).toBe('text/markdown');
    answers.push(content.text);
    const brief = await tool(c, 'get_account', { account: top[0].id });
    expect(content.text).toBe(textOf(brief));
    await expect(c.readResource({ uri: 'beton://accounts/acc_00000000000000000000' })).rejects.toThrow(
      /not found/i,
    );
  });
});

describe('isolation', () => {
  it('a key of another workspace sees nothing of this one: the same answers as for ids nobody has', async () => {
    const c = await client(world.other.keys.owner);
    const mine = (await api('GET', '/api/v1/accounts?limit=5')).items;
    expect(mine.length).toBeGreaterThan(0);
    const search = await tool(c, 'search_accounts', { limit: 200 });
    expect(search.structuredContent.items).toEqual([]);
    expect((await tool(c, 'list_signal_occurrences', { limit: 200 })).structuredContent.items).toEqual([]);
    const movers = await tool(c, 'top_movers', { since: '2000-01-01' });
    expect(movers.structuredContent.gradeChanges).toEqual([]);
    expect(movers.structuredContent.newChurnRisks).toEqual([]);
    expect(
      (await tool(c, 'list_signals')).structuredContent.signals.every(
        (s: AnyJson) => s.counts.occurrences === 0,
      ),
    ).toBe(true);
    expect((await c.listResources()).resources).toEqual([]);
    expect((await tool(c, 'list_segments')).structuredContent.items).toEqual([]);
    const ours = (await api('GET', '/api/v1/segments')).items;
    expect(ours.length).toBeGreaterThan(0);
    for (const ref of [ours[0].id, ours[0].name]) {
      const theirs = await tool(c, 'search_accounts', { segment: ref });
      expect(theirs.isError).toBe(true);
      expect(textOf(theirs)).toBe(
        `Segment "${ref}" was not found in this workspace; list_segments names the saved segments.`,
      );
    }
    const ghost = 'acc_0123456789abcdef0123';
    for (const [name, args] of [
      ['get_account', (id: string) => ({ account: id })],
      ['list_signal_occurrences', (id: string) => ({ account: id })],
      ['preview_push_plan', (id: string) => ({ account: id })],
    ] as const) {
      for (const a of mine) {
        const theirs = await tool(c, name, args(a.id));
        const nobody = await tool(c, name, args(ghost));
        expect(theirs.isError).toBe(nobody.isError);
        expect(textOf(theirs).replaceAll(a.id, '<id>')).toBe(textOf(nobody).replaceAll(ghost, '<id>'));
        expect(textOf(theirs)).not.toContain(a.name);
        const byDomain = await tool(c, name, args(a.domain));
        expect(JSON.stringify(byDomain)).not.toContain(a.name);
      }
    }
    await expect(c.readResource({ uri: `beton://accounts/${mine[0].id}` })).rejects.toThrow(/not found/i);
    // Writes are on in this world: their owner cannot reach our custom signal either.
    const custom = (await api('GET', '/api/v1/signals')).signals.find((s: AnyJson) => s.custom);
    expect(custom?.enabled).toBe(true);
    const ghostSignal = 'custom:00000000-0000-4000-8000-000000000000';
    const theirs = await tool(c, 'set_signal_enabled', { signal: custom.key, enabled: false });
    const nobodys = await tool(c, 'set_signal_enabled', { signal: ghostSignal, enabled: false });
    expect(theirs.isError).toBe(true);
    expect(textOf(theirs).replaceAll(custom.key, '<key>')).toBe(
      textOf(nobodys).replaceAll(ghostSignal, '<key>'),
    );
    const after = (await api('GET', '/api/v1/signals')).signals.find((s: AnyJson) => s.key === custom.key);
    expect(after.enabled).toBe(true);
    // And nothing of ours was written by their calls.
    const afterAccounts = (await api('GET', '/api/v1/accounts?limit=5')).items;
    expect(afterAccounts.map((a: AnyJson) => a.id)).toEqual(mine.map((a: AnyJson) => a.id));
  });
});

describe('audit and secrets', () => {
  it('writes every tool call to the audit log with the tool and the key id, failures included', async () => {
    const c = await client(t.keys.viewer);
    await tool(c, 'list_signals', { direction: 'churn' });
    await tool(c, 'get_account', { account: 'not a domain' });
    const keys = (await api('GET', '/api/v1/api-keys')).apiKeys;
    const viewerKey = keys.find((k: AnyJson) => t.keys.viewer.startsWith(`${k.prefix}_`));
    const { entries } = await api('GET', '/api/v1/audit-log?action=mcp.tool_call&limit=500');
    const viewer = entries.filter((e: AnyJson) => e.actorId === viewerKey.id);
    expect(
      viewer.every((e: AnyJson) => e.actorType === 'api_key' && e.details.apiKeyId === viewerKey.id),
    ).toBe(true);
    expect(viewer[0]).toMatchObject({
      targetType: 'mcp_tool',
      targetId: 'get_account',
      details: { tool: 'get_account', ok: false, arguments: { account: 'not a domain' } },
    });
    expect(viewer[0].details.error).toContain('neither an account id');
    expect(viewer[1]).toMatchObject({
      targetId: 'list_signals',
      details: { ok: true, arguments: { direction: 'churn' } },
    });
    // Refused calls (role, bad arguments, unknown tool) are there too.
    expect(viewer.some((e: AnyJson) => e.targetId === 'apply_push' && e.details.ok === false)).toBe(true);
    expect(viewer.some((e: AnyJson) => e.targetId === 'no_such_tool')).toBe(true);
    expect(
      viewer.some((e: AnyJson) => e.targetId === 'search_accounts' && /grade/.test(e.details.error ?? '')),
    ).toBe(true);
    const reads = await api('GET', '/api/v1/audit-log?action=mcp.resource_read&limit=50');
    expect(reads.entries.length).toBeGreaterThan(0);
    // The other workspace's calls are in its own log, not in ours.
    expect(entries.some((e: AnyJson) => e.actorId && !keys.some((k: AnyJson) => k.id === e.actorId))).toBe(
      false,
    );
  });

  it('no answer holds an integration secret or an API key', () => {
    expect(answers.length).toBeGreaterThan(50);
    const all = answers.join('\n');
    for (const [name, secret] of Object.entries(world.secrets)) {
      expect(all.includes(secret), `${name} leaked`).toBe(false);
    }
    for (const key of [...Object.values(t.keys), ...Object.values(world.other.keys)]) {
      expect(all.includes(key)).toBe(false);
    }
  });
});

describe('stdio (beton mcp)', () => {
  it('serves every read tool on the workspace it is given, with the answers HTTP gives; writes only when allowed', async () => {
    // The world's CRM is a simulator on 127.0.0.1: the push preview may reach it, as the server's may.
    const { client: c, stderr } = await stdioClient(t, ['--workspace', t.workspaceId], {
      BETON_ALLOW_PRIVATE_HOSTS: 'true',
    });
    clients.push(c);
    const { tools } = await c.listTools();
    expect(tools.map((x) => x.name).sort()).toEqual([...READ_TOOLS].sort());
    const overHttp = await client(t.keys.viewer);
    const httpTools = (await overHttp.listTools()).tools.filter((x) => READ_TOOLS.includes(x.name));
    expect(tools).toEqual(httpTools);

    const top = (await api('GET', '/api/v1/accounts?sort=-score&limit=1')).items[0];
    const segment = (await api('GET', '/api/v1/segments')).items[0];
    const calls: [string, Record<string, unknown>][] = [
      ['search_accounts', { sort: '-expansion', limit: 10 }],
      ['search_accounts', { segment: segment.name, limit: 10 }],
      ['list_segments', {}],
      ['get_account', { account: top.domain }],
      ['list_signal_occurrences', { direction: 'churn', limit: 20 }],
      ['top_movers', { since: '2000-01-01', limit: 5 }],
      ['list_signals', {}],
    ];
    for (const [name, args] of calls) {
      const overStdio = await call(c, name, args);
      answers.push(JSON.stringify(overStdio));
      const http = await tool(overHttp, name, args);
      expect(overStdio.isError, `${name}: ${textOf(overStdio)}`).toBeFalsy();
      expect(overStdio.structuredContent, name).toEqual(http.structuredContent);
      expect(textOf(overStdio), name).toBe(textOf(http));
    }
    // The push preview needs the member role over HTTP; the local operator has it.
    const member = await client(t.keys.member);
    const preview = await call(c, 'preview_push_plan', { account: top.id });
    const previewHttp = await tool(member, 'preview_push_plan', { account: top.id });
    expect(preview.isError, textOf(preview)).toBeFalsy();
    expect(preview.structuredContent.item).toEqual(previewHttp.structuredContent.item);
    expect(textOf(preview)).toBe(textOf(previewHttp));

    const bad = await call(c, 'search_accounts', { grade: 'A1' });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/grade/);
    const unknown = await call(c, 'get_account', { account: 'nosuch.example' });
    expect(textOf(unknown)).toContain('search_accounts with q');
    const brief = await c.readResource({ uri: `beton://accounts/${top.id}` });
    expect((brief.contents[0] as { text: string }).text).toContain(`# ${top.name} (${top.domain})`);
    expect((await call(c, 'list_signals')).isError).toBeFalsy();
    await c.close();
    // The local operator's calls are audited as the CLI's, failures included.
    const { entries } = await api('GET', '/api/v1/audit-log?action=mcp.tool_call&limit=50');
    const cli = entries.filter((e: AnyJson) => e.actorType === 'cli');
    expect(cli.map((e: AnyJson) => e.targetId)).toEqual(
      [
        ...calls.map(([name]) => name),
        'preview_push_plan',
        'search_accounts',
        'get_account',
        'list_signals',
      ].reverse(),
    );
    expect(cli.filter((e: AnyJson) => e.details.ok === false).map((e: AnyJson) => e.targetId)).toEqual([
      'get_account',
      'search_accounts',
    ]);
    const reads = await api('GET', '/api/v1/audit-log?action=mcp.resource_read&limit=5');
    expect(reads.entries[0]).toMatchObject({ actorType: 'cli', targetId: `beton://accounts/${top.id}` });
    // Logs went to stderr: stdout carried only the protocol (or the client would have failed).
    expect(stderr()).toContain('MCP server on stdio');

    // BETON_WORKSPACE names the workspace as --workspace does (this installation has two).
    const writer = await stdioClient(t, ['--allow-writes'], { BETON_WORKSPACE: t.workspaceId });
    clients.push(writer.client);
    const listed = await writer.client.listTools();
    expect(listed.tools.map((x) => x.name).sort()).toEqual([...READ_TOOLS, ...WRITE_TOOLS].sort());
    const accounts = await call(writer.client, 'search_accounts', { sort: '-score', limit: 3 });
    expect(accounts.structuredContent.items.map((a: AnyJson) => a.id)).toEqual(
      (await api('GET', '/api/v1/accounts?sort=-score&limit=3')).items.map((a: AnyJson) => a.id),
    );
    await writer.client.close();
  }, 180_000);
});
