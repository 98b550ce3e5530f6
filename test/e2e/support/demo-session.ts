import type { Browser, Page } from 'playwright-core';
import { newPage } from './browser.js';
import type { Stack } from './stack.js';

/**
 * A page signed in as the demo workspace's owner, once its first pipeline pass has ended.
 *
 * @example const page = await demoSession(browser, stack); await page.getByRole('link', { name: 'Accounts' }).click();
 */
export async function demoSession(browser: Browser, stack: Stack): Promise<Page> {
  await stack.demo.ready;
  const page = await newPage(browser, stack.url);
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(stack.demo.email);
  await page.getByRole('textbox', { name: 'Password' }).fill(stack.demo.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main navigation' }).waitFor();
  return page;
}
