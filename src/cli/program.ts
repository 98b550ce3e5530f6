import { Command } from 'commander';
import { commands } from './commands/index.js';

/**
 * The `beton` command with every verb from commands/index.ts.
 *
 * @example
 * await buildProgram().parseAsync(['node', 'beton', 'workspaces', 'list', '--json']);
 */
export function buildProgram(): Command {
  const program = new Command('beton')
    .description(
      'Beton: revenue signals for product-led SaaS. Configuration comes from environment variables (see README).',
    )
    .showHelpAfterError()
    .enablePositionalOptions();
  for (const register of commands) register(program);
  return program;
}
