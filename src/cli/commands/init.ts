import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import type { Actor } from '../../auth/index.js';
import { ask, isInteractive, jsonOption, output, withRuntime } from '../support.js';

interface InitOptions {
  workspace?: string;
  email?: string;
  password?: string;
  name?: string;
  json?: boolean;
}

const DEFAULT_WORKSPACE = 'My workspace';
const DEFAULT_EMAIL = 'owner@beton.local';

/** A password the owner can type: 24 url-safe characters. */
const generatePassword = () => randomBytes(18).toString('base64url');

/**
 * `beton init`: create a workspace, its owner and an admin API key, printed once. Asks for what is
 * missing on a terminal; with flags or without a terminal it runs unattended and generates a
 * password when none is given.
 */
export function registerInit(program: Command) {
  jsonOption(
    program
      .command('init')
      .description('Create a workspace with its owner and an API key (shown once)')
      .option('--workspace <name>', `workspace name (default "${DEFAULT_WORKSPACE}")`)
      .option('--email <email>', `owner's email (default ${DEFAULT_EMAIL})`)
      .option('--password <password>', "owner's password (generated and printed when omitted)")
      .option('--name <name>', "owner's display name"),
  ).action((opts: InitOptions) =>
    withRuntime(async (rt) => {
      const { createApiKey, createWorkspaceWithOwner } = await import('../../auth/index.js');
      const flagsGiven = Boolean(opts.workspace || opts.email || opts.password);
      const interactive = !flagsGiven && !opts.json && isInteractive();
      const workspaceName =
        opts.workspace ?? (interactive ? await ask('Workspace name', DEFAULT_WORKSPACE) : DEFAULT_WORKSPACE);
      const email = opts.email ?? (interactive ? await ask("Owner's email", DEFAULT_EMAIL) : DEFAULT_EMAIL);
      const typed = opts.password ?? (interactive ? await ask('Password (empty: generate one)') : '');
      const password = typed || generatePassword();
      const { workspace, user } = await createWorkspaceWithOwner(rt, {
        workspaceName,
        email,
        password,
        ...(opts.name ? { name: opts.name } : {}),
      });
      const owner: Actor = { workspaceId: workspace.id, userId: user.id, apiKeyId: null, role: 'owner' };
      const { key, apiKey } = await createApiKey(rt, owner, { name: 'created by beton init', role: 'admin' });
      const generated = !typed;
      if (opts.json) {
        output(
          {
            workspace,
            user: { id: user.id, email: user.email },
            ...(generated ? { password } : {}),
            apiKey: { id: apiKey.id, prefix: apiKey.prefix, role: apiKey.role, key },
          },
          { json: true },
        );
        return;
      }
      output(
        [
          `Workspace "${workspace.name}" (${workspace.slug}) created.`,
          `Owner: ${user.email}${generated ? `  password: ${password}` : ''}`,
          `API key (admin): ${key}`,
          '',
          generated
            ? 'The password and API key are shown only now; keep them somewhere safe.'
            : 'The API key is shown only now; keep it somewhere safe.',
          'Use the key as "Authorization: Bearer <key>", or sign in to the web app with the email and password.',
        ].join('\n'),
      );
    }),
  );
}
