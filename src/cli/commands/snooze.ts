import type { Command } from 'commander';
import {
  accountIdOf,
  CliError,
  jsonOption,
  output,
  resolveWorkspaceOption,
  withRuntime,
  workspaceOption,
} from '../support.js';

/** "2027-01-07 09:30 UTC" */
const utc = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/**
 * `beton accounts snooze|unsnooze <account> <signal>`: hold one account's alerts for a signal, or
 * lift that (src/alerts/snooze.ts), as the local operator; audited. Verbs under `beton accounts`
 * (registered by segments.ts).
 */
export function registerSnooze(program: Command) {
  const accounts = program.commands.find((c) => c.name() === 'accounts');
  if (!accounts) throw new Error('registerSnooze runs after the `accounts` command is registered');
  jsonOption(
    workspaceOption(
      accounts
        .command('snooze')
        .description("Snooze a signal's alerts for one account (scores and detection are unchanged)")
        .argument('<account>', 'account id or domain')
        .argument('<signal>', 'signal key, e.g. usage_drop')
        .option('--days <n>', 'how long, 1–365', '30')
        .option('--note <text>', 'why (shown on the account page)'),
    ),
  ).action(
    (
      ref: string,
      signal: string,
      opts: { days: string; note?: string; workspace?: string; json?: boolean },
    ) =>
      withRuntime(async (rt) => {
        const { cliActor } = await import('../../auth/index.js');
        const { snoozeSignal } = await import('../../alerts/index.js');
        const days = Number(opts.days);
        if (!Number.isInteger(days) || days < 1 || days > 365)
          throw new CliError(`--days: a whole number of days from 1 to 365 (got "${opts.days}").`);
        const ws = await resolveWorkspaceOption(rt, opts);
        const result = await snoozeSignal(rt, cliActor(ws.id), {
          accountId: await accountIdOf(ws.id, ref),
          signal,
          days,
          note: opts.note,
        });
        if (opts.json) return output(result, { json: true });
        const held = result.alertsHeld > 0 ? `; ${result.alertsHeld} waiting alerts held` : '';
        output(
          `Snoozed ${signal} alerts for ${ref} until ${utc(result.snooze.until)} (${days} days)${held}.`,
        );
      }),
  );

  jsonOption(
    workspaceOption(
      accounts
        .command('unsnooze')
        .description("Lift a signal's snooze for one account: its next firing alerts again")
        .argument('<account>', 'account id or domain')
        .argument('<signal>', 'signal key'),
    ),
  ).action((ref: string, signal: string, opts: { workspace?: string; json?: boolean }) =>
    withRuntime(async (rt) => {
      const { cliActor } = await import('../../auth/index.js');
      const { unsnoozeSignal } = await import('../../alerts/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      const result = await unsnoozeSignal(rt, cliActor(ws.id), {
        accountId: await accountIdOf(ws.id, ref),
        signal,
      });
      if (opts.json) return output(result, { json: true });
      output(
        result.lifted
          ? `Lifted the snooze on ${signal} alerts for ${ref} (it ran until ${utc(result.lifted.until)}).`
          : `${signal} alerts for ${ref} were not snoozed; nothing changed.`,
      );
    }),
  );
}
