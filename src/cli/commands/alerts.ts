import type { Command } from 'commander';
import {
  CliError,
  jsonOption,
  output,
  resolveWorkspaceOption,
  withRuntime,
  workspaceOption,
} from '../support.js';

/**
 * `beton alerts rules list|create|delete`, `beton alerts history`, `beton alerts digest
 * list|create|preview|send`: alert rules, their delivery history and digests (docs/alerts.md).
 */

type Opts = Record<string, unknown> & { workspace?: string; json?: boolean };
const list = (v: unknown) =>
  typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

/** A 400 from the service with zod issues in its details, as one line per field for a terminal. */
async function withFieldErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const details = (error as { details?: unknown }).details;
    if (Array.isArray(details) && details.length > 0) {
      const fields = details
        .map(
          (i: { path?: unknown[]; message?: string }) =>
            `${(i.path ?? []).join('.') || 'input'}: ${i.message}`,
        )
        .join('; ');
      throw new CliError(`${(error as Error).message} ${fields}`);
    }
    throw error;
  }
}

const ruleRow = (r: {
  name: string;
  enabled: boolean;
  destination: { kind: 'channel'; channelId: string } | { kind: 'owner' };
  filter?: { owner?: string | undefined } | undefined;
  id: string;
}) => ({
  name: r.name,
  enabled: r.enabled,
  to: r.destination.kind === 'channel' ? r.destination.channelId : "the account's owner (direct message)",
  owners: r.filter?.owner ?? '',
  id: r.id,
});

