import { type ChildProcess, execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { simulatedIntegrations } from '../../src/simulators/index.js';
import { nodeArgsFor } from '../support/bundle.js';

/** The CLI, bundled once for this file: each run is a full Node start. */
const cli = await nodeArgsFor('src/cli/main.ts');

const root = path.resolve(import.meta.dirname, '../..');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Start `beton simulate` and resolve with its first stdout line. */
function simulate(args: string[]): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, [...cli, 'simulate', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (chunk) => {
      out += String(chunk);
      const newline = out.indexOf('\n');
      if (newline >= 0) resolve({ child, line: out.slice(0, newline) });
    });
    child.stderr!.on('data', (chunk) => (err += String(chunk)));
    child.once('exit', (code) => reject(new Error(`simulate exited ${code}: ${err}`)));
  });
}

describe('beton simulate', () => {
  it('prints every registered simulator with its credentials as JSON, serves them, and stops on SIGINT', async () => {
    const { child, line } = await simulate(['--json', '--companies', '40', '--seed', 'cli']);
    const creds = JSON.parse(line);
    // Every integration that declares a simulator, in pipeline order (sources, enrichment, CRMs, …).
    expect(Object.keys(creds)).toEqual(simulatedIntegrations().map((i) => i.name));
    expect(Object.keys(creds.posthog)).toEqual(['url', 'apiKey', 'projectId']);
    expect(Object.keys(creds.stripe)).toEqual(['url', 'apiKey', 'webhookSecret']);
    expect(Object.keys(creds.apollo)).toEqual(['url', 'apiKey']);
    expect(Object.keys(creds.attio)).toEqual(['url', 'apiKey']);
    expect(creds.posthog.apiKey).toMatch(/^phx_/);
    expect(creds.stripe.apiKey).toMatch(/^sk_test_/);
    expect(creds.stripe.webhookSecret).toMatch(/^whsec_/);

    const customers = await fetch(`${creds.stripe.url}/v1/customers?limit=1`, {
      headers: { authorization: `Bearer ${creds.stripe.apiKey}` },
    });
    expect(customers.status).toBe(200);
    const projects = await fetch(`${creds.posthog.url}/api/projects/`, {
      headers: { authorization: `Bearer ${creds.posthog.apiKey}` },
    });
    expect(((await projects.json()) as { results: { id: number }[] }).results[0]!.id).toBe(
      creds.posthog.projectId,
    );

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('turns knobs into behaviour: --error-rate 1 answers every request with a 5xx', async () => {
    const { child, line } = await simulate(['--json', '--companies', '20', '--error-rate', '1']);
    const creds = JSON.parse(line);
    const res = await fetch(`${creds.attio.url}/v2/self`, {
      headers: { authorization: `Bearer ${creds.attio.apiKey}` },
    });
    expect(res.status).toBeGreaterThanOrEqual(500);
    child.kill('SIGINT');
  });

  it('refuses a knob out of range with one clear line', async () => {
    const run = promisify(execFile);
    const result = await run(process.execPath, [...cli, 'simulate', '--error-rate', '3'], {
      cwd: root,
      env: { PATH: process.env.PATH },
    }).catch((e: { code: number; stderr: string }) => e);
    expect((result as { code: number }).code).toBe(1);
    expect((result as { stderr: string }).stderr).toMatch(/--error-rate must be a number between 0 and 1/);
  });
});
