import type { Command } from 'commander';
import { jsonOption, output, resolveWorkspaceOption, withRuntime, workspaceOption } from '../support.js';

/** `beton runs [id]`: sync run history, or one run with its streams and rejected records. */
export function registerRuns(program: Command) {
  jsonOption(
    workspaceOption(
      program
        .command('runs')
        .description('Sync run history, newest first; with an id, that run and its rejected records')
        .argument('[id]', 'a run id (or its first characters)')
        .option('--integration <name>', 'only runs of this integration')
        .option('--limit <n>', 'how many runs', '20'),
    ),
  ).action(
    (
      id: string | undefined,
      opts: { integration?: string; limit: string; workspace?: string; json?: boolean },
    ) =>
      withRuntime(async (rt) => {
        const { listRuns, getRun, listRejects } = await import('../../sync/index.js');
        const ws = await resolveWorkspaceOption(rt, opts);
        if (id) {
          const match =
            id.length < 36
              ? (await listRuns(rt.db.kysely, ws.id, { limit: 500 })).find((r) => r.id.startsWith(id))
              : undefined;
          const run = await getRun(rt.db.kysely, ws.id, match?.id ?? id, rt.clock.now());
          const rejects = await listRejects(rt.db.kysely, ws.id, run.id, { limit: 50 });
          if (opts.json) return output({ run, rejects }, { json: true });
          output({
            id: run.id,
            integration: run.integration,
            status: run.status,
            trigger: run.trigger,
            started: run.startedAt,
            finished: run.finishedAt,
            counts: run.counts,
            error: run.error?.message ?? null,
            warnings: run.warnings.map((w) => w.message),
          });
          output(
            Object.entries(run.streams).map(([stream, s]) => ({ stream, ...s })),
            {
              columns: [
                'stream',
                'status',
                'full',
                'read',
                'written',
                'unchanged',
                'deleted',
                'rejected',
                'error',
              ],
            },
          );
          if (rejects.length > 0) output(rejects, { columns: ['stream', 'externalId', 'reason'] });
          return;
        }
        const runs = await listRuns(
          rt.db.kysely,
          ws.id,
          { ...(opts.integration ? { integration: opts.integration } : {}), limit: Number(opts.limit) || 20 },
          rt.clock.now(),
        );
        if (opts.json) return output(runs, { json: true });
        output(
          runs.map((r) => ({
            id: r.id.slice(0, 8),
            integration: r.integration,
            trigger: r.trigger,
            status: r.status,
            read: r.counts.read,
            written: r.counts.written,
            unchanged: r.counts.unchanged,
            deleted: r.counts.deleted,
            rejected: r.counts.rejected,
            started: r.startedAt ?? r.createdAt,
            seconds:
              r.startedAt && r.finishedAt
                ? ((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000).toFixed(1)
                : null,
            error: r.error?.message ?? null,
          })),
        );
      }),
  );
}
