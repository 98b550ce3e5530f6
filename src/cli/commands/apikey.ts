import type { Command } from 'commander';
import { ROLES, type Role } from '../../auth/roles.js';
import {
  CliError,
  jsonOption,
  output,
  resolveWorkspaceOption,
  withRuntime,
  workspaceOption,
} from '../support.js';

interface Common {
  workspace?: string;
  json?: boolean;
}

/** `beton apikey create|list|revoke`, acting on the workspace's keys directly in the database. */
export function registerApiKey(program: Command) {
  const apikey = program.command('apikey').description('API keys for tools (Authorization: Bearer beton_…)');

  jsonOption(
    workspaceOption(
      apikey
        .command('create')
        .description('Create an API key; the key is printed once')
        .option('--name <name>', 'what the key is for', 'CLI key')
        .option('--role <role>', `one of ${ROLES.join(', ')}`, 'member'),
    ),
  ).action((opts: Common & { name: string; role: string }) =>
    withRuntime(async (rt) => {
      if (!(ROLES as readonly string[]).includes(opts.role)) {
        throw new CliError(`--role must be one of ${ROLES.join(', ')} (got "${opts.role}").`);
      }
      const { cliActor, createApiKey } = await import('../../auth/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      const { key, apiKey } = await createApiKey(rt, cliActor(ws.id), {
        name: opts.name,
        role: opts.role as Role,
      });
      if (opts.json) output({ ...apiKey, key, workspace: ws.slug }, { json: true });
      else
        output(
          `${key}\n(API key "${apiKey.name}", role ${apiKey.role}, workspace ${ws.slug}; shown only now)`,
        );
    }),
  );

  jsonOption(
    workspaceOption(apikey.command('list').description('List API keys (never their secrets)')),
  ).action((opts: Common) =>
    withRuntime(async (rt) => {
      const { listApiKeys } = await import('../../auth/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      output(await listApiKeys(rt, ws.id), {
        json: opts.json,
        columns: ['prefix', 'name', 'role', 'createdAt', 'lastUsedAt', 'revokedAt'],
      });
    }),
  );

  jsonOption(
    workspaceOption(apikey.command('revoke').description('Revoke an API key').argument('<id-or-prefix>')),
  ).action((idOrPrefix: string, opts: Common) =>
    withRuntime(async (rt) => {
      const { cliActor, revokeApiKey } = await import('../../auth/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      const revoked = await revokeApiKey(rt, cliActor(ws.id), idOrPrefix);
      if (opts.json) output(revoked, { json: true });
      else output(`Revoked ${revoked.prefix} ("${revoked.name}").`);
    }),
  );
}
