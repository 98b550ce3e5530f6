import { z } from 'zod';
import { MAX_SNOOZE_DAYS, SNOOZE_DAYS, snoozeSignal, unsnoozeSignal } from '../../alerts/index.js';
import { accountNames } from '../../scoring/index.js';
import { requireAccount } from '../brief.js';
import type { McpContext } from '../context.js';
import { defineTool } from './define.js';
import { signalOf } from './signals.js';

const pair = {
  account: z.string().min(1).max(200).describe('Account id (acc_…) or company domain'),
  signal: z.string().min(1).max(120).describe('Signal key, e.g. usage_drop (list_signals names them)'),
};

/** The account and signal as the caller named them, checked in their workspace (with what to try next). */
async function pairOf(ctx: McpContext, args: { account: string; signal: string }) {
  const accountId = await requireAccount(ctx, args.account);
  const signal = await signalOf(ctx, args.signal);
  const name = (await accountNames(ctx.rt.db.kysely, ctx.actor.workspaceId, [accountId])).get(accountId);
  return { accountId, signal, label: name ? `${name.name} (${name.domain})` : accountId };
}

/** Snooze one account's alerts for one signal (`POST /api/v1/accounts/:id/signals/:key/snooze`, member). */
export const snoozeSignalTool = defineTool({
  name: 'snooze_signal',
  title: "Snooze a signal's alerts for one account",
  description: `Stop alerts about one signal on one account for a number of days (default ${SNOOZE_DAYS}, at most ${MAX_SNOOZE_DAYS}), e.g. when the team already handles it: new firings raise no message and alerts still waiting are held; digests leave it out. The signal still fires and still counts in the account's scores, and other accounts still alert. A new snooze replaces the account's earlier one for that signal; unsnooze_signal lifts it. Needs the member role.`,
  access: 'member',
  write: true,
  action: 'snooze a signal',
  input: z.strictObject({
    ...pair,
    days: z.number().int().min(1).max(MAX_SNOOZE_DAYS).default(SNOOZE_DAYS).describe('How long'),
    note: z.string().max(500).optional().describe('Why, shown on the account page'),
  }),
  async run(ctx, args) {
    const { accountId, signal, label } = await pairOf(ctx, args);
    const { snooze, alertsHeld } = await snoozeSignal(ctx.rt, ctx.actor, {
      accountId,
      signal: signal.key,
      days: args.days,
      note: args.note,
    });
    const held =
      alertsHeld === 0
        ? ''
        : ` ${alertsHeld} alert${alertsHeld === 1 ? '' : 's'} waiting to go out ${alertsHeld === 1 ? 'was' : 'were'} held.`;
    return {
      text: `Snoozed ${signal.key} (${signal.detector.title}) alerts for ${label} until ${snooze.until.slice(0, 10)} (${args.days} days).${held} The signal still fires and counts in scores; unsnooze_signal lifts it sooner.`,
      data: { snooze, alertsHeld },
    };
  },
});

/** Lift one account's snooze for a signal (`DELETE /api/v1/accounts/:id/signals/:key/snooze`, member). */
export const unsnoozeSignalTool = defineTool({
  name: 'unsnooze_signal',
  title: "Lift a signal's snooze for one account",
  description:
    "Lift a snooze set with snooze_signal (or an alert card's Snooze button) before it ends: the next time the signal fires on the account, alerts go out again. Alerts held while it lasted are not sent. Needs the member role.",
  access: 'member',
  write: true,
  action: 'lift a snooze',
  input: z.strictObject(pair),
  async run(ctx, args) {
    const { accountId, signal, label } = await pairOf(ctx, args);
    const { lifted } = await unsnoozeSignal(ctx.rt, ctx.actor, {
      accountId,
      signal: signal.key,
    });
    return {
      text: lifted
        ? `Lifted the snooze on ${signal.key} alerts for ${label} (it ran until ${lifted.until.slice(0, 10)}, set by ${lifted.by.name ?? lifted.by.id ?? 'someone'}); its next firing alerts again.`
        : `${signal.key} alerts for ${label} were not snoozed; nothing changed.`,
      data: { lifted },
    };
  },
});
