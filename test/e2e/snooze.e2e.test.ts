/**
 * Snoozing on the account page, in Chromium against a real server and the demo workspace: the
 * owner snoozes a recent signal's alerts for 30 days beside it, sees until when and by whom, the
 * API holds the same snooze (by the signed-in person), and Unsnooze lifts it.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
