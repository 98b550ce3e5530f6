import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The Beton project directory: the nearest folder above this module whose package.json is named
 * `beton`. Found by walking up rather than by a fixed `../..`, so the answer is the same from
 * `src/`, from the compiled `dist/` and from a bundle anywhere under `node_modules/`.
 */
export const packageRoot: string = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

/** The project's package.json version, or 0.0.0 when it cannot be read. */
export const packageVersion: string = (() => {
  try {
    return (
      JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }
    ).version;
  } catch {
    return '0.0.0';
  }
})();

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'beton') return dir;
    } catch {
      // no package.json here, or not ours: keep walking up
    }
    if (path.dirname(dir) === dir) return process.cwd();
  }
}
