import type { Command } from 'commander';
import {
  CliError,
  jsonOption,
  output,
  resolveWorkspaceOption,
  withRuntime,
  workspaceOption,
} from '../support.js';

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * `beton sync <name> [--stream s] [--full]`: runs the sync in this process with a live progress line,
 * then prints a summary. Ctrl-C cancels after the current page (committed pages stay). Exits 1 when
 * the run fails.
 */
export function registerSync(program: Command) {
  jsonOption(
    workspaceOption(
      program
        .command('sync')
        .description('Sync an integration now, with progress and a summary')
        .argument('<name>', 'integration name')
        .option('--stream <stream>', 'only this stream (repeatable)', collect, [])
        .option('--full', 're-read everything from the start (marks records the source no longer has)'),
    ),
  ).action((name: string, opts: { stream: string[]; full?: boolean; workspace?: string; json?: boolean }) =>
    withRuntime(async (rt) => {
      const { startSync, executeRun, requestCancel, DEFAULT_LEASE_MS } = await import('../../sync/index.js');
      const { SingleBar } = await import('cli-progress');
      const ws = await resolveWorkspaceOption(rt, opts);
      const run = await startSync(rt, ws.id, name, {
        trigger: 'cli',
        ...(opts.stream.length > 0 ? { streams: opts.stream } : {}),
        ...(opts.full ? { full: true } : {}),
      });
      const live = !opts.json && process.stderr.isTTY;
      const bar = live
        ? new SingleBar({
            format: `Syncing ${name} {bar} {value} records · {stream} · {pages} pages · {rate}/s`,
            stream: process.stderr,
            hideCursor: true,
            barsize: 20,
          })
        : undefined;
      // The total is unknown until the source is done: the bar fills as pages arrive.
      bar?.start(1, 0, { stream: '-', pages: 0, rate: 0 });
      const onInterrupt = () => {
        void requestCancel(rt.db.kysely, ws.id, run.id, { now: rt.clock.now(), leaseMs: DEFAULT_LEASE_MS });
      };
      process.once('SIGINT', onInterrupt);
      let done: Awaited<ReturnType<typeof executeRun>>;
      try {
        done = await executeRun(rt, ws.id, run.id, {
          onProgress: (p) => {
            bar?.setTotal(Math.max(p.counts.read + 1, Math.ceil(p.counts.read * 1.2)));
            bar?.update(p.counts.read, { stream: p.stream, pages: p.counts.pages, rate: p.recordsPerSecond });
          },
        });
      } finally {
        process.off('SIGINT', onInterrupt);
        if (bar) {
          bar.setTotal(Math.max(1, bar.getProgress() > 0 ? bar.getTotal() : 1));
          bar.stop();
        }
      }
      if (opts.json) output(done, { json: true });
      else {
        const seconds =
          done.startedAt && done.finishedAt
            ? (Date.parse(done.finishedAt) - Date.parse(done.startedAt)) / 1000
            : 0;
        const lines = [
          `${name} sync ${done.status} in ${seconds.toFixed(1)} s (run ${done.id})`,
          `  read ${done.counts.read} · written ${done.counts.written} · unchanged ${done.counts.unchanged} · deleted ${done.counts.deleted} · rejected ${done.counts.rejected} · ${done.counts.pages} pages`,
          ...Object.entries(done.streams).map(
            ([stream, s]) =>
              `  ${stream}: ${s.status}${s.full ? ' (full)' : ''} · read ${s.read} · written ${s.written} · unchanged ${s.unchanged}${s.error ? ` · ${s.error}` : ''}`,
          ),
          ...done.warnings.map((w) => `  warning: ${w.message}`),
          ...(done.counts.rejected > 0 ? [`  rejected records: beton runs ${done.id}`] : []),
        ];
        output(lines.join('\n'));
      }
      if (done.status === 'failed') throw new CliError(done.error?.message ?? 'The sync failed.');
    }),
  );
}
