import { z } from 'zod';
import { withSnoozes } from '../../alerts/index.js';
import { recordAudit } from '../../audit/index.js';
import { auditActorOf } from '../../auth/index.js';
import { badRequest } from '../../core/errors.js';
import { accountNames, signalDefinitions } from '../../scoring/index.js';
import {
  type ConfiguredSignal,
  listOccurrences,
  loadOverrides,
  loadSignals,
  saveOverride,
  updateCustomSignal,
} from '../../signals/index.js';
import { requireAccount } from '../brief.js';
import type { McpContext } from '../context.js';
import { defineTool } from './define.js';
import { dayOrTime, isoTime } from './time.js';

const direction = z.enum(['expansion', 'churn', 'timing']);
const pct = (n: number | null) => (n === null ? 'n/a' : `${Math.round(n * 100)}%`);
const ratio = (n: number | null) => (n === null ? 'n/a' : `${n.toFixed(1)}×`);

/**
 * The signal a key names in the caller's workspace; otherwise a tool error naming the keys that
 * look like it (a typo) or pointing to list_signals.
 *
 * @example
 * await signalOf(ctx, 'usage_drop');
 */
export async function signalOf(ctx: McpContext, key: string): Promise<ConfiguredSignal> {
  const signals = await loadSignals(ctx.rt.db.kysely, ctx.actor.workspaceId);
  const found = signals.find((s) => s.key === key);
  if (found) return found;
  // Keys sharing the first four letters, the longest shared start first (usage_dro → usage_drop).
  const wanted = key.toLowerCase();
  const shared = (k: string) => {
    let n = 0;
    while (n < k.length && k[n] === wanted[n]) n++;
    return n;
  };
  const alike = signals
    .map((s) => s.key)
    .filter((k) => shared(k.toLowerCase()) >= 4)
    .sort((a, b) => shared(b.toLowerCase()) - shared(a.toLowerCase()));
  throw badRequest(
    `There is no signal "${key}" in this workspace${alike.length > 0 ? `; did you mean ${alike.slice(0, 5).join(', ')}?` : '.'} list_signals names every signal.`,
  );
}

