import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const built = new Map<string, Promise<string[]>>();

/**
 * Node arguments that run a TypeScript entry point of this project in a child process. The entry is
 * bundled once per test process into one ES module under `node_modules/.cache` (so its packages
 * resolve): a bundled child starts in about a third of the CPU time a tsx child takes, which adds
 * up over the suites that start dozens of them. Falls back to tsx when esbuild cannot build it.
 * The bundle is removed when the test process exits.
 *
 * @example
 * const cli = await nodeArgsFor('src/cli/main.ts');
 * await execFile(process.execPath, [...cli, 'workspaces', 'list']);
 */
export function nodeArgsFor(entry: string): Promise<string[]> {
  let args = built.get(entry);
  if (!args) {
    args = bundle(entry);
    built.set(entry, args);
  }
  return args;
}

async function bundle(entry: string): Promise<string[]> {
  const source = path.join(root, entry);
  const outfile = path.join(
    root,
    'node_modules',
    '.cache',
    'beton-test',
    `${path.basename(entry, '.ts')}-${process.pid}-${built.size}.mjs`,
  );
  try {
    const { build } = await import('esbuild');
    await build({
      entryPoints: [source],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      outfile,
      logLevel: 'silent',
    });
    process.once('exit', () => fs.rmSync(outfile, { force: true }));
    return [outfile];
  } catch {
    return ['--import', 'tsx', source];
  }
}
