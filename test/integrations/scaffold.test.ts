import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namesOf } from '../../src/cli/scaffold/names.js';
import { addToRegistry } from '../../src/cli/scaffold/scaffold.js';
import { nodeArgsFor } from '../support/bundle.js';
import { copyProject } from '../support/project-copy.js';

const run = promisify(execFile);
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
    copy = copyProject('beton-scaffold-');
  });
  afterAll(() => fs.rmSync(copy, { recursive: true, force: true }));

  it('writes only its folder and the registry line; the output passes lint, typecheck and its own tests', async () => {
    const before = listFiles(path.join(copy, 'src'));
    const created = await run(
      process.execPath,
      [
        ...cli,
        'integration',
        'new',
        'acme_crm',
        '--role',
        'source,enrichment,destination',
        '--display-name',
        'Acme CRM',
        '--json',
      ],
      { cwd: copy },
    );
    const result = JSON.parse(created.stdout) as { files: string[]; roles: string[] };
    expect(result.roles).toEqual(['source', 'enrichment', 'destination']);
    const folder = 'src/integrations/acme_crm';
    expect(result.files.sort()).toEqual(
      [
        `${folder}/README.md`,
        `${folder}/acme_crm.test.ts`,
        `${folder}/client.ts`,
        `${folder}/destination.test.ts`,
        `${folder}/destination.ts`,
        `${folder}/enrichment.test.ts`,
        `${folder}/enrichment.ts`,
        `${folder}/index.ts`,
        `${folder}/mappers.test.ts`,
        `${folder}/mappers.ts`,
        `${folder}/simulator/index.ts`,
        `${folder}/streams.ts`,
        `${folder}/types.ts`,
        'src/integrations/registry.ts',
      ].sort(),
    );
    // Nothing else in src/ appeared or went away.
    const after = listFiles(path.join(copy, 'src')).filter((f) => !f.startsWith('integrations/acme_crm/'));
    expect(after).toEqual(before);
    const registry = fs.readFileSync(path.join(copy, 'src/integrations/registry.ts'), 'utf8');
    expect(registry).toContain("import acmeCrm from './acme_crm/index.js';");
    expect(registry).toMatch(/acmeCrm,?\s*\]/);
    expect(fs.readFileSync(path.join(copy, `${folder}/index.ts`), 'utf8')).toContain(
      "displayName: 'Acme CRM'",
    );

    // Lint: Biome, as CI runs it.
    await run(path.join(copy, 'node_modules/.bin/biome'), ['check', folder, 'src/integrations/registry.ts'], {
      cwd: copy,
    }).catch((error: { stdout: string; stderr: string }) => {
      throw new Error(`The scaffolded code fails biome check:\n${error.stdout}${error.stderr}`);
    });

    // Typecheck what was written (and the registry that imports it).
    fs.writeFileSync(
      path.join(copy, 'tsconfig.scaffold.json'),
      JSON.stringify({ extends: './tsconfig.json', include: [folder, 'src/integrations/registry.ts'] }),
    );
    await run(path.join(copy, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.scaffold.json', '--noEmit'], {
      cwd: copy,
    }).catch((error: { stdout: string }) => {
      throw new Error(`The scaffolded code does not typecheck:\n${error.stdout}`);
    });

    const tests = await run(path.join(copy, 'node_modules/.bin/vitest'), ['run', folder], {
      cwd: copy,
      env: { ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? '' },
    });
    expect(tests.stdout).toMatch(/10 passed/);

    // A second run refuses to overwrite; an unknown role is refused with what is accepted.
    await expect(
      run(process.execPath, [...cli, 'integration', 'new', 'acme_crm'], { cwd: copy }),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('already') });
    await expect(
      run(process.execPath, [...cli, 'integration', 'new', 'other_one', '--role', 'sink'], { cwd: copy }),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('use source, enrichment, destination') });
  }, 400_000);
});

/** Every file under `dir`, relative and sorted. */
function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}
