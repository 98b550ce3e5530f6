import type { Command } from 'commander';
import type { PushPlan, PushRun } from '../../push/index.js';
import {
  CliError,
  jsonOption,
  output,
  progressBar,
  resolveWorkspaceOption,
  withRuntime,
  workspaceOption,
} from '../support.js';

interface Common {
  workspace?: string;
  json?: boolean;
}

const PLAN_ROWS = 50;
const show = (v: unknown) => (v === null || v === undefined ? '∅' : JSON.stringify(v));

/** The dry run as text: the summary, then one line per field change, kept field and reject. */
function planText(plan: PushPlan): string {
  const s = plan.summary;
  const lines = [
    `Push to ${plan.destination} (dry run, nothing written): ${s.accounts} accounts`,
    `  create ${s.creates} · update ${s.updates} · unchanged ${s.unchanged} · reject ${s.rejects} · kept ${s.keptFields} fields · notes ${s.notes}`,
    `  a run would make ${s.writes} write calls`,
  ];
  if (plan.attributes.create.length > 0) {
    lines.push(`  attributes to create: ${plan.attributes.create.map((m) => m.attribute).join(', ')}`);
  }
  for (const c of plan.attributes.conflicts) {
    lines.push(
      `  ✗ attribute ${c.attribute} is ${c.actual} in ${plan.destination}; Beton writes ${c.expected}: rename or delete it`,
    );
  }
  const shown = plan.items.filter((i) => i.action !== 'unchanged' || i.kept.length > 0).slice(0, PLAN_ROWS);
  for (const item of shown) {
    const head = `  ${item.action.padEnd(9)} ${item.key}${item.retry ? ` (retry ${item.retry.attempts + 1})` : ''}`;
    if (item.action === 'reject') lines.push(`${head}: ${item.reason}`);
    else lines.push(head);
    for (const c of item.changes) lines.push(`      ${c.attribute}: ${show(c.before)} → ${show(c.after)}`);
    for (const k of item.kept) {
      lines.push(
        `      ${k.attribute}: kept ${show(k.current)} (${k.reason === 'set_by_person' ? 'set by a person' : 'not empty'}; Beton has ${show(k.wanted)})`,
      );
    }
  }
  const hidden =
    plan.items.filter((i) => i.action !== 'unchanged' || i.kept.length > 0).length - shown.length;
  if (hidden > 0) lines.push(`  … and ${hidden} more (use --json for all)`);
  return lines.join('\n');
}

