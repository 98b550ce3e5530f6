import fs from 'node:fs';
import path from 'node:path';
import { starterAlertRule } from '../alerts/index.js';
import { createWorkspaceWithOwner } from '../auth/index.js';
import {
  CHOOSABLE_CAPABILITIES,
  capabilityProviders,
  chooseProvider,
  putConnection,
} from '../connections/index.js';
import { randomToken } from '../core/crypto.js';
import { runPipeline } from '../jobs/index.js';
import type { Runtime } from '../runtime/index.js';
import { updateScoringSettings } from '../scoring/index.js';
import { type RunningSimulators, startSimulators } from '../simulators/index.js';

export const DEMO_SLUG = 'demo';
export const DEMO_EMAIL = 'demo@beton.local';
const DEMO_SEED = 'beton-demo';
const DEMO_COMPANIES = 300;
/** An ideal customer profile for the demo's world, so fit has something to compare with. */
const DEMO_ICP = {
  industries: ['Computer Software', 'Internet', 'Information Technology & Services', 'Financial Services'],
  employees: { min: 50, max: 2_000 },
  regions: ['NA', 'EU', 'UK'],
};

/** Kept in the data directory (mode 0600): the demo's sign-in and the world's fixed "now". */
interface DemoState {
  password: string;
  now: string;
}

export interface DemoHandle {
  workspaceId: string;
  email: string;
  password: string;
  simulators: RunningSimulators;
  /** Resolves when the first pipeline pass (sync → score → enrich) has finished, or at once. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/**
 * The demo workspace a newcomer sees on `npm start`: every registered integration's simulator
 * started in-process over one synthetic world, a workspace connected to each (keys validated live,
 * like any connection), and — the first time — the whole pipeline run in the background so the app shows real results.
 * The world's "now" and the demo password are kept in the data directory so a restart serves the
 * same world; the connections are re-pointed at the simulators' new ports on every start.
 *
 * @example
 * const demo = await seedDemo(rt);
 * console.log(`sign in as ${demo.email} / ${demo.password}`);
 */
export async function seedDemo(rt: Runtime, opts: { companies?: number } = {}): Promise<DemoHandle> {
  const state = loadState(rt.config.dataDir, rt.clock.now());
  const simulators = await startSimulators({
    seed: DEMO_SEED,
    companies: opts.companies ?? DEMO_COMPANIES,
    now: state.now,
  });
  try {
    const { workspaceId, created } = await ensureWorkspace(rt, state.password);
    const actor = { workspaceId, audit: { actorType: 'system' as const, actorId: null }, userId: null };
    // Every integration with a simulator, in pipeline order, connected as a user would (keys
    // validated live against the simulator). The simulators listen on 127.0.0.1: each connection
    // is granted its own simulator's origin, and only that, while the SSRF guard stays on for
    // every other workspace and address (BETON_ALLOW_PRIVATE_HOSTS keeps its default, false).
    for (const sim of simulators.list) {
      await putConnection(rt, actor, sim.name, sim.connection, { privateOrigin: sim.summary.url });
    }
    // Two CRMs (or two enrichment providers) connected: the first registered one serves the
    // workspace until the user chooses, so a push from the demo works out of the box.
    for (const capability of CHOOSABLE_CAPABILITIES) {
      const state = await capabilityProviders(rt, workspaceId, capability);
      if (state.connected.length > 1 && !state.chosen) {
        await chooseProvider(rt, actor, capability, state.connected[0]!);
      }
    }

    // A first alert rule to the messaging integration's first joined channel (when one is connected).
    if (created) await starterAlertRule(rt, workspaceId, rt.clock.now());

    const firstPass = created || !(await hasScored(rt, workspaceId));
    const ready = firstPass
      ? runPipeline(rt, workspaceId, { trigger: 'demo' }).then(
          (result) => rt.logger.info({ workspaceId, ...result }, 'demo pipeline finished'),
          (error: unknown) => rt.logger.error({ err: error }, 'demo pipeline failed'),
        )
      : Promise.resolve();
    return {
      workspaceId,
      email: DEMO_EMAIL,
      password: state.password,
      simulators,
      ready,
      stop: async () => {
        await ready;
        await simulators.close();
      },
    };
  } catch (error) {
    await simulators.close();
    throw error;
  }
}

async function ensureWorkspace(
  rt: Runtime,
  password: string,
): Promise<{ workspaceId: string; created: boolean }> {
  const existing = await rt.db.kysely
    .selectFrom('workspaces')
    .select('id')
    .where('slug', '=', DEMO_SLUG)
    .executeTakeFirst();
  if (existing) return { workspaceId: existing.id, created: false };
  const { workspace } = await createWorkspaceWithOwner(rt, {
    workspaceName: 'Demo',
    email: DEMO_EMAIL,
    password,
    name: 'Demo user',
  });
  await updateScoringSettings(rt.db.kysely, workspace.id, { icp: DEMO_ICP }, rt.clock.now().toISOString());
  return { workspaceId: workspace.id, created: true };
}

async function hasScored(rt: Runtime, workspaceId: string): Promise<boolean> {
  const row = await rt.db.kysely
    .selectFrom('score_runs')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('status', '=', 'succeeded')
    .executeTakeFirst();
  return row !== undefined;
}

function loadState(dataDir: string, now: Date): DemoState {
  const file = path.join(dataDir, 'demo.json');
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as DemoState;
  const minute = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  const state: DemoState = { password: `demo-${randomToken(9)}`, now: minute.toISOString() };
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  return state;
}
