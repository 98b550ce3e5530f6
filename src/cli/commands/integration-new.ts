import path from 'node:path';
import type { Command } from 'commander';
import { CliError, jsonOption, output, reportError } from '../support.js';

/**
 * `beton integration new <name>`: scaffold an integration folder, a simulator, passing tests, a docs
 * page and the registry line, in the project in the current directory (or `--root`).
 */
export function registerIntegrationNew(program: Command) {
  const integration = program.command('integration').description('Work on an integration’s code');
  jsonOption(
    integration
      .command('new')
      .description(
        'Scaffold a new integration: client, definition, one stream, simulator, tests, docs, registry line',
      )
      .argument('<name>', 'lower case, digits and _ (e.g. acme_crm)')
      .option('--root <dir>', 'project root', '.'),
  ).action(async (name: string, opts: { root: string; json?: boolean }) => {
    try {
      const { scaffoldIntegration } = await import('../scaffold/scaffold.js');
      const root = path.resolve(opts.root);
      let result: ReturnType<typeof scaffoldIntegration>;
      try {
        result = scaffoldIntegration(root, name);
      } catch (error) {
        throw new CliError(error instanceof Error ? error.message : String(error));
      }
      if (opts.json) return output(result, { json: true });
      output(
        [
          `Scaffolded ${result.names.display}:`,
          ...result.files.map((f) => `  ${f}`),
          '',
          'Next: point the client at the real API (src/integrations/' +
            name +
            '/client.ts), shape the simulator',
          'after its documented answers, then run:',
          `  npx vitest run test/integrations/${name}.test.ts`,
          'Checklist: docs/adding-an-integration.md',
        ].join('\n'),
      );
    } catch (error) {
      reportError(error);
    }
  });
}
