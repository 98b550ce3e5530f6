/**
 * Settings → Webhooks in Chromium against a real server: add an endpoint (the secret shown once),
 * send a test event to a local receiver that verifies it with `standardwebhooks`, read the attempt
 * in the delivery log and redeliver it; then the notice for an endpoint Beton disabled after five
 * days of failure (on the page and in the navigation), and enabling it again.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveriesFromOutbox } from '../../src/outbound-webhooks/index.js';
import { recordEvent } from '../../src/outbox/index.js';
import { Receiver } from '../outbound-webhooks/receiver.js';
import { launchBrowser, newPage, screenshot } from './support/browser.js';
import { hasText, hidden, visible } from './support/expect.js';
import { type Stack, startStack } from './support/stack.js';

let stack: Stack;
let browser: Browser;
let page: Page;
const receiver = new Receiver();

beforeAll(async () => {
  await receiver.start();
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
  await receiver.stop();
});

describe('webhooks', () => {
  it('adds an endpoint, sends a verified test event, shows the log, redelivers, and shows the disabled notice', async () => {
    await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
    await visible(page.getByRole('heading', { name: 'Webhooks', exact: true }));
    await page.getByRole('button', { name: 'Add endpoint' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Add a webhook endpoint' });
    await dialog.getByLabel('Endpoint URL').fill(receiver.url);
    await dialog.getByLabel('Description').fill('Outreach sequences');
    await dialog.getByLabel(/sync\.failed/).check();
    await dialog.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = (await (await visible(page.getByTestId('webhook-secret'))).textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    receiver.secrets = [secret];
    await screenshot(page, '40-webhook-secret');
    await page.getByRole('button', { name: 'I have stored it' }).click();

    const card = page.getByTestId('webhook-endpoint');
    await hasText(card, receiver.url);
    await hasText(card, `whsec_…${secret.slice(-4)}`);

    await card.getByRole('button', { name: 'Send test event' }).click();
    const log = page.getByTestId('delivery-log');
    await hasText(log.getByRole('row', { name: /webhook\.test/ }), 'succeeded');
    expect(receiver.received.map((r) => r.body.type)).toEqual(['webhook.test']);
    expect(await page.content()).not.toContain(secret); // shown once, gone with its dialog

    await log.getByRole('button', { name: 'webhook.test' }).click();
    const delivery = page.getByRole('dialog', { name: 'Delivery' });
    await hasText(delivery.getByTestId('attempt-log'), 'HTTP 200');
    await delivery.getByRole('button', { name: 'Redeliver' }).click();
    await visible(delivery.getByTestId('attempt-log').getByRole('row', { name: /^2 \(manual\)/ }));
    await hasText(
      delivery.getByTestId('attempt-log').getByRole('row', { name: /^2 \(manual\)/ }),
      'HTTP 200',
    );
    await screenshot(page, '41-webhook-delivery');
    expect(receiver.received).toHaveLength(2);
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(1); // same webhook-id on redelivery
    await page.keyboard.press('Escape');

    // The receiver has been failing for five days (its streak moved back in time); the next failure disables it.
    receiver.answer = 500;
    const db = stack.rt.db.kysely;
    const workspaceId = (
      await db.selectFrom('webhook_endpoints').select('workspace_id').executeTakeFirstOrThrow()
    ).workspace_id;
    await db
      .updateTable('webhook_endpoints')
      .set({ failing_since: new Date(Date.now() - 5 * 24 * 3_600_000 - 60_000).toISOString() })
      .execute();
    await recordEvent(db, {
      workspaceId,
      type: 'sync.failed',
      subject: 'run-e2e',
      payload: { runId: 'run-e2e' },
    });
    expect(await deliveriesFromOutbox(stack.rt)).toBe(1);

    await page.reload();
    const notice = page.getByRole('alert').filter({ hasText: 'Disabled after repeated failure' });
    await hasText(notice, 'HTTP 500', 30_000);
    await hasText(notice, 'enable the endpoint');
    await screenshot(page, '42-webhook-disabled');
    // The navigation marks it too, so it is seen from every page.
    await page.getByRole('link', { name: 'Accounts', exact: true }).click();
    await visible(page.getByTestId('webhooks-nav-alert'));
    await page.getByRole('link', { name: /^Webhooks/ }).click();
    receiver.answer = 200;
    await notice.getByRole('button', { name: 'Enable again' }).click();
    await hidden(notice);
    await hidden(page.getByTestId('webhooks-nav-alert'));
    await hasText(card, 'Enabled');
  });
});
