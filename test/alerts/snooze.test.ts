import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRule, deriveAlerts, listAlerts, recordFeedback } from '../../src/alerts/index.js';
import { fixedClock } from '../../src/core/index.js';
import { recordEvent } from '../../src/outbox/index.js';
import { runScore } from '../../src/scoring/index.js';
import { type AnyJson, createTestRuntime, type TestRuntime } from '../support/index.js';
import { NOW, seedSignalWorld } from './support/world.js';

/**
 * Snoozing one account's alerts for one signal over the API: members set and lift it (viewers
 * read it on the account and its occurrences), the pair's waiting alerts are held at once, a
 * reopening while snoozed is suppressed and alerts again once lifted, every change is audited, bad
 * input is a 400 naming the field, and another workspace gets exactly what a missing id gets. An
 * alert card's Snooze button writes the same snooze.
 */

let t: TestRuntime;
const ws = () => t.workspaceId;
const db = () => t.rt.db.kysely;
const DAY_MS = 86_400_000;

/** An account with an occurrence whose alerts are waiting, and that occurrence. */
let pair: { accountId: string; signal: string; occurrenceId: number };

beforeAll(async () => {
  t = await createTestRuntime();
  await seedSignalWorld(db(), ws(), 8);
  const at = new Date().toISOString();
  await createAlertRule(
    db(),
    ws(),
    { name: 'all', destination: { kind: 'channel', channelId: 'C1' } },
    null,
    at,
  );
  await createAlertRule(
    db(),
    ws(),
    { name: 'capped', destination: { kind: 'channel', channelId: 'C2' }, capPerRun: 1 },
    null,
    at,
  );
  const run = await runScore(db(), ws(), { clock: fixedClock(NOW), trigger: 'test' });
  expect(run.status).toBe('succeeded');
  await deriveAlerts(db(), new Date());
  // Nothing delivers in this file: alerts stay queued (or held for the digest by the cap).
  const held = (await listAlerts(db(), ws(), { limit: 500 })).find(
    (a) => a.ruleName === 'capped' && a.status === 'digest',
  )!;
  pair = { accountId: held.accountId, signal: held.signalKey, occurrenceId: held.occurrenceId };
}, 120_000);
afterAll(() => t?.close());

const snoozeUrl = (accountId = pair.accountId, signal = pair.signal) =>
  `/api/v1/accounts/${accountId}/signals/${encodeURIComponent(signal)}/snooze`;
const alertsOfPair = async () =>
  (await listAlerts(db(), ws(), { limit: 500 })).filter(
    (a) => a.accountId === pair.accountId && a.signalKey === pair.signal,
  );
const audit = async (action: string) =>
  (await t.request('GET', `/api/v1/audit-log?action=${action}`, { key: t.keys.admin })).json.entries;