function runText(run: PushRun): string {
  const seconds = run.finishedAt ? (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000 : 0;
  const c = run.counts;
  return [
    `${run.kind === 'rollback' ? `Rollback of ${run.rollbackOf}` : `Push to ${run.destination}`} ${run.status} in ${seconds.toFixed(1)} s (run ${run.id})`,
    `  created ${c.created} · updated ${c.updated} · unchanged ${c.unchanged} · rejected ${c.rejected} · skipped ${c.skipped} · notes ${c.notes} · ${c.writes} write calls`,
    ...(run.error ? [`  ${run.error}`] : []),
    ...(c.rejected > 0 ? [`  rejected records: beton push runs ${run.id}`] : []),
  ].join('\n');
}

/**
 * `beton push <destination> [--dry-run] [--full]`, `beton push runs [id]`, `beton push rollback <id>`.
 * A push runs in this process with a progress bar; Ctrl-C stops it after the writes in flight
 * (what was written is recorded; the next run picks up the rest). Exits 1 when a run fails.
 */
export function registerPush(program: Command) {
  const push = program
    .command('push')
    .description('Push scores to the CRM: plan (dry run), run, history, rollback')
    .argument('[destination]', 'where to push: a connected integration that is a destination')
    .option('--dry-run', 'show what would be written, write nothing')
    .option('--full', 'compare every record, not only those changed since the last push');
  jsonOption(workspaceOption(push)).action(
    (destination: string | undefined, opts: Common & { dryRun?: boolean; full?: boolean }) =>
      withRuntime(async (rt) => {
        if (!destination) {
          const names = rt.integrations
            .list()
            .filter((i) => i.destination)
            .map((i) => i.name);
          throw new CliError(
            `Name a destination: beton push <destination> [--dry-run] (destinations: ${names.join(', ') || 'none registered'}).`,
          );
        }
        const { auditActorOf, cliActor } = await import('../../auth/index.js');
        const { planPush, startPush, withScoresSource } = await import('../../push/index.js');
        const ws = await resolveWorkspaceOption(rt, opts);
        const deps = withScoresSource(rt);
        if (opts.dryRun) {
          const plan = await planPush(deps, ws.id, destination, { full: opts.full === true });
          if (opts.json) output(plan, { json: true });
          else output(planText(plan));
          return;
        }
        const abort = new AbortController();
        const onInterrupt = () => abort.abort(new Error('interrupted'));
        process.once('SIGINT', onInterrupt);
        const bar = progressBar({ total: 1, label: `Pushing to ${destination}`, json: opts.json });
        try {
          const { done } = await startPush(deps, ws.id, destination, {
            trigger: 'cli',
            actor: auditActorOf(cliActor(ws.id)),
            full: opts.full === true,
            signal: abort.signal,
            onProgress: (p) => bar.update(p.done, Math.max(1, p.total)),
          });
          const run = await done;
          bar.stop();
          if (opts.json) output(run, { json: true });
          else output(runText(run));
          if (run.status === 'failed') throw new CliError(run.error ?? 'The push failed.');
        } finally {
          bar.stop();
          process.off('SIGINT', onInterrupt);
        }
      }),
  );

  jsonOption(
    workspaceOption(
      push
        .command('runs')
        .description('Push and rollback runs, newest first; with an id, what one run did per record')
        .argument('[id]', 'a run id')
        .option('--limit <n>', 'how many', '20'),
    ),
  ).action((id: string | undefined, opts: Common & { limit: string }) =>
    withRuntime(async (rt) => {
      const { getPushRun, listPushRuns } = await import('../../push/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      const limit = Number.parseInt(opts.limit, 10);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new CliError('--limit must be 1 to 1000.');
      if (!id) {
        const runs = await listPushRuns(rt, ws.id, { limit });
        output(
          opts.json
            ? runs
            : runs.map((r) => ({
                id: r.id,
                kind: r.kind,
                destination: r.destination,
                status: r.status,
                startedAt: r.startedAt,
                created: r.counts.created,
                updated: r.counts.updated,
                rejected: r.counts.rejected,
                writes: r.counts.writes,
                rolledBackBy: r.rolledBackBy,
              })),
          { json: opts.json },
        );
        return;
      }
      const detail = await getPushRun(rt, ws.id, id, { limit });
      if (opts.json) {
        output(detail, { json: true });
        return;
      }
      output(
        [
          runText(detail.run),
          ...detail.items.map(
            (i) =>
              `  ${i.status.padEnd(8)} ${i.action.padEnd(7)} ${i.key}${i.reason ? `: ${i.reason}` : ''}${i.changes
                .map((c) => `\n      ${c.attribute}: ${show(c.before)} → ${show(c.after)}`)
                .join('')}`,
          ),
        ].join('\n'),
      );
    }),
  );

  jsonOption(
    workspaceOption(
      push
        .command('rollback')
        .description('Undo a push run: its fields return to their earlier values unless changed since')
        .argument('<id>', 'the push run to undo'),
    ),
  ).action((id: string, opts: Common) =>
    withRuntime(async (rt) => {
      const { auditActorOf, cliActor } = await import('../../auth/index.js');
      const { startRollback, withScoresSource } = await import('../../push/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      const bar = progressBar({ total: 1, label: 'Rolling back', json: opts.json });
      const { done } = await startRollback(withScoresSource(rt), ws.id, id, {
        trigger: 'cli',
        actor: auditActorOf(cliActor(ws.id)),
        onProgress: (p) => bar.update(p.done, Math.max(1, p.total)),
      });
      const run = await done;
      bar.stop();
      if (opts.json) output(run, { json: true });
      else output(runText(run));
      if (run.status === 'failed') throw new CliError(run.error ?? 'The rollback failed.');
    }),
  );
}
