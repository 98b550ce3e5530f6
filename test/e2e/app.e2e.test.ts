/**
 * The web app walked through as a RevOps person would, in Chromium, against a real server, the
 * simulators and the demo workspace: sign up, connect Stripe (a wrong key first), sync and watch the
 * run, read an account's explanation, dry-run a push and apply it (then find the values in the Attio
 * simulator), edit a custom signal and clear an integration setting, and check what a viewer can
 * and cannot see. Each step builds on the previous one; a screenshot of every page lands in
 * test-results/e2e/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newPage, screenshot } from './support/browser.js';
import { absent, hasText, hasValue, hidden, visible } from './support/expect.js';
import { type Stack, startStack } from './support/stack.js';

const OWNER = { name: 'Ada Lovelace', email: 'ada@acme.test', password: 'correct-horse-battery' };
const VIEWER = { name: 'Vic Viewer', email: 'vic@acme.test', password: 'viewer-password-123' };

let stack: Stack;
let browser: Browser;
let page: Page;
/** The demo workspace's owner. */
let demo: Page;

beforeAll(async () => {
  stack = await startStack();
  browser = await launchBrowser();
  page = await newPage(browser, stack.url);
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function signIn(p: Page, who: { email: string; password: string }) {
  await p.goto('/sign-in');
  await p.getByLabel('Email').fill(who.email);
  await p.getByRole('textbox', { name: 'Password' }).fill(who.password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('navigation', { name: 'Main navigation' }).waitFor();
}

describe('the web app', () => {
  it('sends a visitor to sign in, and signs up a new person into their own workspace', async () => {
    await page.goto('/integrations');
    await page.waitForURL('**/sign-in');
    await screenshot(page, '01-sign-in');

    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Name').fill(OWNER.name);
    await page.getByLabel('Work email').fill(OWNER.email);
    await page.getByRole('textbox', { name: 'Password' }).fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await visible(page.getByText('Use at least 10 characters'));
    await page.getByRole('textbox', { name: 'Password' }).fill(OWNER.password);
    await screenshot(page, '02-sign-up');
    await page.getByRole('button', { name: 'Create account' }).click();

    await page.getByLabel('Workspace name').fill('Acme Revenue');
    await screenshot(page, '03-create-workspace');
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await page.getByRole('navigation', { name: 'Main navigation' }).waitFor();
    await visible(page.getByRole('button', { name: /Workspace: Acme Revenue/ }));
  });

  it('refuses a wrong Stripe key with Stripe’s reason, and stores nothing', async () => {
    await page.goto('/integrations');
    const card = page.getByTestId('integration-stripe');
    await visible(card.getByText('Not connected'));
    await screenshot(page, '04-integrations');
    await card.getByRole('button', { name: 'Connect' }).click();

    const dialog = page.getByRole('dialog', { name: 'Connect Stripe' });
    await visible(dialog.getByText('https://dashboard.stripe.com/apikeys'));
    await dialog.getByRole('textbox', { name: 'API key' }).fill('sk_test_ThisKeyIsNotKnownToStripe1234');
    await dialog.getByRole('textbox', { name: 'Base URL' }).fill(stack.sims.stripe.url);
    await dialog.getByRole('button', { name: 'Connect' }).click();

    const error = dialog.getByRole('alert').filter({ hasText: 'rejected' });
    await hasText(error, 'Stripe rejected the credentials');
    await screenshot(page, '05-stripe-wrong-key');

    const answer = await page.request.get('/api/v1/integrations/stripe');
    expect(((await answer.json()) as { integration: { status: string } }).integration.status).toBe(
      'not_connected',
    );
  });

  it('connects Stripe with a good key, never showing the key again', async () => {
    const dialog = page.getByRole('dialog', { name: 'Connect Stripe' });
    await dialog.getByRole('textbox', { name: 'API key' }).fill(stack.sims.stripe.apiKey);
    await dialog.getByRole('button', { name: 'Connect' }).click();
    await hidden(dialog);

    const card = page.getByTestId('integration-stripe');
    await visible(card.getByText('Connected', { exact: true }));
    await screenshot(page, '06-stripe-connected');

    await card.getByRole('button', { name: 'Configure' }).click();
    const configure = page.getByRole('dialog', { name: 'Configure Stripe' });
    const keyInput = configure.getByRole('textbox', { name: 'API key' });
    await hasValue(keyInput, '');
    await visible(configure.getByText(`Stored: …${stack.sims.stripe.apiKey.slice(-4)}`));
    await absent(configure.getByText(stack.sims.stripe.apiKey));
    await screenshot(page, '07-stripe-configure');
    await configure.getByRole('button', { name: 'Cancel' }).click();
  });

  it('runs a Stripe sync and watches it finish', async () => {
    await page.getByTestId('integration-stripe').getByRole('button', { name: 'Sync now' }).click();
    await page.waitForURL(/\/sync-runs\/[^/]+$/);
    await visible(page.getByRole('heading', { name: /Stripe sync/ }));
    // Started by a signed-in person, not an API key.
    await visible(page.getByText(/\(web app\)/));
    const runId = page.url().split('/').pop()!;
    const started = (await (await page.request.get(`/api/v1/sync-runs/${runId}`)).json()) as {
      run: { trigger: string };
    };
    expect(started.run.trigger).toBe('web');
    await visible(page.getByText('Succeeded', { exact: true }).first(), 90_000);
    const customers = page.getByRole('row').filter({ hasText: 'customers' });
    await hasText(customers, /succeeded/i);
    const written = Number(
      ((await customers.getByRole('cell').nth(4).textContent()) ?? '').replace(/\D/g, ''),
    );
    expect(written).toBeGreaterThan(0);
    await screenshot(page, '08-sync-run');

    await page.goto('/sync-runs');
    await hasText(page.getByRole('row').filter({ hasText: 'Stripe' }).first(), /succeeded/i);
    await screenshot(page, '09-sync-runs');

    await page.getByRole('link', { name: 'Home', exact: true }).click();
    const syncs = page.getByRole('row').filter({ hasText: 'Stripe' }).first();
    await hasText(syncs, 'Succeeded');
    await screenshot(page, '10-home');
  });

  it('invites a viewer, who joins with their own password and sees everything but no configuration controls', async () => {
    await page.goto('/settings/members');
    await page.getByRole('button', { name: 'Invite member' }).click();
    await page.getByLabel('Email').fill(VIEWER.email);
    await page.getByRole('combobox', { name: 'Role' }).click();
    await page.getByRole('option', { name: /^Viewer/ }).click();
    await page.getByRole('button', { name: 'Send invitation' }).click();
    const link = page.getByRole('textbox', { name: 'Invitation link' });
    await visible(link);
    const url = await link.inputValue();
    expect(url).toMatch(/\/invite#[A-Za-z0-9_-]{43}$/);
    await visible(page.getByText(VIEWER.email).first());
    await screenshot(page, '11-members');

    const viewer = await newPage(browser, stack.url);
    await viewer.goto(url);
    await visible(viewer.getByText(/invited as viewer/));
    await viewer.getByLabel('Name').fill(VIEWER.name);
    await viewer.getByRole('textbox', { name: 'Password' }).fill(VIEWER.password);
    await viewer.getByRole('button', { name: 'Create account and join' }).click();
    await viewer.getByRole('navigation', { name: 'Main navigation' }).waitFor();
    await page.reload();
    await hasValue(page.getByRole('combobox', { name: `Role of ${VIEWER.email}` }), 'viewer');
    await signIn(viewer, VIEWER);
    await viewer.goto('/integrations');
    const stripe = viewer.getByTestId('integration-stripe');
    await visible(stripe.getByText('Connected', { exact: true }));
    await absent(viewer.getByRole('button', { name: /^(Connect|Configure|Sync now)$/ }));
    await absent(viewer.getByRole('button', { name: /More actions/ }));
    await absent(viewer.getByRole('link', { name: 'Members' }));
    await absent(viewer.getByRole('link', { name: 'API keys' }));
    await screenshot(viewer, '12-viewer-integrations');

    await viewer.goto('/sync-runs');
    await visible(viewer.getByRole('row').filter({ hasText: 'Stripe' }).first());
    await absent(viewer.getByRole('button', { name: 'Sync now' }));

    await viewer.goto('/push');
    await visible(viewer.getByText('Connect Attio first'));
    await visible(viewer.getByText('Ask an admin to connect Attio'));
    await absent(viewer.getByRole('button', { name: /Dry run|Apply|Go to Integrations/ }));

    await viewer.goto('/settings/api-keys');
    await visible(viewer.getByText('Only an admin can manage API keys'));
    await viewer.context().close();
  });

  it('opens an account in the demo workspace and reads its explanation', async () => {
    await stack.demo.ready;
    demo = await newPage(browser, stack.url);
    await signIn(demo, { email: stack.demo.email, password: stack.demo.password });
    // The demo's first pipeline pass must have scored the accounts; say why not if it did not.
    const scoreRuns = (await (await demo.request.get('/api/v1/score-runs?limit=1')).json()) as {
      runs: { status: string; error: string | null }[];
    };
    expect(scoreRuns.runs[0]?.status, scoreRuns.runs[0]?.error ?? 'no score run').toBe('succeeded');
    await hasText(
      demo.getByRole('heading', { name: 'Accounts by grade' }).locator('xpath=../..'),
      'accounts scored',
    );
    await screenshot(demo, '14-demo-home');

    await demo.getByRole('link', { name: 'Accounts', exact: true }).click();
    await visible(demo.getByRole('heading', { name: 'Accounts', exact: true }));
    const firstAccount = demo.getByRole('table').getByRole('link').first();
    const name = (await (await visible(firstAccount)).textContent()) ?? '';
    await screenshot(demo, '15-accounts', { fullPage: false });
    await firstAccount.click();

    await visible(demo.getByRole('heading', { name }));
    await hasText(demo.getByTestId('score-summary'), /Grade M(100|75|50|25|10) \(score \d+\)/);
    await visible(demo.getByRole('heading', { name: 'What drives expansion' }));
    await visible(demo.getByRole('heading', { name: 'Signal timeline' }));
    await screenshot(demo, '16-account', { fullPage: false });
  });

  it('dry-runs a push to Attio, applies it, and the values arrive in the Attio simulator', async () => {
    const attio = stack.sims.sims.attio.store;
    const writesBefore = attio.countRecords('companies');
    await demo.getByRole('link', { name: 'CRM push' }).click();
    await demo.getByRole('button', { name: 'Dry run' }).click();
    const creates = await visible(demo.getByTestId('plan-creates'));
    const planned = Number(((await creates.textContent()) ?? '').replace(/\D/g, ''));
    expect(planned).toBeGreaterThan(0);
    expect(attio.countRecords('companies')).toBe(writesBefore);
    await screenshot(demo, '17-push-plan', { fullPage: false });

    await demo.getByRole('button', { name: 'Apply', exact: true }).click();
    await demo.getByRole('dialog').getByRole('button', { name: 'Apply push' }).click();
    const result = demo.getByRole('status').filter({ hasText: 'Push finished' });
    await hasText(result, /succeeded/i, 90_000);
    await screenshot(demo, '18-push-applied', { fullPage: false });

    const href = await demo.getByRole('link', { name: 'See what it wrote' }).getAttribute('href');
    const runId = href!.split('/').pop()!;
    const answer = await demo.request.get(`/api/v1/push-runs/${runId}?status=written&limit=50`);
    const { items } = (await answer.json()) as {
      items: {
        key: string;
        action: string;
        changes: { attribute: string; before: string | number | null; after: string | number | null }[];
      }[];
    };
    expect(items.length).toBeGreaterThan(0);
    expect(attio.countRecords('companies')).toBeGreaterThanOrEqual(writesBefore + planned);
    for (const item of items) {
      const record = attio.queryRecords('companies', { filter: { domains: item.key } })[0];
      expect(record, `company ${item.key} in Attio`).toBeDefined();
      for (const change of item.changes) {
        const values = record!.values as unknown as Record<string, { value: unknown }[] | undefined>;
        const stored = values[change.attribute]?.[0]?.value;
        if (typeof change.after === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(change.after)) {
          expect(Date.parse(String(stored))).toBe(Date.parse(change.after));
        } else {
          expect(stored, `${item.key} ${change.attribute}`).toEqual(change.after);
        }
      }
    }

    await demo.getByRole('link', { name: 'See what it wrote' }).click();
    await visible(demo.getByRole('heading', { name: /Push to Attio/ }));
    await screenshot(demo, '19-push-run', { fullPage: false });

    await demo.getByRole('button', { name: 'Roll back' }).click();
    await demo.getByRole('dialog').getByRole('button', { name: 'Roll back' }).click();
    await visible(demo.getByRole('heading', { name: /Rollback in Attio/ }));
    await hasText(demo.getByRole('heading', { name: /Rollback in Attio/ }), /succeeded/i, 60_000);
    const restored = items[0]!;
    const record = attio.queryRecords('companies', { filter: { domains: restored.key } })[0]!;
    const health = (record.values as unknown as Record<string, { value: unknown }[] | undefined>)
      .beton_health;
    expect(health?.[0]?.value).not.toBe(restored.changes.find((c) => c.attribute === 'beton_health')?.after);

    await demo.goto('/push?tab=history');
    await hasText(demo.getByRole('row').nth(1), /rollback/i);
    await hasText(demo.getByRole('row').nth(2), /rolled back/i);
    await screenshot(demo, '20-push-history');
    await demo.goto('/signals');
    await visible(demo.getByRole('table'));
    await screenshot(demo, '21-signals', { fullPage: false });
  });

  it('edits a custom signal from its stored definition, and clears an integration setting', async () => {
    await demo.goto('/signals');
    await demo.getByRole('button', { name: 'New custom signal' }).click();
    const create = demo.getByRole('dialog', { name: 'New custom signal' });
    await create.getByRole('textbox', { name: 'Name' }).fill('Report builders');
    const events = create.getByRole('combobox', { name: 'Events' });
    for (const event of ['report_created', 'feature_used']) {
      await events.fill(event);
      await events.press('Enter');
    }
    await create.getByRole('textbox', { name: 'Threshold' }).fill('40');
    await create.getByRole('textbox', { name: 'Over the last' }).fill('21');
    await hasText(create.getByTestId('preview-count'), /Matches \d+ of \d+ accounts/);
    await create.getByRole('button', { name: 'Create signal' }).click();
    await hidden(create);

    await demo.getByRole('button', { name: 'Actions for Report builders' }).click();
    await demo.getByRole('menuitem', { name: 'Edit' }).click();
    const edit = demo.getByRole('dialog', { name: 'Edit “Report builders”' });
    // Prefilled from the stored definition, not from defaults.
    await hasValue(edit.getByRole('textbox', { name: 'Name' }), 'Report builders');
    await hasValue(edit.getByRole('textbox', { name: 'Threshold' }), '40');
    await hasValue(edit.getByRole('textbox', { name: 'Over the last' }), '21 days');
    await visible(edit.getByText('report_created', { exact: true }));
    await visible(edit.getByText('feature_used', { exact: true }));
    await hasText(edit.getByTestId('preview-count'), /Matches \d+ of \d+ accounts/);
    await screenshot(demo, '22-signal-edit', { fullPage: false });
    await edit.getByRole('textbox', { name: 'Threshold' }).fill('25');
    await edit.getByRole('button', { name: 'Save signal' }).click();
    await hidden(edit);
    const signals = (await (await demo.request.get('/api/v1/signals')).json()) as {
      signals: { title: string; definition: Record<string, unknown> | null }[];
    };
    expect(signals.signals.find((s) => s.title === 'Report builders')?.definition).toMatchObject({
      events: ['report_created', 'feature_used'],
      operator: 'gte',
      threshold: 25,
      windowDays: 21,
    });

    const apolloSettings = async () =>
      (
        (await (await demo.request.get('/api/v1/integrations/apollo')).json()) as {
          integration: { connection: { settings: Record<string, unknown> } };
        }
      ).integration.connection.settings;
    await demo.goto('/integrations');
    const card = demo.getByTestId('integration-apollo');
    await card.getByRole('button', { name: 'Configure' }).click();
    let dialog = demo.getByRole('dialog', { name: 'Configure Apollo' });
    await dialog.getByRole('textbox', { name: 'Monthly credit cap' }).fill('500');
    await dialog.getByRole('button', { name: 'Save and test' }).click();
    await hidden(dialog);
    expect(await apolloSettings()).toMatchObject({ monthlyCreditCap: 500 });

    await card.getByRole('button', { name: 'Configure' }).click();
    dialog = demo.getByRole('dialog', { name: 'Configure Apollo' });
    await hasValue(dialog.getByRole('textbox', { name: 'Monthly credit cap' }), '500');
    await screenshot(demo, '23-apollo-configure');
    await dialog.getByRole('button', { name: 'Clear Monthly credit cap' }).click();
    await hasValue(dialog.getByRole('textbox', { name: 'Monthly credit cap' }), '');
    await dialog.getByRole('button', { name: 'Save and test' }).click();
    await hidden(dialog);
    const settings = await apolloSettings();
    expect(settings).not.toHaveProperty('monthlyCreditCap');
    expect(settings).toHaveProperty('baseUrl', stack.sims.apollo.url);
  });

  it('is usable in a narrow window', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/integrations');
    await visible(page.getByRole('heading', { name: 'Integrations' }));
    await page.getByRole('button', { name: 'Toggle navigation' }).click();
    await page.getByRole('link', { name: 'Sync runs' }).click();
    await visible(page.getByRole('heading', { name: 'Sync runs' }));
    await screenshot(page, '24-narrow-sync-runs');
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});
