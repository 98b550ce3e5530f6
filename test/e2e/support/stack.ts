/**
 * Everything a browser test talks to, started in this process: a Beton server (runtime, job worker,
 * API and the built web app) on 127.0.0.1:0 with a fresh data directory, and the demo workspace —
 * the four simulators over one small synthetic world, connected and run through the pipeline, as
 * `npm start` does.
 *
 * @example
 * const stack = await startStack();
 * stack.url;                 // http://127.0.0.1:41234
 * stack.sims.stripe;         // { url, apiKey, webhookSecret }
 * await stack.demo.ready;    // sync → score → enrich finished
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
import { type DemoHandle, seedDemo } from '../../../src/demo/index.js';
import { createRuntime, type Runtime } from '../../../src/runtime/index.js';
import { type RunningSimulators, shippedView } from '../../support/shipped-simulators.js';
import { ensureWebBuild } from './web-build.js';

export interface Stack {
  url: string;
  rt: Runtime;
  app: FastifyInstance;
  sims: RunningSimulators;
  /** The demo workspace: its owner's sign-in, and `ready` once its first pipeline pass ended. */
  demo: DemoHandle;
  dataDir: string;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Companies in the demo's synthetic world (small keeps the pipeline quick). */
  companies?: number;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  ensureWebBuild();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-e2e-'));
  let rt: Runtime | undefined;
  let demo: DemoHandle | undefined;
  try {
    const config = loadConfig({
      BETON_DATA_DIR: dataDir,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
      BETON_ALLOW_PRIVATE_HOSTS: 'true',
      BETON_DEMO: 'false',
      // The walk-through signs up a new owner next to the demo workspace: sign-up opened by the operator.
      BETON_SIGNUP: 'open',
      NODE_ENV: 'test',
      ...(process.env.DATABASE_URL?.startsWith('postgres') ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
    });
    rt = await createRuntime(config);
    await rt.jobs.start();
    demo = await seedDemo(rt, { companies: opts.companies ?? 60 });
    const app = await buildApp(rt);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const runtime = rt;
    const seeded = demo;
    return {
      url: `http://127.0.0.1:${port}`,
      rt: runtime,
      app,
      sims: shippedView(seeded.simulators),
      demo: seeded,
      dataDir,
      async close() {
        await app.close();
        await seeded.stop();
        await runtime.jobs.stop({ graceMs: 5_000 });
        await runtime.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await demo?.stop();
    await rt?.close();
    throw error;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const stack = await startStack({ companies: Number(process.env.COMPANIES ?? 60) });
  const signIn = { email: stack.demo.email, password: stack.demo.password };
  console.log(
    JSON.stringify({ url: stack.url, demo: signIn, simulators: stack.sims.credentials() }, null, 2),
  );
  await stack.demo.ready;
  console.log('demo pipeline finished');
  const stop = async () => {
    await stack.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
