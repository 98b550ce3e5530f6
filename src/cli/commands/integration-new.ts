import path from 'node:path';
import type { Command } from 'commander';
import { CliError, jsonOption, output, reportError } from '../support.js';

interface NewOptions {
  root: string;
  displayName?: string;
  baseUrl?: string;
  category?: string;
  role?: string;
  json?: boolean;
}

/**
 * `beton integration new <name>`: scaffold an integration — only its folder `src/integrations/<name>/`
 * (client, definition, types, streams and mappers or enrichment per role, a simulator on the kit,
 * passing tests, a README setup page) and the registry line — in the project in the current
 * directory (or `--root`).
 */
export function registerIntegrationNew(program: Command) {
  const integration = program.command('integration').description('Work on an integration’s code');
  jsonOption(
    integration
      .command('new')
      .description(
        'Scaffold a new integration in one folder: client, definition, mappers, simulator, tests, README, registry line',
      )
      .argument('<name>', 'lower case, digits and _ (e.g. acme_crm)')
      .option('--display-name <name>', 'name shown to users (default: from <name>, e.g. "Acme Crm")')
      .option('--base-url <url>', 'the API origin (default https://api.<name>.com)')
      .option('--category <category>', 'analytics, billing, enrichment, crm or other')
      .option('--role <roles>', 'comma-separated: source, enrichment, destination', 'source')
      .option('--root <dir>', 'project root', '.'),
  ).action(async (name: string, opts: NewOptions) => {
    try {
      const { scaffoldIntegration } = await import('../scaffold/scaffold.js');
      const root = path.resolve(opts.root);
      let result: ReturnType<typeof scaffoldIntegration>;
      try {
        result = scaffoldIntegration(root, name, {
          ...(opts.displayName ? { displayName: opts.displayName } : {}),
          ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
          ...(opts.category ? { category: opts.category } : {}),
          roles: (opts.role ?? 'source').split(',').filter((r) => r.trim() !== ''),
        });
      } catch (error) {
        throw new CliError(error instanceof Error ? error.message : String(error));
      }
      if (opts.json) return output(result, { json: true });
      output(
        [
          `Scaffolded ${result.names.display} (${result.roles.join(', ')}):`,
          ...result.files.map((f) => `  ${f}`),
          '',
          `Next: point the client at the real API (src/integrations/${name}/client.ts), shape the`,
          'simulator after its documented answers and the mappers after its records, then run:',
          `  npx vitest run src/integrations/${name}`,
          'Checklist: docs/adding-an-integration.md',
        ].join('\n'),
      );
    } catch (error) {
      reportError(error);
    }
  });
}
