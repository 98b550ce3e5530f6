import { z } from 'zod';
import { enqueueSync } from '../../jobs/index.js';
import { mcpTrigger } from '../context.js';
import { defineTool } from './define.js';

/** Start a sync of one connected integration (`POST /api/v1/integrations/:name/sync`, member). */
export const startSyncTool = defineTool({
  name: 'start_sync',
  title: 'Start a sync',
  description:
    'Start a sync of a connected source (a name from the integrations list): a worker reads what changed since the last run; scores follow. Answers the run id at once; fails if one is already running. Needs the member role.',
  access: 'member',
  write: true,
  action: 'start a sync',
  input: z.strictObject({
    integration: z.string().min(1).max(50).describe('Integration name, as GET /api/v1/integrations lists it'),
    streams: z.array(z.string().min(1).max(40)).max(50).optional().describe('Default: every stream'),
    full: z.boolean().default(false).describe('Re-read everything from the start'),
  }),
  async run(ctx, args) {
    const run = await enqueueSync(ctx.rt, ctx.rt.jobs, ctx.actor.workspaceId, args.integration, {
      trigger: mcpTrigger(ctx),
      ...(args.streams ? { streams: args.streams } : {}),
      ...(args.full ? { full: true } : {}),
      actorId: ctx.actor.userId ?? ctx.actor.apiKeyId,
    });
    return {
      text: `Sync run ${run.id} of ${args.integration} is ${run.status}; follow it in the web app's sync history; scores follow once it ends.`,
      data: { runId: run.id, run },
    };
  },
});
