import type { Command } from 'commander';
import type { Runtime } from '../../runtime/index.js';
import {
  CliError,
  jsonOption,
  output,
  resolveWorkspaceOption,
  withRuntime,
  workspaceOption,
} from '../support.js';

/**
 * `beton segments list|show|create|update|delete|members` and `beton accounts`: saved segments and
 * the accounts list with the filters of `GET /api/v1/accounts`, as text, JSON, or a CSV / JSON-lines
 * stream on stdout.
 */

/** The account filter's fields as flags (`minFit` → `--min-fit`); test/cli checks it matches the schema. */
export const FILTER_FLAGS: [field: string, help: string][] = [
  ['grade', 'grades, e.g. M100,M75'],
  ['scoreField', 'which score --min-score/--max-score bound (score, health, expansion, churnRisk, fit)'],
  ['minScore', 'lower bound of --score-field'],
  ['maxScore', 'upper bound of --score-field'],
  ['minHealth', 'health at least'],
  ['maxHealth', 'health at most'],
  ['minExpansion', 'expansion at least'],
  ['maxExpansion', 'expansion at most'],
  ['minChurnRisk', 'churn risk at least'],
  ['maxChurnRisk', 'churn risk at most'],
  ['minFit', 'fit at least'],
  ['maxFit', 'fit at most'],
  ['plan', 'plans, e.g. pro,business'],
  ['billing', 'billing states: trialing, active, past_due, canceled, other, none'],
  ['signal', 'a signal key, e.g. usage_spike'],
  ['signalDays', 'with --signal: it occurred in the last N days'],
  ['owner', 'account owners by e-mail, comma-separated, or none (beton accounts owners lists them)'],
  ['source', 'integrations with a linked record, comma-separated (names as beton integrations lists them)'],
  ['createdAfter', 'created on or after (2026-01-31)'],
  ['createdBefore', 'created before'],
  ['signupAfter', 'signed up on or after'],
  ['signupBefore', 'signed up before'],
  ['q', 'text in the name or domain'],
];

