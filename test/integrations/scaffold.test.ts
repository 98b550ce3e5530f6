import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namesOf } from '../../src/cli/scaffold/names.js';
import { addToRegistry } from '../../src/cli/scaffold/scaffold.js';
import { nodeArgsFor } from '../support/bundle.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
/** The CLI, bundled once for this file: each run is a full Node start. */
const cli = await nodeArgsFor('src/cli/main.ts');

describe('addToRegistry', () => {
  const base = `import { AppError } from '../core/errors.js';
import apollo from './apollo/index.js';
import stripe from './stripe/index.js';
import type { AnyIntegration } from './sdk.js';

export const integrations: readonly AnyIntegration[] = [apollo, stripe];
`;

  it('adds the import in sorted place and the entry to the list', () => {
    const out = addToRegistry(base, namesOf('hubspot_crm'));
    expect(out).toContain(
      "import apollo from './apollo/index.js';\nimport hubspotCrm from './hubspot_crm/index.js';\nimport stripe from './stripe/index.js';",
    );
    expect(out).toContain(
      'export const integrations: readonly AnyIntegration[] = [apollo, stripe, hubspotCrm];',
    );
  });

  it('wraps a list that no longer fits on one line, and reads a wrapped one', () => {
    let out = base;
    for (const name of ['alpha_one', 'beta_two', 'gamma_three', 'delta_four', 'epsilon_five']) {
      out = addToRegistry(out, namesOf(name));
    }
    expect(out).toContain('= [\n  apollo,\n  stripe,\n  alphaOne,');
    expect(addToRegistry(out, namesOf('zeta'))).toContain('  epsilonFive,\n  zeta,\n];');
  });
});

describe('beton integration new', () => {
  let copy: string;

  beforeAll(() => {
    // A temporary copy of the project (node_modules linked), so scaffolding never touches the tree.
    copy = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-scaffold-'));
    for (const entry of ['src', 'test/support', 'package.json', 'tsconfig.json', 'vitest.config.ts']) {
      fs.cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
    }
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  });
  afterAll(() => fs.rmSync(copy, { recursive: true, force: true }));

  it('writes a folder that typechecks and whose tests pass at once', async () => {
    const created = await run(process.execPath, [...cli, 'integration', 'new', 'acme_crm', '--json'], {
      cwd: copy,
    });
    const result = JSON.parse(created.stdout) as { files: string[] };
    expect(result.files).toEqual([
      'src/integrations/acme_crm/client.ts',
      'src/integrations/acme_crm/index.ts',
      'src/simulators/acme_crm/index.ts',
      'test/integrations/acme_crm.test.ts',
      'docs/integrations/acme_crm.md',
      'src/integrations/registry.ts',
    ]);
    const registry = fs.readFileSync(path.join(copy, 'src/integrations/registry.ts'), 'utf8');
    expect(registry).toContain("import acmeCrm from './acme_crm/index.js';");
    expect(registry).toMatch(/acmeCrm,?\s*\]/);

    // Typecheck what was written (and the registry that imports it).
    fs.writeFileSync(
      path.join(copy, 'tsconfig.scaffold.json'),
      JSON.stringify({
        extends: './tsconfig.json',
        include: [
          'src/integrations/acme_crm',
          'src/simulators/acme_crm',
          'test/integrations/acme_crm.test.ts',
          'src/integrations/registry.ts',
        ],
      }),
    );
    await run(path.join(copy, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.scaffold.json', '--noEmit'], {
      cwd: copy,
    }).catch((error: { stdout: string }) => {
      throw new Error(`The scaffolded code does not typecheck:\n${error.stdout}`);
    });

    const tests = await run(
      path.join(copy, 'node_modules/.bin/vitest'),
      ['run', 'test/integrations/acme_crm.test.ts'],
      {
        cwd: copy,
        env: { ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? '' },
      },
    );
    expect(tests.stdout).toMatch(/3 passed/);

    // A second run refuses to overwrite.
    await expect(
      run(process.execPath, [...cli, 'integration', 'new', 'acme_crm'], {
        cwd: copy,
      }),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('already') });
  }, 180_000);
});
