import type { Command } from 'commander';
import type { EnrichmentPlan, EnrichmentRun } from '../../enrichment/index.js';
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

function planText(p: EnrichmentPlan): string {
  const cap =
    p.monthlyCreditCap === null
      ? 'no monthly cap'
      : `cap ${p.monthlyCreditCap}/month, ${p.creditsUsedThisMonth} used in ${p.month}, ${p.creditsAvailable} left`;
  return [
    `Enrichment plan (nothing spent): ${p.domains} domains${p.invalid ? ` (${p.invalid} values skipped: not domains)` : ''}`,
    `  ${p.fresh} fresh (answered in the last ${p.freshnessDays} days: no call, no credit)`,
    `  ${p.toEnrich} to enrich in ${p.calls} calls of up to 10, at most ${p.maxCredits} credits (1 per company found)`,
    `  credits: ${cap}`,
    ...(p.mayHitCap ? [`  the cap may stop the run before every domain is enriched`] : []),
  ].join('\n');
}

function runText(r: EnrichmentRun): string {
  const c = r.counts;
  return [
    `Enrichment ${r.status} (run ${r.id})`,
    `  ${c.domains} domains · ${c.fresh} fresh · ${c.requested} asked in ${c.calls} calls · ${c.found} found · ${c.notFound} unknown · ${c.creditsSpent} credits`,
    ...(r.error ? [`  ${r.error}`] : []),
  ].join('\n');
}

/**
 * `beton enrich [--plan]` and `beton enrich runs`: firmographics from the enrichment provider for every account
 * domain without a fresh answer, within the monthly credit cap. `--plan` shows domains, calls and
 * credits first and spends nothing. Exits 1 when a run fails.
 */
export function registerEnrich(program: Command) {
  const enrich = program
    .command('enrich')
    .description(
      'Enrich account domains with the connected enrichment provider (use --plan to see the spend first)',
    )
    .option('--plan', 'show how many domains, calls and credits a run would spend; spend nothing');
  jsonOption(workspaceOption(enrich)).action((opts: Common & { plan?: boolean }) =>
    withRuntime(async (rt) => {
      const { auditActorOf, cliActor } = await import('../../auth/index.js');
      const { planEnrich, startEnrich, withAccountDomains } = await import('../../enrichment/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      const deps = withAccountDomains(rt);
      if (opts.plan) {
        const plan = await planEnrich(deps, ws.id);
        output(opts.json ? plan : planText(plan), { json: opts.json });
        return;
      }
      const abort = new AbortController();
      const onInterrupt = () => abort.abort(new Error('interrupted'));
      process.once('SIGINT', onInterrupt);
      const bar = progressBar({ total: 1, label: 'Enriching', json: opts.json });
      try {
        const { done } = await startEnrich(deps, ws.id, {
          trigger: 'cli',
          actor: auditActorOf(cliActor(ws.id)),
          signal: abort.signal,
          onProgress: (p) => bar.update(p.requested, Math.max(1, p.total)),
        });
        const run = await done;
        bar.stop();
        output(opts.json ? run : runText(run), { json: opts.json });
        if (run.status === 'failed') throw new CliError(run.error ?? 'Enrichment failed.');
      } finally {
        bar.stop();
        process.off('SIGINT', onInterrupt);
      }
    }),
  );

  jsonOption(
    workspaceOption(
      enrich
        .command('runs')
        .description('Enrichment runs, newest first')
        .option('--limit <n>', 'how many', '20'),
    ),
  ).action((opts: Common & { limit: string }) =>
    withRuntime(async (rt) => {
      const { listEnrichRuns } = await import('../../enrichment/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      const runs = await listEnrichRuns(rt, ws.id, { limit: Number.parseInt(opts.limit, 10) || 20 });
      output(
        opts.json
          ? runs
          : runs.map((r) => ({
              id: r.id,
              status: r.status,
              startedAt: r.startedAt,
              domains: r.counts.domains,
              calls: r.counts.calls,
              credits: r.counts.creditsSpent,
              error: r.error,
            })),
        { json: opts.json },
      );
    }),
  );
}
