import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyProject } from '../support/project-copy.js';

const run = promisify(execFile);

/**
 * Issue 14's promise, end to end: in a temporary copy of the tree, `beton integration new` adds an
 * integration by writing its folder and one registry line — nothing else is edited — and the
 * platform picks it up by itself: its synced records resolve into accounts (through its mappers and
 * the registry), a score run scores them and a push plan to it (its destination role, through
 * src/push's generic engine) lists every scored account as a write against its simulator, and
 * `beton simulate --json` lists its simulator.
 */

const NAME = 'acme_crm';
let copy: string;

/** Every file under `dir` with its content hash, relative and sorted. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out.set(path.relative(dir, file), fs.readFileSync(file, 'utf8'));
  }
  return out;
}

beforeAll(async () => {
  copy = copyProject('beton-platform-');
  const before = snapshot(path.join(copy, 'src'));
  await run(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'integration', 'new', NAME, '--role', 'source,destination'],
    {
      cwd: copy,
    },
  );
  const after = snapshot(path.join(copy, 'src'));
  const changed = [...after.keys()].filter((file) => before.get(file) !== after.get(file));
  const removed = [...before.keys()].filter((file) => !after.has(file));
  expect(removed).toEqual([]);
  expect(changed.filter((file) => !file.startsWith(`integrations/${NAME}/`))).toEqual([
    'integrations/registry.ts',
  ]);
}, 120_000);
afterAll(() => fs.rmSync(copy, { recursive: true, force: true }));

describe('a scaffolded integration on the platform', () => {
  it('syncs from its simulator, its records resolve into accounts, and a push plan to it lists them', async () => {
    // A test of the copy's own tree, written outside the integration's folder only for this check.
    const probe = path.join(copy, 'test', 'platform-probe.test.ts');
    fs.writeFileSync(
      probe,
      `import { expect, it } from 'vitest';
import { ingestChanges } from '../src/accounts/index.js';
import { integrations } from '../src/integrations/index.js';
import { planPush, withScoresSource } from '../src/push/index.js';
import { runScore } from '../src/scoring/index.js';
import { startSimulators } from '../src/simulators/index.js';
import { executeRun, startSync } from '../src/sync/index.js';
import { createSyncTestbed } from './support/testkit-integration/testbed.js';

it('resolves', async () => {
  const sims = await startSimulators({ seed: 'platform', companies: 30, only: ['${NAME}'] });
  const bed = await createSyncTestbed({ integrations: [...integrations] });
  try {
    const sim = sims.get('${NAME}');
    await bed.connectWith('${NAME}', sim.connection.credentials, sim.connection.settings);
    const started = await startSync(bed.deps, bed.workspaceId, '${NAME}', { trigger: 'manual' });
    const done = await executeRun(bed.deps, bed.workspaceId, started.id);
    expect(done.status).toBe('succeeded');
    await ingestChanges(bed.deps.db.kysely, bed.workspaceId, {
      watermark: null,
      now: new Date(Date.now() + 60_000).toISOString(),
      liveSinceDay: null,
      registry: bed.deps.integrations,
    });
    const accounts = await bed.deps.db.kysely.selectFrom('accounts').select(['domain', 'name']).where('workspace_id', '=', bed.workspaceId).execute();
    expect(accounts.map((a) => a.domain).sort()).toEqual(sims.dataset.companies.map((c) => c.domain).sort());
    expect(accounts.find((a) => a.domain === sims.dataset.companies[0]!.domain)?.name).toBe(sims.dataset.companies[0]!.name);

    // Its destination role: score the accounts, then plan a push to it through the generic engine.
    const scoreRun = await runScore(bed.deps.db.kysely, bed.workspaceId, { trigger: 'test' });
    expect(scoreRun.status).toBe('succeeded');
    expect(scoreRun.counts.accountsScored).toBe(accounts.length);
    const plan = await planPush(withScoresSource(bed.deps), bed.workspaceId, '${NAME}');
    expect(plan.destination).toBe('${NAME}');
    expect(plan.attributes.conflicts).toEqual([]);
    expect(plan.attributes.create.map((m) => m.attribute)).toContain('beton_health');
    expect(plan.items.map((i) => i.key).sort()).toEqual(accounts.map((a) => a.domain).sort());
    // The simulator's CRM starts with no company records: every scored account is a create.
    for (const item of plan.items) {
      expect(item).toMatchObject({ action: 'create', recordId: null });
      expect(typeof item.desired.beton_health).toBe('number');
    }
    expect(plan.summary).toMatchObject({ creates: accounts.length, updates: 0, rejects: 0 });
  } finally {
    await bed.close();
    await sims.close();
  }
});
`,
    );
    const result = await run(
      path.join(copy, 'node_modules/.bin/vitest'),
      ['run', 'test/platform-probe.test.ts'],
      { cwd: copy, env: { ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? '' } },
    ).catch((error: { stdout: string; stderr: string }) => {
      throw new Error(`The probe failed:\n${error.stdout}\n${error.stderr}`);
    });
    expect(result.stdout).toMatch(/1 passed/);
  }, 240_000);

  it('appears in `beton simulate --json` with the URL and key a connection needs', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'simulate', '--json', '--companies', '20'],
      { cwd: copy, env: { PATH: process.env.PATH, LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        let err = '';
        child.stdout.on('data', (chunk) => {
          out += String(chunk);
          if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
        });
        child.stderr.on('data', (chunk) => (err += String(chunk)));
        child.once('exit', (code) => reject(new Error(`simulate exited ${code}: ${err}`)));
      });
      const creds = JSON.parse(line) as Record<string, { url: string; apiKey: string }>;
      expect(Object.keys(creds)).toContain(NAME);
      const entry = creds[NAME]!;
      const me = await fetch(`${entry.url}/v1/me`, { headers: { authorization: `Bearer ${entry.apiKey}` } });
      expect(me.status).toBe(200);
      const refused = await fetch(`${entry.url}/v1/me`, { headers: { authorization: 'Bearer wrong' } });
      expect(refused.status).toBe(401);
    } finally {
      child.kill('SIGINT');
    }
  }, 120_000);
});
