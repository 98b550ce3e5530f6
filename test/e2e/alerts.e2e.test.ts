/**
 * Alerts in the web app, in Chromium against a real server and the demo workspace (its messaging
 * integration connected to the simulator, its starter rule): the demo's score run has opened
 * signals; the alerts' jobs send them; the Alerts page lists the rules, creates one with the
 * channel picker, shows the history with statuses and people's verdicts; the Signals page shows
 * the team's precision beside the backtest; on an account's page, a signal's alerts are snoozed for
 * 30 days (until when and by whom shown beside it, the API holding the same snooze) and lifted.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveAndQueue, listAlerts, recordFeedback } from '../../src/alerts/index.js';
import { launchBrowser, newPage, screenshot } from './support/browser.js';
import { hasText, hidden, visible } from './support/expect.js';
import { type Stack, startStack } from './support/stack.js';

let stack: Stack;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  stack = await startStack();
  browser = await launchBrowser();
  await stack.demo.ready;
  page = await newPage(browser, stack.url);
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(stack.demo.email);
  await page.getByRole('textbox', { name: 'Password' }).fill(stack.demo.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main navigation' }).waitFor();
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('alerts', () => {
  it('sends the demo rule’s alerts, shows them with feedback, and creates a rule with the channel picker', async () => {
    const ws = stack.demo.workspaceId;
    const db = stack.rt.db.kysely;
    // The minute tick would do this; the test does not wait for it.
    await deriveAndQueue(stack.rt.jobs, stack.rt);
    const deadline = Date.now() + 90_000;
    let alerts = await listAlerts(db, ws, { limit: 500 });
    while (alerts.some((a) => a.status === 'queued' || a.status === 'sending') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      alerts = await listAlerts(db, ws, { limit: 500 });
    }
    const sent = alerts.filter((a) => a.status === 'sent');
    expect(sent.length).toBeGreaterThan(0);
    await recordFeedback(stack.rt, {
      workspaceId: ws,
      alertRef: sent[0]!.id,
      verdict: 'useful',
      actor: { id: 'U_E2E', name: 'Casey' },
    });

    await page.getByRole('link', { name: 'Alerts', exact: true }).click();
    await visible(page.getByRole('heading', { name: 'Alerts', exact: true }));
    const rules = page.getByRole('table', { name: 'Alert rules' });
    await visible(rules.getByRole('row', { name: /Signals to #/ }));

    await page.getByRole('button', { name: 'New rule' }).click();
    const dialog = page.getByRole('dialog', { name: 'New alert rule' });
    await dialog.getByLabel('Name').fill('Churn to CS');
    // The channel picker lists the messaging integration's channels (the bot's first).
    await dialog.getByLabel(/^Channel/).click();
    await page.getByRole('option').first().click();
    await dialog.getByRole('button', { name: 'Create rule' }).click();
    await visible(rules.getByRole('row', { name: /Churn to CS/ }));
    await screenshot(page, '50-alert-rules');

    await page.getByRole('tab', { name: 'History' }).click();
    const history = page.getByRole('table', { name: 'Alert history' });
    await visible(history.getByRole('row').nth(1));
    await hasText(history, 'sent');
    await hasText(history, 'Casey: useful');
    await screenshot(page, '51-alert-history');

    await page.getByRole('link', { name: 'Signals', exact: true }).click();
    await visible(page.getByRole('columnheader', { name: 'Team' }));
    await hasText(page.getByRole('main'), '100');
    await screenshot(page, '52-signals-team-precision');
  });
});

// biome-ignore lint/suspicious/noExplicitAny: API answers read loosely
const getJson = async (path: string): Promise<any> => (await page.request.get(path)).json();

describe('snoozing a signal on the account page', () => {
  it('snoozes a recent signal for 30 days beside it, shows until when and by whom, and lifts it', async () => {
    const { items } = await getJson('/api/v1/accounts?sort=-churnRisk&limit=20');
    let account: { id: string; name: string } | undefined;
    for (const a of items) {
      if ((await getJson(`/api/v1/accounts/${a.id}`)).signals.length > 0) {
        account = a;
        break;
      }
    }
    expect(account, 'a demo account with a recent signal').toBeDefined();
    await page.goto(`/accounts/${account!.id}`);
    await visible(page.getByRole('heading', { name: 'Signal timeline' }));

    const first = page.getByRole('button', { name: 'Snooze 30 days' }).first();
    await visible(first);
    await first.click();
    const badge = page.getByText(/^snoozed until /).first();
    await visible(badge);
    await visible(page.getByRole('button', { name: 'Unsnooze' }).first());
    await badge.scrollIntoViewIfNeeded();
    await screenshot(page, '57-account-snooze', { fullPage: false });
    await badge.hover();
    await hasText(
      page.getByRole('tooltip'),
      /No alerts about this signal on this account until .* Snoozed by Demo/,
    );
    await screenshot(page, '58-account-snooze-who', { fullPage: false });

    const detail = await getJson(`/api/v1/accounts/${account!.id}`);
    expect(detail.snoozes).toHaveLength(1);
    expect(detail.snoozes[0]).toMatchObject({ by: { type: 'user' }, note: null });
    expect(detail.snoozes[0].by.name).toMatch(/^Demo/);
    const days = (Date.parse(detail.snoozes[0].until) - Date.parse(detail.snoozes[0].snoozedAt)) / 86_400_000;
    expect(days).toBe(30);

    await page.getByRole('button', { name: 'Unsnooze' }).first().click();
    await hidden(page.getByText(/^snoozed until /).first());
    expect((await getJson(`/api/v1/accounts/${account!.id}`)).snoozes).toEqual([]);
  });
});