/** "ratio 2, minBaseline 10": the settings a signal's description refers to in `backticks`. */
const settingsText = (params: Record<string, unknown>) =>
  Object.entries(params)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join('|') : String(v)}`)
    .join(', ');

/** The signals catalogue with each signal's backtest (what `GET /api/v1/signals` answers). */
export const listSignalsTool = defineTool({
  name: 'list_signals',
  title: 'Signals and their backtest',
  description:
    'Every signal Beton detects (expansion, churn or timing), whether it is on, its weight, how often it fired, and its backtest against later billing outcomes: precision (share of firings followed by the outcome within 30 days), lift over the base rate, and median lead time in days. Use it to judge how much a signal should be trusted.',
  access: 'viewer',
  write: false,
  action: 'read signals',
  input: z.strictObject({ direction: direction.optional().describe('Only signals of this direction') }),
  async run(ctx, args) {
    const all = await signalDefinitions(ctx.rt.db.kysely, ctx.actor.workspaceId, ctx.rt.clock.now());
    const signals = all.signals
      .filter((s) => !args.direction || s.direction === args.direction)
      .map((s) => ({
        key: s.key,
        title: s.title,
        description: s.description,
        direction: s.direction,
        custom: s.custom,
        enabled: s.enabled,
        weight: s.weight,
        params: s.params,
        counts: s.counts,
        precision: s.precision,
        lift: s.lift,
        medianLeadDays: s.medianLeadDays,
        support: s.support,
        backtest: s.backtest,
      }));
    const lines = [
      `Backtest ${all.computedAt ? `computed ${all.computedAt.slice(0, 10)}` : 'not computed yet (run a score)'}; base rates: expansion ${pct(all.baseRates.expansion)}, churn ${pct(all.baseRates.churn)}.`,
      '',
      ...signals.map(
        (s) =>
          `- ${s.key} — ${s.title} (${s.direction}${s.enabled ? '' : ', off'}): precision ${pct(s.precision)}, lift ${ratio(s.lift)}, median lead ${s.medianLeadDays ?? 'n/a'} days, support ${s.support} accounts; fired ${s.counts.occurrences} times on ${s.counts.accounts} accounts, active on ${s.counts.activeAccounts}. ${s.description}${settingsText(s.params) ? ` Settings: ${settingsText(s.params)}.` : ''}`,
      ),
    ];
    return {
      text: lines.join('\n'),
      data: { computedAt: all.computedAt, baseRates: all.baseRates, signals },
    };
  },
});

/** Signal occurrences (what `GET /api/v1/signals/occurrences` answers), also by direction and window. */
export const listOccurrencesTool = defineTool({
  name: 'list_signal_occurrences',
  title: 'Signal occurrences',
  description:
    'Times a signal fired on an account, newest first, each with its evidence in words. Filter by signal key (list_signals names them), direction (expansion, churn, timing), account (id or domain) and a time window. Pages: pass the returned nextCursor as cursor.',
  access: 'viewer',
  write: false,
  action: 'read signals',
  input: z.strictObject({
    signal: z.string().min(1).max(120).optional().describe('Signal key, e.g. usage_drop'),
    direction: direction.optional(),
    account: z.string().min(1).max(200).optional().describe('Account id (acc_…) or company domain'),
    since: dayOrTime('occurrences at or after it').optional(),
    until: dayOrTime('occurrences before it').optional(),
    limit: z.number().int().min(1).max(200).default(25),
    cursor: z.string().max(500).optional(),
  }),
  async run(ctx, args) {
    const db = ctx.rt.db.kysely;
    const ws = ctx.actor.workspaceId;
    if (args.signal) await signalOf(ctx, args.signal);
    const keys = args.direction
      ? (await loadSignals(db, ws)).filter((s) => s.detector.direction === args.direction).map((s) => s.key)
      : undefined;
    const page = await listOccurrences(db, ws, {
      ...(args.signal ? { signal: args.signal } : {}),
      ...(keys ? { signals: keys } : {}),
      ...(args.account ? { accountId: await requireAccount(ctx, args.account) } : {}),
      ...(args.since ? { since: isoTime(args.since) } : {}),
      ...(args.until ? { until: isoTime(args.until) } : {}),
      ...(args.cursor ? { cursor: args.cursor } : {}),
      limit: args.limit,
    });
    const names = await accountNames(
      db,
      ws,
      page.items.map((o) => o.accountId),
    );
    const items = await withSnoozes(
      db,
      ws,
      ctx.rt.clock.now(),
      page.items.map((o) => ({ ...o, account: names.get(o.accountId) ?? null })),
    );
    const lines = items.map(
      (o) =>
        `- ${o.occurredAt.slice(0, 10)} ${o.key} on ${o.account ? `${o.account.name} (${o.account.domain})` : o.accountId}: ${o.explanation} (strength ${o.strength.toFixed(2)}${o.open ? ', still holding' : ''}${o.snooze ? `, alerts snoozed until ${o.snooze.until.slice(0, 10)}` : ''}) · account ${o.accountId}`,
    );
    const head = items.length === 0 ? 'No occurrence matches.' : `${items.length} occurrences:`;
    const tail = page.nextCursor ? `\nMore: call again with cursor "${page.nextCursor}".` : '';
    return { text: [head, ...lines].join('\n') + tail, data: { items, nextCursor: page.nextCursor } };
  },
});

/**
 * Turn a signal on or off: the `enabled` part of `PATCH /api/v1/signals/:key` (admin), for every
 * account. One account's alerts for a signal are snoozed with snooze_signal (./snooze.ts).
 */
export const setSignalEnabledTool = defineTool({
  name: 'set_signal_enabled',
  title: 'Turn a signal on or off',
  description:
    "Turn a signal off for every account (it stops firing and stops counting in scores from the next score run) or back on: how a noisy signal is silenced workspace-wide. To quiet only one account's alerts for a signal, use snooze_signal instead. Needs the admin role.",
  access: 'admin',
  write: true,
  action: 'change a signal',
  input: z.strictObject({
    signal: z.string().min(1).max(120).describe('Signal key, e.g. usage_drop or custom:…'),
    enabled: z.boolean(),
  }),
  async run(ctx, args) {
    const db = ctx.rt.db.kysely;
    const ws = ctx.actor.workspaceId;
    const now = ctx.rt.clock.now().toISOString();
    await signalOf(ctx, args.signal);
    const actor = auditActorOf(ctx.actor);
    if (args.signal.startsWith('custom:')) {
      const signal = await updateCustomSignal(
        db,
        ws,
        args.signal.slice('custom:'.length),
        { enabled: args.enabled },
        now,
      );
      await recordAudit(
        db,
        ws,
        actor,
        'signal.update',
        {
          targetType: 'signal',
          targetId: signal.key,
          details: { enabled: args.enabled },
        },
        ctx.rt.clock,
      );
    } else {
      const current = (await loadOverrides(db, ws)).get(args.signal) ?? {};
      const saved = await saveOverride(
        db,
        ws,
        args.signal,
        { ...current, enabled: args.enabled },
        ctx.actor.userId,
        now,
      );
      await recordAudit(
        db,
        ws,
        actor,
        'signal.configure',
        {
          targetType: 'signal',
          targetId: args.signal,
          details: saved,
        },
        ctx.rt.clock,
      );
    }
    return {
      text: `${args.signal} is now ${args.enabled ? 'on' : 'off'}; scores follow at the next score run.`,
      data: { signal: args.signal, enabled: args.enabled },
    };
  },
});
