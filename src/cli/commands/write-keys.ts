import type { Command } from 'commander';
import { jsonOption, output, resolveWorkspaceOption, withRuntime, workspaceOption } from '../support.js';

/**
 * `beton write-keys <name> [create|revoke <id>]`: the write keys senders use to push to an
 * integration with an ingest endpoint (e.g. the Segment-compatible one). A key is printed once, when
 * created; listings show its prefix. Rotate by creating a new key, updating the senders, then
 * revoking the old one.
 */
export function registerWriteKeys(program: Command) {
  jsonOption(
    workspaceOption(
      program
        .command('write-keys')
        .description('List, create or revoke the write keys senders push calls with')
        .argument('<name>', 'an integration that receives calls (see `beton integrations list`)')
        .argument('[action]', 'list (default), create, or revoke', 'list')
        .argument('[keyId]', 'the key to revoke'),
    ),
  ).action(
    (name: string, action: string, keyId: string | undefined, opts: { workspace?: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        const ingest = await import('../../ingest/index.js');
        const { cliActor, auditActorOf } = await import('../../auth/index.js');
        const { CliError } = await import('../support.js');
        const ws = await resolveWorkspaceOption(rt, opts);
        const actor = { workspaceId: ws.id, audit: auditActorOf(cliActor(ws.id)) };
        if (action === 'create') {
          const created = await ingest.createIngestKey(rt, actor, name);
          if (opts.json) return output(created, { json: true });
          return output(`Write key ${created.id} (shown once, keep it secret):\n${created.key}`);
        }
        if (action === 'revoke') {
          if (!keyId)
            throw new CliError('Give the id of the key to revoke (`beton write-keys <name>` lists them).');
          const revoked = await ingest.revokeIngestKey(rt, actor, name, keyId);
          if (opts.json) return output(revoked, { json: true });
          return output(`Revoked write key ${revoked.id} (${revoked.prefix}…): calls sending it answer 401.`);
        }
        if (action !== 'list') throw new CliError(`Unknown action "${action}": use list, create or revoke.`);
        const status = await ingest.ingestStatus(rt, ws.id, name, rt.config.BETON_PUBLIC_URL ?? null);
        if (opts.json) return output(status, { json: true });
        const keys = status.keys.map(
          (k) =>
            `  ${k.id}  ${k.prefix}…  created ${k.createdAt}${k.revokedAt ? `  revoked ${k.revokedAt}` : ''}`,
        );
        const c = status.counts;
        output(
          `${keys.length ? keys.join('\n') : '  (no keys: `beton write-keys ' + name + ' create`)'}\n` +
            `calls received ${c.received}, duplicates ${c.duplicates}, rejected ${c.rejected}, unattributed ${c.unattributed}` +
            (c.lastRejectReason ? `\nlast rejected: ${c.lastRejectReason}` : ''),
        );
      }),
  );
}
