/**
 * Segments in the web app, in Chromium against a real server and the demo workspace: filter the
 * accounts list, save the filter as a segment, open it (members, trend), find it in the Segments
 * list with its member count, and download its CSV.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newPage, screenshot } from './support/browser.js';
import { hasText, visible } from './support/expect.js';
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

describe('segments', () => {
  it('saves the accounts filter as a segment, lists it with its members, and exports it', async () => {
    await page.goto('/accounts?grade=M100,M75');
    await visible(page.getByRole('heading', { name: 'Accounts', exact: true }));
    await visible(page.getByRole('table').getByRole('link').first());
    const listed = await page.request.get('/api/v1/accounts?grade=M100,M75&limit=200');
    const expected = ((await listed.json()) as { items: unknown[] }).items.length;
    expect(expected).toBeGreaterThan(0);

    await page.getByRole('button', { name: 'Save as segment' }).click();
    const dialog = page.getByRole('dialog', { name: 'Save as segment' });
    await hasText(dialog, 'grade M100,M75');
    await dialog.getByLabel('Name').fill('Top accounts');
    await dialog.getByRole('button', { name: 'Save segment' }).click();

    await visible(page.getByRole('heading', { name: 'Top accounts' }));
    await hasText(page.getByText(/members, evaluated/), `${expected} members`);
    await visible(page.getByRole('table', { name: 'Members' }).getByRole('link').first());
    // A segmented control's radio is visually hidden: click its label, as a person does.
    await page.locator('label', { hasText: 'New this week' }).click();
    await visible(page.getByRole('table', { name: 'Members' }).getByRole('link').first());
    await screenshot(page, '30-segment');

    await page.getByRole('link', { name: 'Segments', exact: true }).click();
    const row = page.getByRole('table', { name: 'Segments' }).getByRole('row', { name: /Top accounts/ });
    await hasText(row, String(expected));
    await screenshot(page, '31-segments');

    await row.getByRole('link', { name: 'Top accounts' }).click();
    const href = await (await visible(page.getByRole('link', { name: 'Export CSV' }))).getAttribute('href');
    const csv = await page.request.get(href!);
    expect(csv.headers()['content-disposition']).toContain('segment-top-accounts-');
    const lines = (await csv.text()).split('\r\n').filter(Boolean);
    expect(lines[0]).toContain('name,domain,grade');
    expect(lines).toHaveLength(expected + 1);
  });
});
