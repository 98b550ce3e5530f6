import type { Names } from './names.js';

/**
 * The files `beton integration new <name>` writes. Each is a working starting point: the client
 * speaks a simple paged JSON API, the simulator serves exactly that API (with auth errors, a 429
 * knob and a repeating-cursor knob), and the tests pass before anything is changed. Replace the
 * endpoints with the real service's, keeping the shape.
 */

export function clientFile(n: Names): string {
  return `import type { HttpClient } from '../../core/http/index.js';

/** One ${n.display} item as the API sends it. Replace with the real record's fields. */
export interface ${n.pascal}Item {
  id: string;
  name: string;
  updated_at: string;
}

export interface ${n.pascal}Page {
  data: ${n.pascal}Item[];
  /** Opaque cursor of the next page; null on the last page. */
  next_cursor: string | null;
}

/**
 * The only code that speaks the ${n.display} API. Every call goes through \`http\` (base URL, auth,
 * timeouts, retries, the credential's rate budget, the SSRF guard).
 */
export class ${n.pascal}Client {
  constructor(
    private readonly http: HttpClient,
    private readonly pageSize = 100,
  ) {}

  /** The live key check: who the key belongs to. */
  async whoAmI(signal?: AbortSignal): Promise<{ id: string; name: string }> {
    return this.http.get('/v1/me', undefined, signal);
  }

  /** One page of items, oldest first. */
  async items(cursor: string | null, signal?: AbortSignal): Promise<${n.pascal}Page> {
    return this.http.get('/v1/items', { limit: this.pageSize, cursor: cursor ?? undefined }, signal);
  }

  /** How many items the service holds (for the reconciliation check). */
  async countItems(signal?: AbortSignal): Promise<number> {
    return (await this.http.get<{ count: number }>('/v1/items/count', undefined, signal)).count;
  }
}
`;
}

export function definitionFile(n: Names): string {
  return `import { z } from 'zod';
import { baseUrlSetting, cursorGuard, defineIntegration, secret } from '../sdk.js';
import { ${n.pascal}Client } from './client.js';

const DEFAULT_BASE_URL = 'https://api.${n.host}.com';

/**
 * ${n.display}. Declaration first (what it is, where the key comes from, its limits), then the client
 * and the streams. See docs/integrations/${n.name}.md for what is synced and what the cursor cannot see.
 */
export default defineIntegration({
  name: '${n.name}',
  displayName: '${n.display}',
  description: '${n.display} items, synced incrementally.',
  category: 'other',
  roles: ['source'],
  docs: {
    keyUrl: 'https://${n.host}.com/settings/api-keys',
    scopes: ['items:read'],
    setup: 'docs/integrations/${n.name}.md',
  },
  credentials: z.object({ apiKey: secret(z.string().min(8, 'at least 8 characters')) }),
  settings: z.object({ baseUrl: baseUrlSetting(DEFAULT_BASE_URL) }),
  rateLimit: { perSecond: 10 },
  defaultBaseUrl: DEFAULT_BASE_URL,
  auth: (credentials) => ({ authorization: \`Bearer \${credentials.apiKey}\` }),
  client: (ctx) => new ${n.pascal}Client(ctx.http),
  validate: async (client) => {
    const me = await client.whoAmI();
    return { accountLabel: \`\${me.name} (\${me.id})\` };
  },
  streams: {
    items: {
      description: 'Every item, by cursor.',
      primaryKey: 'id',
      cursor: 'cursor',
      // The cursor only moves forward: an update to an item already read is seen by a full refresh.
      read: async function* (client, state: { cursor: string | null } | null, ctx) {
        const seen = cursorGuard('${n.name} items cursor');
        let cursor = state?.cursor ?? null;
        for (;;) {
          if (cursor) seen(cursor);
          const page = await client.items(cursor, ctx.signal);
          // The last page keeps its own cursor: the next run re-reads it and anything added after it.
          yield { records: page.data, state: { cursor: page.next_cursor ?? cursor }, done: !page.next_cursor };
          if (!page.next_cursor) return;
          cursor = page.next_cursor;
        }
      },
      reconcile: (client) => client.countItems(),
    },
  },
});
`;
}

