/**
 * Everything a browser test talks to, started in this process: the four simulators over one small
 * synthetic world, and a Beton server (runtime, job worker, API and the built web app) on
 * 127.0.0.1:0 with a fresh data directory.
 *
 * @example
 * const stack = await startStack();
 * stack.url;            // http://127.0.0.1:41234
 * stack.sims.stripe;    // { url, apiKey, webhookSecret }
 * await stack.close();
 *
 * Run it alone to click around by hand: `node --import tsx test/e2e/support/stack.ts`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/api/index.js';
import { loadConfig } from '../../../src/core/config.js';
import { createRuntime, type Runtime } from '../../../src/runtime/index.js';
import { type RunningSimulators, startSimulators } from '../../../src/simulators/index.js';
import { ensureWebBuild } from './web-build.js';

export interface Stack {
  url: string;
  rt: Runtime;
  app: FastifyInstance;
  sims: RunningSimulators;
  dataDir: string;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Companies in the synthetic world (small keeps syncs quick). */
  companies?: number;
  seed?: string;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  ensureWebBuild();
  const sims = await startSimulators({ seed: opts.seed ?? 'e2e', companies: opts.companies ?? 40 });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-e2e-'));
  let rt: Runtime | undefined;
  try {
    const config = loadConfig({
      BETON_DATA_DIR: dataDir,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
      BETON_ALLOW_PRIVATE_HOSTS: 'true',
      BETON_DEMO: 'false',
      NODE_ENV: 'test',
      ...(process.env.DATABASE_URL?.startsWith('postgres') ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
    });
    rt = await createRuntime(config);
    await rt.jobs.start();
    const app = await buildApp(rt);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const runtime = rt;
    return {
      url: `http://127.0.0.1:${port}`,
      rt: runtime,
      app,
      sims,
      dataDir,
      async close() {
        await app.close();
        await runtime.close();
        await sims.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rt?.close();
    await sims.close();
    throw error;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const stack = await startStack({ companies: Number(process.env.COMPANIES ?? 40) });
  console.log(JSON.stringify({ url: stack.url, simulators: stack.sims.credentials() }, null, 2));
  const stop = async () => {
    await stack.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
