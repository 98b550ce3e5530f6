import type { Command } from 'commander';
import { jsonOption, output, resolveWorkspaceOption, withRuntime, workspaceOption } from '../support.js';

/**
 * `beton segments sync-list <segment> --destination <crm> [--list NAME] [--dry-run]`,
 * `beton segments auto-sync <segment> [--destination <crm> [--list NAME] | --off]`,
 * `beton segments list-runs <segment>` and `beton segments list-rollback <run>`: a segment kept in
 * step with a list in a CRM, by hand or after every score run that changes it. Verbs under
 * `beton segments` (registered by segments.ts).
 */
export function registerSegmentLists(program: Command) {
  const segments = program.commands.find((c) => c.name() === 'segments');
  if (!segments) throw new Error('registerSegmentLists runs after the `segments` command is registered');

  jsonOption(
    workspaceOption(
      segments
        .command('sync-list')
        .description('Sync a segment to a CRM list: add members missing from it, remove companies that left')
        .argument('<segment>', 'name or id')
        .requiredOption('--destination <name>', 'the CRM holding the list (as beton integrations lists it)')
        .option(
          '--list <name>',
          'the list in the CRM (default "Beton: <segment name>"; created when missing)',
        )
        .option('--dry-run', 'show what would be added and removed; write nothing'),
    ),
  ).action(
    (
      ref: string,
      opts: { destination: string; list?: string; dryRun?: boolean; workspace?: string; json?: boolean },
    ) =>
      withRuntime(async (rt) => {
        const { planListSync, runListSync } = await import('../../segments/index.js');
        const ws = await resolveWorkspaceOption(rt, opts);
        const request = { destination: opts.destination, ...(opts.list ? { listName: opts.list } : {}) };
        if (opts.dryRun) {
          const plan = await planListSync(rt, ws.id, ref, request);
          if (opts.json) return output(plan, { json: true });
          output(
            `Dry run: list "${plan.listName}" in ${plan.destination}${plan.listId ? '' : ' (created on the first sync)'}: ` +
              `${plan.add.length} to add, ${plan.remove.length} to remove, ${plan.unchanged} unchanged, ` +
              `${plan.missing.length} members with no company in the CRM (push them first).`,
          );
          const rows = [
            ...plan.add.map((a) => ({ action: 'add', company: a.domain, record: a.recordId })),
            ...plan.remove.map((r) => ({ action: 'remove', company: '', record: r.recordId })),
            ...plan.missing.map((m) => ({ action: 'missing', company: m.domain, record: '' })),
          ];
          if (rows.length > 0) output(rows, { columns: ['action', 'company', 'record'] });
          return;
        }
        const run = await runListSync(rt, ws.id, ref, request, null);
        if (opts.json) return output(run, { json: true });
        output(
          `${run.status === 'failed' ? 'Failed' : 'Synced'} list "${run.listName}" in ${run.destination}: ` +
            `${run.added} added, ${run.removed} removed, ${run.missing} missing from the CRM, ${run.failed} failed` +
            `${run.error ? ` (${run.error})` : ''}. Run ${run.id} (undo: beton segments list-rollback ${run.id}).`,
        );
        if (run.status === 'failed') process.exitCode = 1;
      }),
  );

  jsonOption(
    workspaceOption(
      segments
        .command('auto-sync')
        .description(
          'Keep a segment in sync with a CRM list by itself, after every score run that changes it (without --destination: show what it keeps)',
        )
        .argument('<segment>', 'name or id')
        .option('--destination <name>', 'the CRM holding the list (as beton integrations lists it)')
        .option(
          '--list <name>',
          'the list in the CRM (default "Beton: <segment name>"; created when missing)',
        )
        .option('--off', 'stop keeping the list in sync (the list and its run history stay)'),
    ),
  ).action(
    (
      ref: string,
      opts: { destination?: string; list?: string; off?: boolean; workspace?: string; json?: boolean },
    ) =>
      withRuntime(async (rt) => {
        const { autoListsOf, disableAutoList, enableAutoList } = await import('../../segments/index.js');
        const ws = await resolveWorkspaceOption(rt, opts);
        const columns = ['destination', 'listName', 'due', 'syncedChangeAt', 'enabledAt'];
        if (!opts.destination) {
          if (opts.off || opts.list) throw new Error('Name the list with --destination <crm>.');
          return output(await autoListsOf(rt.db.kysely, ws.id, ref), { json: opts.json, columns });
        }
        if (opts.off) {
          const stopped = await disableAutoList(rt.db.kysely, ws.id, ref, opts.destination);
          return output(
            opts.json
              ? stopped
              : `"${stopped.listName}" in ${stopped.destination} is no longer synced after score runs (the list stays).`,
            { json: opts.json },
          );
        }
        const kept = await enableAutoList(
          rt,
          ws.id,
          ref,
          { destination: opts.destination, ...(opts.list ? { listName: opts.list } : {}) },
          null,
        );
        // A shared queue (Postgres) takes the first sync now; otherwise the worker's minute check finds it due.
        if (rt.jobs.kind === 'pg-boss') {
          const { enqueueDueListSyncs } = await import('../../jobs/index.js');
          await enqueueDueListSyncs(rt.jobs, rt.db.kysely, ws.id);
        }
        output(
          opts.json
            ? kept
            : `"${kept.listName}" in ${kept.destination} follows the segment: a worker (beton serve or beton worker) syncs it within a minute, then after every score run that changes who is in it. History: beton segments list-runs ${JSON.stringify(ref)}.`,
          { json: opts.json },
        );
      }),
  );

  jsonOption(
    workspaceOption(
      segments
        .command('list-runs')
        .description("A segment's list syncs and rollbacks, newest first")
        .argument('<segment>', 'name or id'),
    ),
  ).action((ref: string, opts: { workspace?: string; json?: boolean }) =>
    withRuntime(async (rt) => {
      const { listRunsOfSegment } = await import('../../segments/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      const runs = await listRunsOfSegment(rt.db.kysely, ws.id, ref);
      output(runs, {
        json: opts.json,
        columns: [
          'id',
          'kind',
          'trigger',
          'status',
          'destination',
          'listName',
          'added',
          'removed',
          'missing',
          'startedAt',
        ],
      });
    }),
  );

  jsonOption(
    workspaceOption(
      segments
        .command('list-rollback')
        .description('Undo the latest list sync: entries it added come off, companies it removed go back')
        .argument('<run>', 'the list run id (lrun_…)'),
    ),
  ).action((runId: string, opts: { workspace?: string; json?: boolean }) =>
    withRuntime(async (rt) => {
      const { rollbackListRun } = await import('../../segments/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      const run = await rollbackListRun(rt, ws.id, runId, null);
      output(
        opts.json
          ? run
          : `Rolled back ${runId}: ${run.added} put back, ${run.removed} taken off, ${run.failed} failed (status ${run.status}).`,
        { json: opts.json },
      );
      if (run.status === 'failed') process.exitCode = 1;
    }),
  );
}
