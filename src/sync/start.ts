import { type ConnectionDeps, openConnection } from '../connections/index.js';
import { badRequest } from '../core/errors.js';
import { DEFAULT_LEASE_MS } from './engine.js';
import { createRun, type SyncRun, type SyncTrigger } from './runs.js';

export interface StartSyncInput {
  trigger: SyncTrigger;
  streams?: string[];
  full?: boolean;
  actorId?: string | null;
  leaseMs?: number;
}

/**
 * Queue a run for a workspace's connection: checks the integration is connected and the stream
 * names exist (400 naming the valid ones), then creates the run (409 `sync_running` when one is
 * active). The caller hands the run id to the job runner or runs it with `executeRun`.
 *
 * @example
 * const run = await startSync(rt, ws, 'stripe', { trigger: 'api', streams: ['customers'] });
 * await rt.jobs.enqueue('sync.run', { workspaceId: ws, runId: run.id });
 */
export async function startSync(
  deps: ConnectionDeps,
  workspaceId: string,
  integrationName: string,
  input: StartSyncInput,
): Promise<SyncRun> {
  const open = await openConnection(deps, workspaceId, integrationName);
  const known = Object.keys(open.integration.streams);
  if (known.length === 0) {
    throw badRequest(`${open.integration.displayName} has no streams to sync.`, undefined, 'no_streams');
  }
  const unknown = (input.streams ?? []).filter((s) => !known.includes(s));
  if (unknown.length > 0) {
    throw badRequest(
      `Unknown stream ${unknown.map((s) => `"${s}"`).join(', ')} for ${integrationName}; its streams are: ${known.join(', ')}.`,
      { streams: known },
      'unknown_stream',
    );
  }
  return createRun(
    deps.db.kysely,
    workspaceId,
    {
      connectionId: open.connectionId,
      integration: integrationName,
      trigger: input.trigger,
      streams: input.streams ?? null,
      full: input.full ?? false,
      actorId: input.actorId ?? null,
    },
    { now: deps.clock.now(), leaseMs: input.leaseMs ?? DEFAULT_LEASE_MS },
  );
}