export function simulatorFile(n: Names): string {
  return `import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for ${n.display}, over real HTTP on 127.0.0.1: the endpoints the client uses, its
 * auth error, and knobs for a 429 and a repeating cursor. Shape it after the real API's documented
 * answers (status codes, error bodies, rate-limit headers).
 */
export interface ${n.pascal}Simulator {
  url: string;
  apiKey: string;
  /** Answer the next N requests 429 with \`Retry-After: 1\`. */
  rateLimitNext(times: number): void;
  /** Make every cursor point back at the page just served. */
  repeatCursor(on: boolean): void;
  requests: number;
  close(): Promise<void>;
}

export async function start${n.pascal}Simulator(opts: { apiKey?: string; items?: number } = {}): Promise<${n.pascal}Simulator> {
  const apiKey = opts.apiKey ?? '${n.name}_test_key_123456';
  const total = opts.items ?? 120;
  const items = Array.from({ length: total }, (_, i) => ({
    id: \`itm_\${String(i).padStart(6, '0')}\`,
    name: \`Item \${i}\`,
    updated_at: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
  }));
  let limited = 0;
  let repeat = false;
  let requests = 0;

  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  const server = http.createServer((req, res) => {
    requests += 1;
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.headers.authorization !== \`Bearer \${apiKey}\`) {
      return send(res, 401, { error: { code: 'invalid_api_key', message: 'The API key is invalid or revoked.' } });
    }
    if (limited > 0) {
      limited -= 1;
      return send(res, 429, { error: { code: 'rate_limited', message: 'Too many requests.' } }, { 'retry-after': '1' });
    }
    if (url.pathname === '/v1/me') return send(res, 200, { id: 'acct_1', name: '${n.display} Test Account' });
    if (url.pathname === '/v1/items/count') return send(res, 200, { count: items.length });
    if (url.pathname === '/v1/items') {
      const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 100), 1), 1000);
      const cursor = url.searchParams.get('cursor');
      const start = cursor ? Number(Buffer.from(cursor, 'base64url').toString('utf8')) : 0;
      const data = items.slice(start, start + limit);
      const end = start + data.length;
      const nextCursor = end < items.length ? Buffer.from(String(repeat ? start : end)).toString('base64url') : null;
      return send(res, 200, { data, next_cursor: nextCursor });
    }
    return send(res, 404, { error: { code: 'not_found', message: \`No route \${url.pathname}\` } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: \`http://127.0.0.1:\${port}\`,
    apiKey,
    rateLimitNext: (times) => {
      limited = times;
    },
    repeatCursor: (on) => {
      repeat = on;
    },
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
`;
}

export function testFile(n: Names): string {
  return `import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ${n.camel} from '../../src/integrations/${n.name}/index.js';
import { start${n.pascal}Simulator, type ${n.pascal}Simulator } from '../../src/simulators/${n.name}/index.js';
import { allRecords, executeRun, startSync } from '../../src/sync/index.js';
import { createSyncTestbed, type SyncTestbed } from '../support/testkit-integration/testbed.js';

describe('${n.name} against its simulator', () => {
  let bed: SyncTestbed;
  let sim: ${n.pascal}Simulator;

  beforeAll(async () => {
    bed = await createSyncTestbed({ integrations: [${n.camel}] });
    sim = await start${n.pascal}Simulator({ items: 120 });
  });
  afterAll(async () => {
    await sim.close();
    await bed.close();
  });

  const sync = async () => {
    const run = await startSync(bed.deps, bed.workspaceId, '${n.name}', { trigger: 'manual' });
    return executeRun(bed.deps, bed.workspaceId, run.id);
  };

  it('refuses a wrong key at connect, storing nothing', async () => {
    await expect(bed.connectWith('${n.name}', { apiKey: 'wrong_key_000' }, { baseUrl: sim.url })).rejects.toMatchObject({
      status: 400,
      code: 'invalid_credentials',
    });
    expect(await bed.deps.db.kysely.selectFrom('connections').selectAll().execute()).toHaveLength(0);
  });

  it('connects, then syncs every item, waiting out a 429', async () => {
    await bed.connectWith('${n.name}', { apiKey: sim.apiKey }, { baseUrl: sim.url });
    sim.rateLimitNext(1);
    const run = await sync();
    expect(run.status).toBe('succeeded');
    expect(run.counts).toMatchObject({ read: 120, written: 120 });
    const rows = await allRecords(bed.deps.db.kysely, bed.workspaceId, { integration: '${n.name}', stream: 'items' });
    expect(rows).toHaveLength(120);
  });

  it('stops on a repeating cursor instead of looping', async () => {
    sim.repeatCursor(true);
    try {
      const run = await startSync(bed.deps, bed.workspaceId, '${n.name}', { trigger: 'manual', full: true });
      const done = await executeRun(bed.deps, bed.workspaceId, run.id);
      expect(done.status).toBe('failed');
      expect(done.error?.code).toBe('repeating_cursor');
    } finally {
      sim.repeatCursor(false);
    }
  });
});
`;
}

export function docFile(n: Names): string {
  return `# ${n.display}

Beton reads ${n.display} items so that accounts, signals and scores can use them.

## Key

- Create a key at https://${n.host}.com/settings/api-keys with the scope \`items:read\`.
- Connect it: \`beton connect ${n.name} --credential apiKey=-\` (reads the key from stdin) or in the web
  app under Settings → Integrations. The key is checked live, then stored encrypted.
- Single-workspace installs may set \`BETON_${n.name.toUpperCase()}_API_KEY\` instead.
- Self-hosted or behind a proxy: set the \`baseUrl\` setting (https, public address).

## What is synced

| stream  | external id | cursor                  | deletions                     |
| ------- | ----------- | ----------------------- | ----------------------------- |
| \`items\` | \`id\`        | opaque page cursor      | seen by a full refresh (\`--full\`) |

## What the cursor cannot see

The cursor only moves forward: an item changed after it was read is picked up by the next full
refresh (\`beton sync ${n.name} --full\`), not by an incremental run. Write down here what the real
API's incremental options (updated-since filters, event feeds) can and cannot see.

## Limits

Beton paces requests to 10 per second per key and waits out a 429 (\`Retry-After\`).
`;
}
