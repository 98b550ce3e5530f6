import type { Command } from 'commander';
import { ROLES, type Role } from '../../auth/roles.js';
import type { Runtime } from '../../runtime/index.js';
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

/** Where invitation links point: BETON_PUBLIC_URL, else the address `beton serve` listens on. */
function linkOrigin(rt: Runtime): string {
  if (rt.config.BETON_PUBLIC_URL) return new URL(rt.config.BETON_PUBLIC_URL).origin;
  const host = rt.config.HOST === '0.0.0.0' || rt.config.HOST === '::' ? 'localhost' : rt.config.HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${rt.config.PORT}`;
}

/**
 * `beton members list|invite|invitations|revoke-invitation` and `beton signup open|closed|default|status`:
 * the workspace's people, invitations (the link is printed once, and e-mailed when BETON_SMTP_URL
 * is set), and whether anyone may sign up.
 */
export function registerMembers(program: Command) {
  const members = program.command('members').description('People in a workspace, and invitations');

  jsonOption(workspaceOption(members.command('list').description('List members and their roles'))).action(
    (opts: Common) =>
      withRuntime(async (rt) => {
        const { listMembers } = await import('../../auth/index.js');
        const ws = await resolveWorkspaceOption(rt, opts);
        output(await listMembers(rt, ws.id), {
          json: opts.json,
          columns: ['email', 'role', 'name', 'createdAt'],
        });
      }),
  );

  jsonOption(
    workspaceOption(
      members
        .command('invite')
        .description('Invite someone by e-mail; prints the single-use link (valid 7 days)')
        .requiredOption('--email <email>', 'their e-mail address')
        .option('--role <role>', `one of ${ROLES.join(', ')}`, 'member'),
    ),
  ).action((opts: Common & { email: string; role: string }) =>
    withRuntime(async (rt) => {
      if (!(ROLES as readonly string[]).includes(opts.role)) {
        throw new CliError(`--role must be one of ${ROLES.join(', ')} (got "${opts.role}").`);
      }
      const { cliActor, createInvitation, createMailer } = await import('../../auth/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      const mailer = createMailer(rt.config);
      try {
        const created = await createInvitation(
          rt,
          cliActor(ws.id),
          { email: opts.email, role: opts.role as Role },
          {
            origin: linkOrigin(rt),
            mailer,
            onMailError: (e) => rt.logger.warn({ err: (e as Error).message }, 'invitation e-mail not sent'),
          },
        );
        if (opts.json)
          output({ ...created.invitation, url: created.url, emailSent: created.emailSent }, { json: true });
        else
          output(
            `${created.url}\n(invitation for ${created.invitation.email} as ${created.invitation.role} in ${ws.slug}; ${created.emailSent ? 'e-mailed; ' : ''}the link is shown only now and works once)`,
          );
      } finally {
        mailer.close();
      }
    }),
  );

  jsonOption(workspaceOption(members.command('invitations').description('List pending invitations'))).action(
    (opts: Common) =>
      withRuntime(async (rt) => {
        const { listInvitations } = await import('../../auth/index.js');
        const ws = await resolveWorkspaceOption(rt, opts);
        output(await listInvitations(rt, ws.id), {
          json: opts.json,
          columns: ['id', 'email', 'role', 'expiresAt'],
        });
      }),
  );

  workspaceOption(
    members
      .command('revoke-invitation <id>')
      .description('Revoke a pending invitation (its link stops working)'),
  ).action((id: string, opts: Common) =>
    withRuntime(async (rt) => {
      const { cliActor, revokeInvitation } = await import('../../auth/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      await revokeInvitation(rt, cliActor(ws.id), id);
      output(`Revoked invitation ${id}`);
    }),
  );

  jsonOption(
    program
      .command('signup [policy]')
      .description(
        'Show or set who may create an account: open, closed, or default (open only until the first workspace exists). BETON_SIGNUP overrides it.',
      ),
  ).action((policy: string | undefined, opts: { json?: boolean }) =>
    withRuntime(async (rt) => {
      const { setSignUpSetting, signUpPolicy } = await import('../../auth/index.js');
      if (policy !== undefined) {
        if (!['open', 'closed', 'default'].includes(policy)) {
          throw new CliError(`The policy must be open, closed or default (got "${policy}").`);
        }
        await setSignUpSetting(rt.db, policy === 'default' ? null : (policy as 'open' | 'closed'));
      }
      const now = await signUpPolicy(rt.db, rt.config);
      if (opts.json) output(now, { json: true });
      else
        output(
          `Sign-up is ${now.open ? 'open' : 'closed'} (${now.source === 'env' ? 'BETON_SIGNUP' : now.source === 'setting' ? 'beton signup' : 'default: open until the first workspace exists'}).`,
        );
    }),
  );
}
