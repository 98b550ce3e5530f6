/**
 * Waiting assertions over Playwright locators (playwright-core has no `expect`): each waits until
 * the page shows what is asserted, or fails with what it saw.
 *
 * @example
 * await visible(page.getByRole('heading', { name: 'Integrations' }));
 * await hasText(card, 'Connected');
 * await absent(page.getByRole('button', { name: 'Configure' }));
 */
import type { Locator } from 'playwright-core';

const DEFAULT_TIMEOUT = 15_000;

/** The (single) element becomes visible. */
export async function visible(locator: Locator, timeout = DEFAULT_TIMEOUT): Promise<Locator> {
  await locator.waitFor({ state: 'visible', timeout });
  return locator;
}

/** The element disappears (or never was). */
export async function hidden(locator: Locator, timeout = DEFAULT_TIMEOUT): Promise<void> {
  await locator.waitFor({ state: 'hidden', timeout });
}

/** Nothing on the page matches now. Wait for something that proves the page rendered first. */
export async function absent(locator: Locator): Promise<void> {
  const count = await locator.count();
  if (count !== 0) throw new Error(`Expected no ${locator} on the page, found ${count}.`);
}

/** The element's text comes to include `text`. */
export async function hasText(
  locator: Locator,
  text: string | RegExp,
  timeout = DEFAULT_TIMEOUT,
): Promise<string> {
  const deadline = Date.now() + timeout;
  let last = '';
  while (Date.now() < deadline) {
    last = (await locator.textContent({ timeout: Math.max(1, deadline - Date.now()) }).catch(() => '')) ?? '';
    if (typeof text === 'string' ? last.includes(text) : text.test(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `Expected ${locator} to contain ${String(text)}; it read: ${JSON.stringify(last.slice(0, 500))}`,
  );
}

/** An input's value becomes `value`. */
export async function hasValue(locator: Locator, value: string, timeout = DEFAULT_TIMEOUT): Promise<void> {
  const deadline = Date.now() + timeout;
  let last = '';
  while (Date.now() < deadline) {
    last = await locator.inputValue();
    if (last === value) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Expected ${locator} to hold ${JSON.stringify(value)}; it held ${JSON.stringify(last)}.`);
}