/** The outbox says an occurrence opened again (it closed and came back). */
async function reopen(o: { accountId: string; signal: string; occurrenceId: number } = pair) {
  await recordEvent(db(), {
    workspaceId: ws(),
    type: 'signal.opened',
    subject: String(o.occurrenceId),
    payload: { occurrenceId: o.occurrenceId, accountId: o.accountId, signalKey: o.signal },
  });
  await deriveAlerts(db(), new Date());
  const all = await alertsOfPair();
  return all.filter((a) => a.ruleName === 'all').sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

describe('snoozing a signal for one account', () => {
  it('a member snoozes: the answer names until when and by whom, and waiting alerts are held', async () => {
    const waiting = (await alertsOfPair()).filter((a) => a.status === 'queued' || a.status === 'digest');
    expect(waiting.map((a) => a.status).sort()).toEqual(['digest', 'queued']);
    const before = Date.now();
    const res = await t.request('POST', snoozeUrl(), {
      key: t.keys.member,
      body: { note: 'CS is on it' },
    });
    expect(res.status).toBe(200);
    const { snooze, alertsHeld } = res.json;
    expect(alertsHeld).toBe(2);
    expect(snooze).toMatchObject({
      accountId: pair.accountId,
      signal: pair.signal,
      note: 'CS is on it',
      by: { type: 'api_key', id: expect.any(String), name: expect.stringMatching(/^API key "/) },
    });
    // Default 30 days from now.
    const until = Date.parse(snooze.until);
    expect(until).toBeGreaterThanOrEqual(before + 30 * DAY_MS);
    expect(until).toBeLessThanOrEqual(Date.now() + 30 * DAY_MS);
    const after = await alertsOfPair();
    for (const a of waiting)
      expect(after.find((x) => x.id === a.id)).toMatchObject({ status: 'suppressed', reason: 'snoozed' });

    const [entry] = await audit('signal.snooze');
    expect(entry).toMatchObject({
      actorType: 'api_key',
      targetType: 'account',
      targetId: pair.accountId,
      details: { signal: pair.signal, days: 30, until: snooze.until, note: 'CS is on it', alertsHeld: 2 },
    });
  });

  it('viewers see it on the account (each of its signals and the list) and on its occurrences', async () => {
    const detail = await t.request('GET', `/api/v1/accounts/${pair.accountId}`, { key: t.keys.viewer });
    expect(detail.status).toBe(200);
    expect(detail.json.snoozes).toHaveLength(1);
    const snooze = detail.json.snoozes[0];
    expect(snooze).toMatchObject({ signal: pair.signal, note: 'CS is on it' });
    for (const s of detail.json.signals as AnyJson[])
      expect(s.snooze).toEqual(s.key === pair.signal ? snooze : null);
    expect(detail.json.signals.some((s: AnyJson) => s.key === pair.signal)).toBe(true);

    const occ = await t.request('GET', `/api/v1/signals/occurrences?accountId=${pair.accountId}`, {
      key: t.keys.viewer,
    });
    expect(occ.json.items.length).toBeGreaterThan(0);
    for (const o of occ.json.items as AnyJson[])
      expect(o.snooze).toEqual(o.key === pair.signal ? snooze : null);
    // Another account's occurrences of the same signal are not snoozed.
    const others = await t.request('GET', `/api/v1/signals/occurrences?signal=${pair.signal}&limit=500`, {
      key: t.keys.viewer,
    });
    const elsewhere = others.json.items.filter((o: AnyJson) => o.accountId !== pair.accountId);
    expect(elsewhere.length).toBeGreaterThan(0);
    expect(elsewhere.every((o: AnyJson) => o.snooze === null)).toBe(true);
  });

  it('a reopening while snoozed is suppressed; once lifted, the next one is queued', async () => {
    const snoozed = await reopen();
    expect(snoozed.at(-1)).toMatchObject({ status: 'suppressed', reason: 'snoozed' });

    const lifted = await t.request('DELETE', snoozeUrl(), { key: t.keys.member });
    expect(lifted.status).toBe(200);
    expect(lifted.json.lifted).toMatchObject({ signal: pair.signal, note: 'CS is on it' });
    const detail = await t.request('GET', `/api/v1/accounts/${pair.accountId}`, { key: t.keys.viewer });
    expect(detail.json.snoozes).toEqual([]);
    expect(detail.json.signals.every((s: AnyJson) => s.snooze === null)).toBe(true);

    const alerted = await reopen();
    expect(alerted.at(-1)).toMatchObject({ status: 'queued' });

    // Lifting again changes nothing and is not audited again.
    const again = await t.request('DELETE', snoozeUrl(), { key: t.keys.member });
    expect(again.json).toEqual({ lifted: null });
    const entries = await audit('signal.unsnooze');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ targetId: pair.accountId, details: { signal: pair.signal } });
  });

  it('takes 1 to 365 days; a new snooze replaces the old; an ended one no longer holds or shows', async () => {
    for (const days of [0, 366, 2.5, '7'])
      expect((await t.request('POST', snoozeUrl(), { key: t.keys.member, body: { days } })).status).toBe(400);
    const extra = await t.request('POST', snoozeUrl(), { key: t.keys.member, body: { days: 3, until: 'x' } });
    expect(extra.status).toBe(400);
    const long = await t.request('POST', snoozeUrl(), {
      key: t.keys.member,
      body: { note: 'x'.repeat(501) },
    });
    expect(long.status).toBe(400);

    const week = await t.request('POST', snoozeUrl(), { key: t.keys.admin, body: { days: 7 } });
    expect(week.status).toBe(200);
    const year = await t.request('POST', snoozeUrl(), { key: t.keys.member, body: { days: 365 } });
    expect(Date.parse(year.json.snooze.until) - Date.parse(week.json.snooze.until)).toBeGreaterThan(
      357 * DAY_MS,
    );
    expect(year.json.snooze.note).toBeNull();
    const detail = await t.request('GET', `/api/v1/accounts/${pair.accountId}`, { key: t.keys.viewer });
    expect(detail.json.snoozes).toEqual([year.json.snooze]);

    // Ended: the row stays until lifted or replaced, but it holds nothing and shows nowhere.
    await db()
      .updateTable('alert_snoozes')
      .set({ until: new Date(Date.now() - 1000).toISOString() })
      .where('workspace_id', '=', ws())
      .where('account_id', '=', pair.accountId)
      .execute();
    const ended = await t.request('GET', `/api/v1/accounts/${pair.accountId}`, { key: t.keys.viewer });
    expect(ended.json.snoozes).toEqual([]);
    const reopened = await reopen();
    expect(reopened.at(-1)?.reason).not.toBe('snoozed');
    expect((await t.request('DELETE', snoozeUrl(), { key: t.keys.member })).json).toEqual({ lifted: null });
  });

  it('viewers may not snooze or lift; unknown accounts and signals are 404s that say so', async () => {
    expect((await t.request('POST', snoozeUrl(), { key: t.keys.viewer, body: {} })).status).toBe(403);
    expect((await t.request('DELETE', snoozeUrl(), { key: t.keys.viewer })).status).toBe(403);
    const noAccount = await t.request('POST', snoozeUrl('acc_0000000000000000dead'), { key: t.keys.member });
    expect(noAccount.status).toBe(404);
    expect(noAccount.json.error.message).toContain('acc_0000000000000000dead');
    const noSignal = await t.request('POST', snoozeUrl(pair.accountId, 'usage_dro'), { key: t.keys.member });
    expect(noSignal.status).toBe(404);
    expect(noSignal.json.error.message).toContain('GET /api/v1/signals');
  });

  it("another workspace gets exactly a missing account's answer and changes nothing", async () => {
    await t.request('POST', snoozeUrl(), { key: t.keys.member, body: { days: 5 } });
    const other = await t.createOtherWorkspace();
    const missing = 'acc_00000000000000000000';
    for (const method of ['POST', 'DELETE']) {
      const theirs = await t.request(method, snoozeUrl(), { key: other.keys.owner });
      const none = await t.request(method, snoozeUrl(missing), { key: other.keys.owner });
      expect(theirs.status).toBe(404);
      expect(none.status).toBe(404);
      expect(theirs.json.error.message.replace(pair.accountId, 'ID')).toBe(
        none.json.error.message.replace(missing, 'ID'),
      );
    }
    const mine = await t.request('GET', `/api/v1/accounts/${pair.accountId}`, { key: t.keys.viewer });
    expect(mine.json.snoozes).toHaveLength(1);
    expect(mine.json.snoozes[0].by.type).toBe('api_key');
  });
});

describe('digests', () => {
  it('leave a snoozed account+signal out of their new signals while it lasts', async () => {
    const digest = await t.request('POST', '/api/v1/alerts/digests', {
      key: t.keys.admin,
      body: { name: 'Daily', emails: ['cs@acme.test'] },
    });
    expect(digest.status).toBe(201);
    const other = (await listAlerts(db(), ws(), { limit: 500 })).find((a) => a.accountId !== pair.accountId)!;
    expect((await t.request('POST', snoozeUrl(), { key: t.keys.member })).status).toBe(200);
    await reopen();
    await reopen({ accountId: other.accountId, signal: other.signalKey, occurrenceId: other.occurrenceId });
    const preview = async () =>
      (await t.request('GET', `/api/v1/alerts/digests/${digest.json.id}/preview`, { key: t.keys.viewer }))
        .json;
    const snoozed = await preview();
    expect(snoozed.newAccounts.map((a: AnyJson) => a.accountId)).toEqual([other.accountId]);
    expect(snoozed.counts).toMatchObject({ newAccounts: 1, newSignals: 1 });

    await t.request('DELETE', snoozeUrl(), { key: t.keys.member });
    const lifted = await preview();
    expect(lifted.newAccounts.map((a: AnyJson) => a.accountId).sort()).toEqual(
      [other.accountId, pair.accountId].sort(),
    );
    expect(lifted.counts.newSignals).toBe(2);
  });
});

describe("an alert card's Snooze button", () => {
  it('writes the same snooze, named after the person who pressed it, and holds waiting alerts', async () => {
    const other = (await listAlerts(db(), ws(), { limit: 500 })).find(
      (a) => a.ruleName === 'all' && a.status === 'queued' && a.accountId !== pair.accountId,
    )!;
    await recordFeedback(
      t.rt,
      { workspaceId: ws(), alertRef: other.id, verdict: 'snooze', actor: { id: 'U7', name: 'Ana' } },
      { messenger: null },
    );
    const [after] = await listAlerts(db(), ws(), { id: other.id });
    expect(after).toMatchObject({ status: 'suppressed', reason: 'snoozed' });
    const detail = await t.request('GET', `/api/v1/accounts/${other.accountId}`, { key: t.keys.viewer });
    expect(detail.json.snoozes).toEqual([
      expect.objectContaining({
        signal: other.signalKey,
        by: { type: 'chat', id: 'U7', name: 'Ana' },
        note: null,
      }),
    ]);
    const until = Date.parse(detail.json.snoozes[0].until) - Date.parse(detail.json.snoozes[0].snoozedAt);
    expect(until).toBe(30 * DAY_MS);
  });
});
