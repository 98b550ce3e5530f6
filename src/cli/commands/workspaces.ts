import type { Command } from 'commander';
import { jsonOption, output, withRuntime } from '../support.js';

/** `beton workspaces list`. */
export function registerWorkspaces(program: Command) {
  const workspaces = program.command('workspaces').description('Workspaces in this installation');
  jsonOption(workspaces.command('list').description('List every workspace')).action(
    (opts: { json?: boolean }) =>
      withRuntime(async (rt) => {
        const { listWorkspaces } = await import('../../auth/index.js');
        output(await listWorkspaces(rt), { json: opts.json, columns: ['slug', 'name', 'id', 'createdAt'] });
      }),
  );
}
