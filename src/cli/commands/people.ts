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

/**
 * `beton accounts people <account>`: the people at an account (every source's people merged by
 * e-mail), with the fields the sources disagree on. A verb under `beton accounts` (registered by
 * segments.ts), added here so the people code stays in its own module.
 */
export function registerPeople(program: Command) {
  const accounts = program.commands.find((c) => c.name() === 'accounts');
  if (!accounts) throw new Error('registerPeople runs after the `accounts` command is registered');
  jsonOption(
    workspaceOption(
      accounts
        .command('people')
        .description('The people at an account: name, title, seniority, when seen, their signals')
        .argument('<account>', 'account id or domain')
        .option(
          '--sort <field>',
          'name, title, seniority, department, firstSeenAt, lastSeenAt, signals',
          'lastSeenAt',
        )
        .option('--asc', 'ascending (default: descending)'),
    ),
  ).action((ref: string, opts: { sort: string; asc?: boolean; workspace?: string; json?: boolean }) =>
    withRuntime(async (rt) => {
      const { accountPeople, PEOPLE_SORTS, sortPeople } = await import('../../people/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      const sort = PEOPLE_SORTS.find((s) => s === opts.sort);
      if (!sort) throw new CliError(`--sort: choose one of ${PEOPLE_SORTS.join(', ')}.`);
      const id = await accountIdOf(ws.id, ref);
      const people = sortPeople(
        await accountPeople(rt.db.kysely, ws.id, id, rt.integrations),
        sort,
        opts.asc ? 'asc' : 'desc',
      );
      if (opts.json) return output({ items: people }, { json: true });
      output(
        people.map((p) => ({
          name: p.name ?? '',
          email: p.email ?? '',
          title: p.title ?? '',
          seniority: p.seniority ?? '',
          lastSeen: p.lastSeenAt?.slice(0, 10) ?? '',
          signals: p.signals.map((s) => s.title).join(', '),
          conflicts: p.conflicts
            .map(
              (c) => `${c.field}: ${c.values.map((v) => `${v.value} (${v.sources.join(', ')})`).join(' / ')}`,
            )
            .join('; '),
        })),
        { columns: ['name', 'email', 'title', 'seniority', 'lastSeen', 'signals', 'conflicts'] },
      );
    }),
  );
}
