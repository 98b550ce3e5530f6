import type { Command } from 'commander';
import {
  CliError,
  jsonOption,
  output,
  resolveWorkspaceOption,
  withRuntime,
  workspaceOption,
} from '../support.js';

const collect = (value: string, previous: string[]) => [...previous, value];

function pairs(values: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    const at = value.indexOf('=');
    if (at <= 0) throw new CliError(`${flag} takes key=value (got "${value.replace(/=.*/, '=…')}").`);
    out[value.slice(0, at)] = value.slice(at + 1);
  }
  return out;
}

async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0]!.trim();
}

/**
 * `beton connect <name> --credential apiKey=… --setting baseUrl=…`: validates the key live with the
 * service, then stores it encrypted. `--credential apiKey=-` reads the value from stdin, keeping it
 * out of the shell history.
 */
export function registerConnect(program: Command) {
  jsonOption(
    workspaceOption(
      program
        .command('connect')
        .description('Connect an integration: the key is checked live, then stored encrypted')
        .argument('<name>', 'integration name (see `beton integrations list`)')
        .option(
          '-c, --credential <key=value>',
          'a credential field, e.g. apiKey=sk_… (repeatable; value "-" reads stdin)',
          collect,
          [],
        )
        .option('-s, --setting <key=value>', 'a setting, e.g. baseUrl=https://… (repeatable)', collect, []),
    ),
  ).action(
    (name: string, opts: { credential: string[]; setting: string[]; workspace?: string; json?: boolean }) =>
      withRuntime(async (rt) => {
        const credentials = pairs(opts.credential, '--credential');
        for (const [field, value] of Object.entries(credentials)) {
          if (value === '-') credentials[field] = await readStdinLine();
        }
        const settings = pairs(opts.setting, '--setting');
        const { putConnection, getIntegration } = await import('../../connections/index.js');
        const { cliActor, auditActorOf } = await import('../../auth/index.js');
        const ws = await resolveWorkspaceOption(rt, opts);
        const existing = await getIntegration(rt, ws.id, name);
        const detail = await putConnection(
          rt,
          { workspaceId: ws.id, audit: auditActorOf(cliActor(ws.id)) },
          name,
          {
            ...(Object.keys(credentials).length > 0 ? { credentials } : {}),
            ...(Object.keys(settings).length > 0
              ? { settings: { ...existing.connection?.settings, ...settings } }
              : {}),
          },
        );
        // An integration senders push to gets its first write key now, shown this once.
        const pushed = Boolean(rt.integrations.get(name)?.ingest);
        const writeKey = pushed ? await firstWriteKey(rt, ws.id, name) : null;
        if (opts.json) return output(writeKey ? { ...detail, writeKey } : detail, { json: true });
        const c = detail.connection!;
        output(
          `Connected ${detail.displayName}: ${c.accountLabel}\n` +
            `  credentials: ${Object.entries(c.credentials)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')}\n` +
            streamsLine(name, detail.streams, pushed) +
            (writeKey
              ? `\n  write key (shown once, keep it secret): ${writeKey}\n  senders post to <your Beton URL>/v1/batch with it as the Basic auth user name; \`beton write-keys ${name}\` creates, lists and revokes keys`
              : '') +
            (detail.preview ?? []).map(previewText).join(''),
        );
      }),
  );
}

/** The streams and how they fill: synced on demand, pushed by senders, or none (a messaging service). */
function streamsLine(name: string, streams: { name: string }[], pushed: boolean): string {
  if (streams.length === 0) return '  streams: none — nothing to sync';
  const how = pushed ? 'written as senders push calls' : `run \`beton sync ${name}\``;
  return `  streams: ${streams.map((s) => s.name).join(', ')} — ${how}`;
}

/** What the live check read (a query's first rows), as a tab-separated table under its title. */
function previewText(table: {
  title: string;
  columns: string[];
  rows: (string | number | null)[][];
}): string {
  const line = (cells: (string | number | null)[]) =>
    `    ${cells.map((c) => (c === null ? 'null' : String(c))).join('\t')}`;
  const rows = table.rows.length > 0 ? table.rows.map(line) : ['    (no rows yet)'];
  return `\n  ${table.title}:\n${[line(table.columns), ...rows].join('\n')}`;
}

/** A new write key when the connection has no live one (a reconnect keeps the keys it has). */
async function firstWriteKey(
  rt: Parameters<Parameters<typeof withRuntime>[0]>[0],
  workspaceId: string,
  name: string,
): Promise<string | null> {
  const { createIngestKey, ingestConnection, listIngestKeys } = await import('../../ingest/index.js');
  const { cliActor, auditActorOf } = await import('../../auth/index.js');
  const { connectionId } = await ingestConnection(rt, workspaceId, name);
  const live = (await listIngestKeys(rt, workspaceId, connectionId)).filter((k) => k.revokedAt === null);
  if (live.length > 0) return null;
  const created = await createIngestKey(
    rt,
    { workspaceId, audit: auditActorOf(cliActor(workspaceId)) },
    name,
  );
  return created.key;
}
