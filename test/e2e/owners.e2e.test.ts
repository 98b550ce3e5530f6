/**
 * Owners in the web app, in Chromium against a real server and the demo workspace (both simulated
 * CRMs connected: their companies' owners synced and resolved onto accounts): the accounts list
 * filters by owner and shows each account's; the account page names its owner and opens its record
 * in each CRM; the Alerts page creates a rule sending each account's owner a direct message,
 * narrowed to some owners' accounts.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOwners } from '../../src/accounts/index.js';
import { listAlertRules } from '../../src/alerts/index.js';
import { launchBrowser, screenshot } from './support/browser.js';
import { demoSession } from './support/demo-session.js';
import { hasText, visible } from './support/expect.js';
import { type Stack, startStack } from './support/stack.js';

let stack: Stack;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  stack = await startStack();
  browser = await launchBrowser();
  page = await demoSession(browser, stack);
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('owners', () => {
  it('filters accounts by owner, shows the owner and CRM links on the account, and alerts the owner', async () => {
    const owners = await listOwners(stack.rt.db.kysely, stack.demo.workspaceId);
    expect(owners.length).toBeGreaterThan(1);
    const owner = owners[0]!;
    const ownerLabel = owner.name ?? owner.email;

    await page.getByRole('link', { name: 'Accounts', exact: true }).click();
    await page.getByRole('combobox', { name: 'Only accounts of this owner' }).click();
    await page.getByRole('option', { name: `${ownerLabel} (${owner.accounts})` }).click();
    await page.waitForURL(/owner=/);
    const table = page.getByRole('table');
    await visible(table.getByRole('row').nth(1));
    await expect
      .poll(async () => (await table.getByRole('row').count()) - 1, { timeout: 15_000 })
      .toBe(Math.min(owner.accounts, 50));
    await hasText(table, ownerLabel);
    await screenshot(page, '53-accounts-by-owner', { fullPage: false });

    await table.getByRole('row').nth(1).getByRole('link').first().click();
    await visible(page.getByTestId('account-owner'));
    await hasText(page.getByTestId('account-owner'), ownerLabel);
    const crm = page.getByRole('link', { name: /^Open in (HubSpot|Attio)$/ });
    await expect.poll(() => crm.count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await page.getByRole('link', { name: 'Open in HubSpot' }).getAttribute('href')).toMatch(
      /^https:\/\/app\.hubspot\.com\/contacts\/\d+\/record\/0-2\/\d+$/,
    );
    await screenshot(page, '54-account-owner-and-crm-links', { fullPage: false });

    await page.getByRole('link', { name: 'Alerts', exact: true }).click();
    await page.getByRole('button', { name: 'New rule' }).click();
    const dialog = page.getByRole('dialog', { name: 'New alert rule' });
    await dialog.getByLabel('Name').fill('Churn to the owner');
    await dialog.getByLabel('Accounts of').first().click();
    await page.getByRole('option', { name: `${ownerLabel} (${owner.accounts})` }).click();
    await dialog.getByText("The account's owner").click();
    await visible(dialog.getByTestId('owner-destination-hint'));
    await screenshot(page, '55-alert-rule-to-owner', { fullPage: false });
    await dialog.getByRole('button', { name: 'Create rule' }).click();
    const rules = page.getByRole('table', { name: 'Alert rules' });
    const row = rules.getByRole('row', { name: /Churn to the owner/ });
    await visible(row);
    await hasText(row, 'Account owner (direct message)');
    await screenshot(page, '56-alert-rules-with-owner-rule');
    const rule = (await listAlertRules(stack.rt.db.kysely, stack.demo.workspaceId)).find(
      (r) => r.name === 'Churn to the owner',
    );
    expect(rule).toMatchObject({ destination: { kind: 'owner' }, filter: { owner: owner.email } });
  });
});
