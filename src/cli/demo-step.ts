import type { StartupStep } from './startup.js';

/**
 * The demo workspace on `beton serve` (BETON_DEMO, on by default; `npm start` runs it): simulators
 * in-process, a workspace connected to them, the pipeline run once. The simulators listen on
 * loopback, which the SSRF guard refuses unless BETON_ALLOW_PRIVATE_HOSTS=true: without it the
 * demo is skipped with a note rather than weakening the guard behind the operator's back.
 */
export const demoStep: StartupStep = {
  name: 'demo workspace',
  enabled: (rt) => rt.config.BETON_DEMO,
  async run(rt) {
    if (!rt.config.BETON_ALLOW_PRIVATE_HOSTS) {
      process.stdout.write(
        'Demo workspace skipped: its simulators run on 127.0.0.1, which needs BETON_ALLOW_PRIVATE_HOSTS=true (npm start sets it). Set BETON_DEMO=false to silence this.\n',
      );
      return;
    }
    const { seedDemo } = await import('../demo/index.js');
    const demo = await seedDemo(rt);
    process.stdout.write(
      `Demo workspace: sign in as ${demo.email} / ${demo.password} (syncing the simulators in the background)\n`,
    );
    return () => demo.stop();
  },
};
