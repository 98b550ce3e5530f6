import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeArgsFor } from '../../test/support/bundle.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Run a TypeScript file in a new Node process (tsx), stdout piped. */
export function spawnTs(file: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, file), ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
}

/**
 * Run a TypeScript file as bundled JavaScript in a new Node process (no TypeScript loader), stdout
 * piped: for measuring a process's memory as production runs it (compiled code), since the loader
 * alone holds some 60 MB. Bundled the way the test suites bundle their child processes, with the
 * packages left in node_modules as a build loads them (parsing one bundle of them all would be the
 * high-water mark of a small program's memory).
 *
 * @example const child = await spawnBundled('bench/segments/export-child.ts', [file]);
 */
export async function spawnBundled(file: string, args: string[] = []): Promise<ChildProcess> {
  return spawn(process.execPath, [...(await nodeArgsFor(file, { packages: 'external' })), ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
}

/** The first line a child prints, parsed as JSON. */
export function firstLine<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const at = buffer.indexOf('\n');
      if (at >= 0) {
        child.stdout!.off('data', onData);
        resolve(JSON.parse(buffer.slice(0, at)) as T);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before answering`)));
  });
}

/** Start the testkit simulator in its own process. */
export async function startSimulatorProcess(opts: { items: number; ratePerSecond?: number }) {
  const child = spawnTs('bench/support/simulator-process.ts', [JSON.stringify(opts)]);
  const info = await firstLine<{ url: string; apiKey: string }>(child);
  return {
    ...info,
    async stats(): Promise<{ requests: number; rateLimited: number }> {
      return (await fetch(`${info.url}/__stats`)).json() as Promise<{
        requests: number;
        rateLimited: number;
      }>;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin!.end();
      }),
  };
}
