import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Orders } from './kill-child.js';

const root = path.resolve(import.meta.dirname, '../../..');

interface Warm {
  ready: Promise<void>;
  exited: Promise<string>;
  send(orders: Orders): void;
  kill(): void;
}

function startChild(args: string[]): Warm {
  const proc = spawn(process.execPath, args, { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  proc.stdout.on('data', (d) => {
    out += d;
    if (out.includes('ready\n')) onReady();
  });
  proc.stderr.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<string>((resolve, reject) => {
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve('killed');
      else if (code === 0) resolve(out.replace('ready\n', '').trim());
      else reject(new Error(`kill child exited ${code}: ${err.slice(-2000)}`));
    });
  });
  // A child that dies while still warming up must not hang the suite on `ready`.
  exited.then(onReady, onReady);
  return {
    ready,
    exited,
    send: (orders) => proc.stdin.end(`${JSON.stringify(orders)}\n`),
    kill: () => {
      exited.catch(() => undefined);
      proc.kill('SIGKILL');
    },
  };
}

/**
 * Children started ahead of need: each loads its modules while the previous trial runs, so a trial
 * waits only for the work itself. `run` hands orders to a loaded child and resolves with how it
 * ended: `killed` (SIGKILL), or what it printed.
 *
 * @example
 * const children = warmChildren(await nodeArgsFor('test/reliability/support/kill-child.ts'), 3);
 * await children.run(orders); // 'killed'
 * children.close();
 */
export function warmChildren(args: string[], size: number) {
  const idle: Warm[] = Array.from({ length: size }, () => startChild(args));
  return {
    async run(orders: Orders): Promise<string> {
      const next = idle.shift() ?? startChild(args);
      idle.push(startChild(args));
      await next.ready;
      next.send(orders);
      return next.exited;
    },
    close() {
      for (const warm of idle.splice(0)) warm.kill();
    },
  };
}

/** A small seeded generator, so a failing trial can be replayed from its seed. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4_294_967_296;
  };
}

/** Run `tasks` with at most `limit` at once. */
export async function pool<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}
