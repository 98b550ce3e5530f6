import type { Command } from 'commander';
import { jsonOption, output, resolveWorkspaceOption, withRuntime, workspaceOption } from '../support.js';

/** `beton integrations list`: every registered integration and its status in the workspace. */
export function registerIntegrations(program: Command) {
  const integrations = program
    .command('integrations')
    .description('Integrations and their connection status');
  jsonOption(
    workspaceOption(integrations.command('list').description('List integrations and their status')),
  ).action((opts: { workspace?: string; json?: boolean }) =>
    withRuntime(async (rt) => {
      const { listIntegrations } = await import('../../connections/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      const views = await listIntegrations(rt, ws.id);
      if (opts.json) return output(views, { json: true });
      output(
        views.map((v) => ({
          name: v.name,
          roles: v.roles.join(','),
          status: v.status,
          account: v.connection?.accountLabel ?? null,
          streams: v.streams.map((s) => s.name).join(','),
          lastError: v.connection?.lastError ?? null,
        })),
      );
    }),
  );
  jsonOption(
    workspaceOption(
      integrations
        .command('channels <name>')
        .description('Channels a messaging integration can post to (for alert rules and digests)'),
    ),
  ).action((name: string, opts: { workspace?: string; json?: boolean }) =>
    withRuntime(async (rt) => {
      const { listMessagingChannels } = await import('../../messaging/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      const channels = await listMessagingChannels(rt, ws.id, name);
      if (opts.json) return output(channels, { json: true });
      output(
        channels.map((c) => ({
          id: c.id,
          name: c.name,
          private: c.isPrivate,
          archived: c.isArchived,
          member: c.isMember,
        })),
      );
    }),
  );
}
