import type { StartupStep } from './startup.js';

/**
 * The demo workspace on `beton serve` (BETON_DEMO, on by default; `npm start` runs it): simulators
 * in-process, a workspace connected to them, the pipeline run once. The simulators listen on
 * loopback; the demo grants each of its connections its simulator's origin (src/demo), so the SSRF
 * guard stays on for everyone else — BETON_ALLOW_PRIVATE_HOSTS is not needed and not set.
 */
export const demoStep: StartupStep = {
  name: 'demo workspace',
  enabled: (rt) => rt.config.BETON_DEMO,
  async run(rt) {
    const { seedDemo } = await import('../demo/index.js');
    const demo = await seedDemo(rt);
    process.stdout.write(
      `Demo workspace: sign in as ${demo.email} / ${demo.password} (syncing the simulators in the background)\n`,
    );
    return () => demo.stop();
  },
};
