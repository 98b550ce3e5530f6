import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const cacheDir = path.join(root, 'node_modules', '.cache', 'beton-test');
const built = new Map<string, Promise<string[]>>();

/**
 * Node arguments that run a TypeScript entry point of this project in a child process. The entry and
 * its packages are bundled once per test process into one ES module under `node_modules/.cache`
 * (beside the native addons it loads): a bundled CLI starts in a fifth of the CPU time a tsx one
 * takes, which adds up over the suites that start dozens of them. Falls back to tsx when esbuild
 * cannot build it.
 *
 * @example
 * const cli = await nodeArgsFor('src/cli/main.ts');
 * await execFile(process.execPath, [...cli, 'workspaces', 'list']);
 */
export function nodeArgsFor(
  entry: string,
  opts: { packages?: 'bundled' | 'external' } = {},
): Promise<string[]> {
  const packages = opts.packages ?? 'bundled';
  const key = `${packages} ${entry}`;
  let args = built.get(key);
  if (!args) {
    args = bundle(entry, packages);
    built.set(key, args);
  }
  return args;
}

/**
 * `packages: 'external'` leaves every package outside the bundle, loaded from node_modules as a
 * compiled build loads them: slower to start, but without parsing one large file first (a memory
 * measurement's high-water mark is then the program's, not the parse's).
 */
async function bundle(entry: string, packages: 'bundled' | 'external'): Promise<string[]> {
  const source = path.join(root, entry);
  try {
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [source],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // Packages are bundled too (resolving hundreds of files is most of a start); only native
      // addons stay outside, loaded through a `require` made for the bundle.
      ...(packages === 'external'
        ? { packages: 'external' as const }
        : { external: ['better-sqlite3', 'pg-native'] }),
      banner: {
        js: "import { createRequire as bundleRequire } from 'node:module'; const require = bundleRequire(import.meta.url);",
      },
      write: false,
      outfile: 'bundle.mjs',
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]!.contents;
    // Named by content: files running the same code share one bundle, and the cache holds one
    // file per version of an entry instead of one per test process.
    const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
    const outfile = path.join(cacheDir, `${path.basename(entry, '.ts')}-${packages}-${hash}.mjs`);
    if (!fs.existsSync(outfile)) {
      fs.mkdirSync(cacheDir, { recursive: true });
      const temp = `${outfile}.${process.pid}.tmp`;
      fs.writeFileSync(temp, code);
      fs.renameSync(temp, outfile);
    }
    return [outfile];
  } catch {
    return ['--import', 'tsx', source];
  }
}
