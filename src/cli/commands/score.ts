import type { Command } from 'commander';
import type { ScoreProgress, ScoreRun } from '../../scoring/index.js';
import {
  jsonOption,
  output,
  type Progress,
  progressBar,
  resolveWorkspaceOption,
  withRuntime,
  workspaceOption,
} from '../support.js';

interface ScoreOptions {
  workspace?: string;
  json?: boolean;
  full?: boolean;
  incremental?: boolean;
  top?: string;
}

const STAGE_LABEL: Record<string, string> = {
  ingest: 'Reading synced records',
  replay: 'Replaying history',
  detect: 'Detecting signals',
  score: 'Scoring accounts',
  backtest: 'Backtesting',
};

/** One progress bar per stage, replaced when the stage changes (nothing when output is JSON). */
function stageBars(json: boolean | undefined) {
  let stage: string | null = null;
  let bar: Progress | null = null;
  return {
    update(p: ScoreProgress) {
      if (p.stage === 'done') return;
      if (p.stage !== stage) {
        bar?.stop();
        stage = p.stage;
        bar = progressBar({ total: Math.max(p.total, 1), label: STAGE_LABEL[p.stage] ?? p.stage, json });
      }
      bar?.update(p.done, Math.max(p.total, 1));
    },
    stop: () => bar?.stop(),
  };
}

function summary(run: ScoreRun): string {
  const c = run.counts;
  const seconds = run.finishedAt
    ? ((Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000).toFixed(1)
    : '?';
  return [
    `Score run ${run.status} (${run.mode}) in ${seconds} s — run ${run.id}`,
    `  accounts scored ${c.accountsScored ?? 0} · touched by syncs ${c.accountsTouched ?? 0} · history replayed ${c.accountsReplayed ?? 0}`,
    `  signals detected ${c.signalsDetected ?? 0} · new occurrences ${c.occurrencesNew ?? 0} · closed ${c.occurrencesClosed ?? 0}`,
    ...(run.error ? [`  ${run.error}`] : []),
  ].join('\n');
}

/**
 * `beton score [--full|--incremental] [--top N] [--json]`: ingest what synced, detect signals, score
 * accounts and backtest, in this process with a progress bar; then the grade distribution and the
 * top accounts by expansion and by churn risk. `beton score runs` lists recent runs.
 */
export function registerScore(program: Command) {
  const score = program
    .command('score')
    .description('Detect signals and score accounts (with a progress bar); list score runs')
    .option('--full', 'rescore every account (default: once a day, else only accounts a sync touched)')
    .option('--incremental', 'rescore only the accounts a sync touched since the last run')
    .option('--top <n>', 'accounts to list by expansion and by churn risk', '5');
  jsonOption(workspaceOption(score)).action((opts: ScoreOptions) =>
    withRuntime(async (rt) => {
      const { runScore, listAccounts, accountListQuery, gradeCounts } = await import(
        '../../scoring/index.js'
      );
      const ws = await resolveWorkspaceOption(rt, opts);
      const bars = stageBars(opts.json);
      let run: ScoreRun;
      try {
        run = await runScore(rt.db.kysely, ws.id, {
          mode: opts.full ? 'full' : opts.incremental ? 'incremental' : 'auto',
          trigger: 'cli',
          clock: rt.clock,
          onProgress: (p) => bars.update(p),
        });
      } finally {
        bars.stop();
      }
      await (await import('../../segments/index.js')).evaluateSegments(rt.db.kysely, ws.id, rt.clock.now());
      const top = Math.min(Math.max(Number.parseInt(opts.top ?? '5', 10) || 0, 0), 100);
      const { byGrade } = await gradeCounts(rt.db.kysely, ws.id);
      const grades = Object.fromEntries(
        ['M100', 'M75', 'M50', 'M25', 'M10'].map((g) => [g, byGrade[g] ?? 0]),
      );
      const pick = async (sort: string) =>
        top === 0
          ? []
          : (await listAccounts(rt.db.kysely, ws.id, accountListQuery.parse({ sort, limit: top }))).items;
      const expansion = await pick('-expansion');
      const churn = await pick('-churnRisk');
      if (opts.json) {
        output({ run, grades, topExpansion: expansion, topChurnRisk: churn }, { json: true });
        return;
      }
      const row = (a: (typeof expansion)[number]) => ({
        account: a.name,
        domain: a.domain,
        grade: a.grade,
        expansion: a.expansion,
        churnRisk: a.churnRisk,
        health: a.health,
        signals: a.topSignals.map((s) => s.key).join(', '),
      });
      output(summary(run));
      output(
        `  grades: ${Object.entries(grades)
          .map(([g, n]) => `${g} ${n}`)
          .join(' · ')}`,
      );
      if (expansion.length > 0) {
        output('\nTop expansion');
        output(expansion.map(row), {
          columns: ['account', 'domain', 'grade', 'expansion', 'churnRisk', 'signals'],
        });
        output('\nTop churn risk');
        output(churn.map(row), { columns: ['account', 'domain', 'grade', 'churnRisk', 'health', 'signals'] });
      }
      if (run.status !== 'succeeded') process.exitCode = 1;
    }),
  );

  jsonOption(workspaceOption(score.command('runs').description('Recent score runs, newest first'))).action(
    (opts: ScoreOptions) =>
      withRuntime(async (rt) => {
        const { listScoreRuns } = await import('../../scoring/index.js');
        const ws = await resolveWorkspaceOption(rt, opts);
        const runs = await listScoreRuns(rt.db.kysely, ws.id, 20);
        output(
          opts.json
            ? runs
            : runs.map((r) => ({
                id: r.id,
                status: r.status,
                mode: r.mode,
                trigger: r.trigger,
                started: r.startedAt,
                accounts: r.counts.accountsScored ?? 0,
                signals: r.counts.signalsDetected ?? 0,
                error: r.error,
              })),
          { json: opts.json },
        );
      }),
  );
}