export function registerAlerts(program: Command) {
  const alerts = program.command('alerts').description('Alert rules, alert history and digests');
  const rules = alerts.command('rules').description('Alert rules: which signals alert, where and when');

  jsonOption(workspaceOption(rules.command('list').description('Alert rules of the workspace'))).action(
    (opts: Opts) =>
      withRuntime(async (rt) => {
        const { listAlertRules } = await import('../../alerts/index.js');
        const ws = await resolveWorkspaceOption(rt, opts);
        const items = await listAlertRules(rt.db.kysely, ws.id);
        output(opts.json ? items : items.map(ruleRow), { json: opts.json });
      }),
  );

  jsonOption(
    workspaceOption(
      rules
        .command('create')
        .description("Create a rule posting to a channel, or to each account's owner by direct message")
        .argument('<name>', 'rule name')
        .option('--channel <id>', 'channel id (GET /api/v1/integrations/<name>/channels lists them)')
        .option('--to-owner', "a direct message to the account's owner in the CRM (found by e-mail)")
        .option('--owner <emails>', 'only accounts these owners own (e-mails, comma-separated, or none)')
        .option('--signals <keys>', 'signal keys, comma-separated')
        .option('--directions <list>', 'signal directions: expansion, churn, timing')
        .option('--min-grade <grade>', 'M100, M75, M50, M25 or M10')
        .option('--min-score <n>', 'account score at least')
        .option('--segment <id>', 'only accounts in this saved segment')
        .option('--quiet <zone,start,end>', 'quiet hours, e.g. Europe/Berlin,20:00,08:00')
        .option('--cap <n>', 'at most this many per score run; the rest go to the digest')
        .option(
          '--cooldown-hours <n>',
          'a reopened occurrence alerts again only after this long (default 24)',
        ),
    ),
  ).action((name: string, opts: Opts) =>
    withRuntime(async (rt) => {
      const { createAlertRule } = await import('../../alerts/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      let quietHours: { timeZone: string; start: string; end: string } | undefined;
      if (typeof opts.quiet === 'string') {
        const [timeZone, start, end] = list(opts.quiet);
        if (!timeZone || !start || !end)
          throw new CliError('--quiet: give zone,start,end, e.g. Europe/Berlin,20:00,08:00');
        quietHours = { timeZone, start, end };
      }
      if (Boolean(opts.channel) === Boolean(opts.toOwner))
        throw new CliError("Give one destination: --channel <id>, or --to-owner for the account's owner.");
      const num = (v: unknown) => (v === undefined ? undefined : Number(v));
      const rule = await withFieldErrors(() =>
        createAlertRule(
          rt.db.kysely,
          ws.id,
          {
            name,
            signals: { keys: list(opts.signals), directions: list(opts.directions) as never },
            ...(opts.minGrade ? { minGrade: String(opts.minGrade) as never } : {}),
            ...(opts.minScore !== undefined ? { minScore: num(opts.minScore) } : {}),
            ...(opts.segment ? { segmentId: String(opts.segment) } : {}),
            destination: opts.toOwner
              ? { kind: 'owner' }
              : { kind: 'channel', channelId: String(opts.channel) },
            ...(opts.owner ? { filter: { owner: String(opts.owner) } } : {}),
            ...(quietHours ? { quietHours } : {}),
            ...(opts.cap !== undefined ? { capPerRun: num(opts.cap) } : {}),
            ...(opts.cooldownHours !== undefined ? { cooldownHours: num(opts.cooldownHours) } : {}),
          },
          null,
          rt.clock.now().toISOString(),
        ),
      );
      output(opts.json ? rule : ruleRow(rule), { json: opts.json });
    }),
  );

  jsonOption(
    workspaceOption(rules.command('delete').description('Delete a rule').argument('<rule>', 'name or id')),
  ).action((ref: string, opts: Opts) =>
    withRuntime(async (rt) => {
      const { deleteAlertRule } = await import('../../alerts/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      const rule = await deleteAlertRule(rt.db.kysely, ws.id, ref);
      output(opts.json ? rule : { deleted: rule.name, id: rule.id }, { json: opts.json });
    }),
  );

  jsonOption(
    workspaceOption(
      alerts
        .command('history')
        .description('Alerts, newest first, with delivery status and the service error when failed')
        .option('--status <status>', 'queued, sending, sent, failed, suppressed or digest')
        .option('--rule <id>', 'one rule')
        .option('--limit <n>', 'how many (default 50)'),
    ),
  ).action((opts: Opts) =>
    withRuntime(async (rt) => {
      const { listAlerts } = await import('../../alerts/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      const items = await listAlerts(rt.db.kysely, ws.id, {
        ...(opts.status ? { status: String(opts.status) } : {}),
        ...(opts.rule ? { ruleId: String(opts.rule) } : {}),
        limit: Number(opts.limit ?? 50),
      });
      output(
        opts.json
          ? items
          : items.map((a) => ({
              created: a.createdAt,
              account: a.accountName ?? a.accountId,
              signal: a.signalKey,
              rule: a.ruleName ?? a.ruleId,
              status: a.status,
              reason: a.reason ?? '',
              attempts: a.attempts,
            })),
        { json: opts.json },
      );
    }),
  );

  const digest = alerts.command('digest').description('Daily or weekly digests to a channel and/or e-mail');
  jsonOption(workspaceOption(digest.command('list').description('Digests of the workspace'))).action(
    (opts: Opts) =>
      withRuntime(async (rt) => {
        const { listDigests } = await import('../../alerts/index.js');
        const ws = await resolveWorkspaceOption(rt, opts);
        const items = await listDigests(rt.db.kysely, ws.id);
        output(
          opts.json
            ? items
            : items.map((d) => ({
                name: d.name,
                frequency: d.frequency,
                at: `${String(d.hour).padStart(2, '0')}:00 ${d.timeZone}`,
                channel: d.scope === 'owner' ? '' : (d.channelId ?? ''),
                emails: d.scope === 'owner' ? `each owner (${d.ownerVia.join(', ')})` : d.emails.join(', '),
                id: d.id,
              })),
          { json: opts.json },
        );
      }),
  );

  jsonOption(
    workspaceOption(
      digest
        .command('create')
        .description('Schedule a digest')
        .argument('<name>', 'digest name')
        .option('--weekly', 'weekly instead of daily')
        .option('--weekday <n>', 'weekly: 0 Sunday … 6 Saturday (default 1)')
        .option('--hour <n>', 'local hour (default 8)')
        .option('--time-zone <zone>', 'IANA time zone (default UTC)')
        .option('--channel <id>', 'channel id')
        .option('--email <list>', 'e-mail addresses, comma-separated')
        .option(
          '--per-owner <via>',
          "one digest per account owner with only their accounts, by message, email or both (comma-separated), to the owner's address",
        ),
    ),
  ).action((name: string, opts: Opts) =>
    withRuntime(async (rt) => {
      const { createDigest } = await import('../../alerts/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      const d = await withFieldErrors(() =>
        createDigest(
          rt.db.kysely,
          ws.id,
          {
            name,
            frequency: opts.weekly ? 'weekly' : 'daily',
            ...(opts.weekday !== undefined ? { weekday: Number(opts.weekday) } : {}),
            ...(opts.hour !== undefined ? { hour: Number(opts.hour) } : {}),
            ...(opts.timeZone ? { timeZone: String(opts.timeZone) } : {}),
            ...(opts.channel ? { channelId: String(opts.channel) } : {}),
            emails: list(opts.email),
            ...(opts.perOwner ? { scope: 'owner' as const, ownerVia: list(opts.perOwner) as never } : {}),
          },
          null,
          rt.clock.now(),
        ),
      );
      output(d, { json: opts.json });
    }),
  );

  jsonOption(
    workspaceOption(
      digest
        .command('preview')
        .description('What the digest would say now, sending nothing')
        .argument('<digest>', 'name or id')
        .option('--owner <email>', "only this owner's accounts (their part of an owner digest)"),
    ),
  ).action((ref: string, opts: Opts) =>
    withRuntime(async (rt) => {
      const { buildDigest, findDigest } = await import('../../alerts/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      const d = await findDigest(rt.db.kysely, ws.id, ref);
      const summary = await buildDigest(rt.db.kysely, ws.id, {
        start: d.lastPeriodEnd ?? d.createdAt,
        end: rt.clock.now().toISOString(),
        topChurnRisks: d.topChurnRisks,
        publicUrl: rt.config.BETON_PUBLIC_URL,
        ...(opts.owner ? { owner: String(opts.owner).toLowerCase() } : {}),
      });
      output(opts.json ? summary : { ...summary.counts, empty: summary.empty }, { json: opts.json });
    }),
  );

  jsonOption(
    workspaceOption(
      digest
        .command('send')
        .description('Send the digest now for the period since the last one (nothing new: nothing sent)')
        .argument('<digest>', 'name or id'),
    ),
  ).action((ref: string, opts: Opts) =>
    withRuntime(async (rt) => {
      const { runDigest } = await import('../../alerts/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      const run = await runDigest(rt, ws.id, ref, rt.clock.now());
      output(
        opts.json
          ? run
          : {
              status: run.status,
              from: run.periodStart,
              to: run.periodEnd,
              ...(run.owners
                ? {
                    owners: run.owners
                      .map((o) => `${o.email} (${o.sent.join('+') || 'not sent'})`)
                      .join(', '),
                  }
                : {}),
              error: run.error ?? '',
            },
        {
          json: opts.json,
        },
      );
    }),
  );
}