const flagOf = (field: string) => `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

function withFilterFlags(cmd: Command): Command {
  for (const [field, help] of FILTER_FLAGS) cmd.option(`${flagOf(field)} <value>`, help);
  return cmd;
}

/** The filter fields given on the command line, validated by the API's schema. */
async function filterFrom(opts: Record<string, unknown>) {
  const { accountFilter } = await import('../../scoring/index.js');
  const raw = Object.fromEntries(
    FILTER_FLAGS.filter(([f]) => opts[f] !== undefined).map(([f]) => [f, opts[f]]),
  );
  const parsed = accountFilter.safeParse(raw);
  if (!parsed.success)
    throw new CliError(
      `Invalid filter: ${parsed.error.issues.map((i) => `${flagOf(String(i.path[0]))}: ${i.message}`).join('; ')}`,
    );
  return { filter: parsed.data, given: Object.keys(raw).length > 0 };
}

interface StreamOptions {
  csv?: boolean;
  jsonl?: boolean;
  columns?: string;
}

const withStreamFlags = (cmd: Command) =>
  cmd
    .option('--csv', 'stream CSV to stdout (spreadsheet-safe)')
    .option('--jsonl', 'stream JSON lines to stdout')
    .option('--columns <list>', 'export columns, comma-separated (see docs/segments.md)');

/** Stream an export to stdout, waiting for the pipe to drain (flat memory on a slow reader). */
async function streamExport(
  rt: Runtime,
  workspaceId: string,
  opts: StreamOptions,
  source: { filters: Record<string, unknown>[]; segmentId?: string },
) {
  const { exportAccounts, exportColumnsParam } = await import('../../segments/index.js');
  const columns = exportColumnsParam.safeParse(opts.columns);
  if (!columns.success) throw new CliError(`--columns: ${columns.error.issues[0]?.message}`);
  const body = exportAccounts(rt.db.kysely, workspaceId, {
    filters: source.filters,
    ...(source.segmentId ? { segmentId: source.segmentId } : {}),
    columns: columns.data,
    format: opts.jsonl ? 'jsonl' : 'csv',
    now: rt.clock.now(),
  });
  for await (const chunk of body)
    if (!process.stdout.write(chunk)) await new Promise((resolve) => process.stdout.once('drain', resolve));
}

const segmentRow = (s: { name: string; memberCount: number; evaluatedAt: string | null; id: string }) => ({
  name: s.name,
  members: s.memberCount,
  evaluated: s.evaluatedAt,
  id: s.id,
});

export function registerSegments(program: Command) {
  const segments = program
    .command('segments')
    .description('Saved segments: named account filters and their members');

  jsonOption(
    workspaceOption(segments.command('list').description('Segments with their member counts')),
  ).action((opts: { workspace?: string; json?: boolean }) =>
    withRuntime(async (rt) => {
      const { listSegments } = await import('../../segments/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      const items = await listSegments(rt.db.kysely, ws.id);
      output(opts.json ? items : items.map(segmentRow), { json: opts.json });
    }),
  );

  jsonOption(
    workspaceOption(
      segments
        .command('show')
        .description('One segment: its filter, members and the last 14 days of its trend')
        .argument('<segment>', 'name or id'),
    ),
  ).action((ref: string, opts: { workspace?: string; json?: boolean }) =>
    withRuntime(async (rt) => {
      const { segmentHistory } = await import('../../segments/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      const { segment, days } = await segmentHistory(rt.db.kysely, ws.id, ref, {
        days: 14,
        now: rt.clock.now(),
      });
      if (opts.json) return output({ segment, days }, { json: true });
      output({ ...segmentRow(segment), description: segment.description, filter: segment.filter });
      output(days, { columns: ['day', 'members', 'entered', 'left'] });
    }),
  );

  jsonOption(
    workspaceOption(
      withFilterFlags(
        segments
          .command('create')
          .description('Save a filter as a segment (evaluated at once, then after every score run)')
          .argument('<name>', 'segment name')
          .option('--description <text>', 'what the segment is for'),
      ),
    ),
  ).action((name: string, opts: Record<string, unknown> & { workspace?: string; json?: boolean }) =>
    withRuntime(async (rt) => {
      const { createSegment, evaluateSegment, findSegment } = await import('../../segments/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      const { filter } = await filterFrom(opts);
      const now = rt.clock.now();
      const created = await createSegment(
        rt.db.kysely,
        ws.id,
        { name, description: String(opts.description ?? ''), filter },
        null,
        now.toISOString(),
      );
      await evaluateSegment(rt.db.kysely, ws.id, created, now);
      const segment = await findSegment(rt.db.kysely, ws.id, created.id);
      output(opts.json ? segment : segmentRow(segment), { json: opts.json });
    }),
  );

  jsonOption(
    workspaceOption(
      withFilterFlags(
        segments
          .command('update')
          .description('Rename a segment, or replace its filter with the filter flags given')
          .argument('<segment>', 'name or id')
          .option('--name <name>', 'new name')
          .option('--description <text>', 'new description'),
      ),
    ),
  ).action((ref: string, opts: Record<string, unknown> & { workspace?: string; json?: boolean }) =>
    withRuntime(async (rt) => {
      const { updateSegment, evaluateSegment, findSegment } = await import('../../segments/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      const { filter, given } = await filterFrom(opts);
      const now = rt.clock.now();
      const updated = await updateSegment(
        rt.db.kysely,
        ws.id,
        ref,
        {
          ...(typeof opts.name === 'string' ? { name: opts.name } : {}),
          ...(typeof opts.description === 'string' ? { description: opts.description } : {}),
          ...(given ? { filter } : {}),
        },
        now.toISOString(),
      );
      if (given) await evaluateSegment(rt.db.kysely, ws.id, updated, now);
      const segment = await findSegment(rt.db.kysely, ws.id, updated.id);
      output(opts.json ? segment : segmentRow(segment), { json: opts.json });
    }),
  );

  jsonOption(
    workspaceOption(
      segments
        .command('delete')
        .description('Delete a segment and its history')
        .argument('<segment>', 'name or id'),
    ),
  ).action((ref: string, opts: { workspace?: string; json?: boolean }) =>
    withRuntime(async (rt) => {
      const { deleteSegment } = await import('../../segments/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      const deleted = await deleteSegment(rt.db.kysely, ws.id, ref);
      output(opts.json ? { deleted: deleted.id } : `Deleted segment "${deleted.name}".`, { json: opts.json });
    }),
  );

  jsonOption(
    workspaceOption(
      withStreamFlags(
        segments
          .command('members')
          .description('Current members with when they entered, newest first')
          .argument('<segment>', 'name or id')
          .option('--since <date>', 'only members that entered on or after this date (2026-12-01)')
          .option('--limit <n>', 'how many (text and --json)', '100'),
      ),
    ),
  ).action(
    (
      ref: string,
      opts: StreamOptions & { since?: string; limit: string; workspace?: string; json?: boolean },
    ) =>
      withRuntime(async (rt) => {
        const { findSegment, segmentMembers } = await import('../../segments/index.js');
        const ws = await resolveWorkspaceOption(rt, opts);
        if (opts.csv || opts.jsonl) {
          if (opts.since)
            throw new CliError('--since lists members on screen; exports hold every current member.');
          const segment = await findSegment(rt.db.kysely, ws.id, ref);
          return streamExport(rt, ws.id, opts, { filters: [], segmentId: segment.id });
        }
        const page = await segmentMembers(rt.db.kysely, ws.id, ref, {
          ...(opts.since ? { since: opts.since } : {}),
          limit: Number(opts.limit) || 100,
        });
        if (opts.json) return output(page, { json: true });
        output(page.items, { columns: ['name', 'domain', 'grade', 'score', 'fit', 'enteredAt'] });
      }),
  );

  jsonOption(
    workspaceOption(
      withStreamFlags(
        withFilterFlags(
          program
            .command('accounts')
            .description(
              'Accounts with their scores, filtered like the web app; --csv/--jsonl stream them all',
            )
            .option('--segment <name>', 'only accounts a saved segment selects (name or id)')
            .option(
              '--sort <field>',
              'score, health, expansion, churnRisk, fit, name (a leading - for descending)',
              '-score',
            )
            .option('--limit <n>', 'how many (text and --json)', '50'),
        ),
      ),
    ),
  ).action(
    (
      opts: Record<string, unknown> &
        StreamOptions & { segment?: string; workspace?: string; json?: boolean },
    ) =>
      withRuntime(async (rt) => {
        const { accountListQuery, listAccounts } = await import('../../scoring/index.js');
        const { findSegment } = await import('../../segments/index.js');
        const ws = await resolveWorkspaceOption(rt, opts);
        const { filter } = await filterFrom(opts);
        const segment = opts.segment ? await findSegment(rt.db.kysely, ws.id, opts.segment) : null;
        const filters = segment ? [filter, segment.filter] : [filter];
        if (opts.csv || opts.jsonl) return streamExport(rt, ws.id, opts, { filters });
        const query = accountListQuery.safeParse({ ...filter, sort: opts.sort, limit: opts.limit });
        if (!query.success) throw new CliError(`Invalid option: ${query.error.issues[0]?.message}`);
        const page = await listAccounts(rt.db.kysely, ws.id, query.data, {
          now: rt.clock.now(),
          also: segment ? [segment.filter] : [],
        });
        if (opts.json) return output(page, { json: true });
        output(
          page.items.map((a) => ({ ...a, owner: a.owner ? (a.owner.name ?? a.owner.email) : '' })),
          {
            columns: ['name', 'domain', 'grade', 'score', 'health', 'expansion', 'churnRisk', 'fit', 'owner'],
          },
        );
      }),
  );

  const accounts = program.commands.find((c) => c.name() === 'accounts')!;
  jsonOption(
    workspaceOption(
      accounts
        .command('owners')
        .description('Everyone who owns an account in a CRM, with how many (for --owner)'),
    ),
  ).action((opts: { workspace?: string; json?: boolean }) =>
    withRuntime(async (rt) => {
      const { listOwners } = await import('../../accounts/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      const items = await listOwners(rt.db.kysely, ws.id);
      if (opts.json) return output({ items }, { json: true });
      output(
        items.map((o) => ({ name: o.name ?? '', email: o.email, accounts: o.accounts })),
        { columns: ['name', 'email', 'accounts'] },
      );
    }),
  );
}
