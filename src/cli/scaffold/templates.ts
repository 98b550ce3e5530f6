import type { Names } from './names.js';

/**
 * The files `beton integration new <name>` writes into `src/integrations/<name>/`. Each is a working
 * starting point on the SDK: the client speaks a small paged JSON API, the simulator (on the kit,
 * over the synthetic dataset) serves exactly that API, the mappers say what the records mean, and
 * the tests pass, lint and typecheck before anything is changed. Replace the endpoints and fields
 * with the real service's, keeping the shape. Generated from plain-text templates: the text inside
 * each template literal is the file as written.
 */

/** A role of the scaffolded integration: each scaffolds its capability with a passing test. */
export type ScaffoldRole = 'source' | 'enrichment' | 'destination';

export interface ScaffoldOptions {
  roles: readonly ScaffoldRole[];
  /** The roles as written in the definition: `'source', 'enrichment'`. */
  rolesList: string;
  category: string;
  baseUrl: string;
  description: string;
}

/** types.ts: the API's shapes. */
export function typesFile(n: Names, o: ScaffoldOptions): string {
  return [
    `/** The ${n.display} API's shapes, as it sends them. Replace the fields with the real API's. */

/** One company as the API lists it. */
export interface ${n.pascal}Company {
  id: string;
  name: string;
  /** The company's website domain: how Beton ties it to an account (see mappers.ts). */
  domain: string;
  updated_at: string;
}

/** One page of a list: its items and the cursor of the next page (null on the last). */
export interface ${n.pascal}Page<T> {
  data: T[];
  next_cursor: string | null;
}
`,
    o.roles.includes('enrichment')
      ? `
/** What the lookup endpoint knows about a company. */
export interface ${n.pascal}Organization {
  domain: string;
  name: string;
  industry: string;
  employees: number;
  country: string;
}
`
      : '',
    o.roles.includes('destination')
      ? `
/** A value the CRM holds, with who set it (\`member\`: a person in the CRM; \`api\`: a key like Beton's). */
export interface ${n.pascal}Value {
  value: string | number | boolean | null;
  set_by: 'member' | 'api';
}

/** A company record in the CRM. */
export interface ${n.pascal}Record {
  id: string;
  domain: string;
  name: string;
  values: Record<string, ${n.pascal}Value>;
}

/** An attribute (custom field) of the CRM's company object. */
export interface ${n.pascal}Attribute {
  slug: string;
  type: string;
}
`
      : '',
  ].join('');
}

/** client.ts: the only code that speaks the API. */
export function clientFile(n: Names, o: ScaffoldOptions): string {
  return [
    `import type { HttpClient } from '../../core/http/index.js';
import type * as Api from './types.js';

/**
 * The only code that speaks the ${n.display} API. Every call goes through \`http\` (base URL, auth,
 * timeouts, retries, the credential's rate budget, the SSRF guard).
 *
 * @example
 * const me = await client.whoAmI();
 */
export class ${n.pascal}Client {
  constructor(
    readonly http: HttpClient,
    private readonly pageSize = 100,
  ) {}

  /** The live key check: who the key belongs to. */
  whoAmI(signal?: AbortSignal): Promise<{ id: string; name: string }> {
    return this.http.get('/v1/me', undefined, signal);
  }

  /** One page of companies, oldest first. */
  companies(cursor: string | undefined, signal?: AbortSignal): Promise<Api.${n.pascal}Page<Api.${n.pascal}Company>> {
    return this.http.get('/v1/companies', { limit: this.pageSize, ...(cursor ? { cursor } : {}) }, signal);
  }

  /** How many companies the service holds (the reconciliation check after a sync). */
  async countCompanies(signal?: AbortSignal): Promise<number> {
    return (await this.http.get<{ count: number }>('/v1/companies/count', undefined, signal)).count;
  }
`,
    o.roles.includes('enrichment')
      ? `
  /** Firmographics of a few domains in one call; a domain the service does not know is left out. */
  async organizations(domains: readonly string[], signal?: AbortSignal): Promise<Api.${n.pascal}Organization[]> {
    const answer = await this.http.post<{ organizations: Api.${n.pascal}Organization[] }>(
      '/v1/organizations/lookup',
      { domains },
      signal ? { signal } : {},
    );
    return answer.organizations;
  }
`
      : '',
    o.roles.includes('destination')
      ? `
  /** The company object's attributes. */
  async attributes(signal?: AbortSignal): Promise<Api.${n.pascal}Attribute[]> {
    return (await this.http.get<{ attributes: Api.${n.pascal}Attribute[] }>('/v1/attributes', undefined, signal))
      .attributes;
  }

  /** Create an attribute; one that exists already is left as it is (\`created: false\`). */
  createAttribute(
    attribute: { slug: string; type: string; title: string },
    signal?: AbortSignal,
  ): Promise<{ created: boolean }> {
    return this.http.post('/v1/attributes', attribute, { idempotent: true, ...(signal ? { signal } : {}) });
  }

  /** The company records of these domains (absent when the CRM has none). */
  async companiesByDomain(domains: readonly string[], signal?: AbortSignal): Promise<Api.${n.pascal}Record[]> {
    const answer = await this.http.post<{ records: Api.${n.pascal}Record[] }>(
      '/v1/companies/query',
      { domains },
      { idempotent: true, ...(signal ? { signal } : {}) },
    );
    return answer.records;
  }

  /** Create or update the company with this domain (idempotent: matched by domain). */
  upsertCompany(
    domain: string,
    body: { name: string; values: Record<string, string | number | boolean | null> },
    signal?: AbortSignal,
  ): Promise<{ id: string }> {
    return this.http.request<{ id: string }>({
      method: 'PUT',
      path: \`/v1/companies/\${encodeURIComponent(domain)}\`,
      body,
      idempotent: true,
      ...(signal ? { signal } : {}),
    }).then((answer) => answer.data);
  }

  /** A note on a company record. */
  createNote(recordId: string, note: { title: string; body: string }, signal?: AbortSignal): Promise<{ id: string }> {
    return this.http.post('/v1/notes', { record_id: recordId, ...note }, signal ? { signal } : {});
  }
`
      : '',
    `}
`,
  ].join('');
}

/** index.ts: the definition. */
export function definitionFile(n: Names, o: ScaffoldOptions): string {
  return [
    `import { z } from 'zod';
import { baseUrlSetting, defineIntegration, secret } from '../sdk.js';
import { ${n.pascal}Client } from './client.js';
`,
    o.roles.includes('destination')
      ? `import { destination } from './destination.js';
`
      : '',
    o.roles.includes('enrichment')
      ? `import { enrichment, facts } from './enrichment.js';
`
      : '',
    o.roles.includes('source')
      ? `import { companiesFacts } from './mappers.js';
import { companiesStream } from './streams.js';
`
      : '',
    `
const DEFAULT_BASE_URL = '${o.baseUrl}';

/**
 * ${n.display}: one folder, one registry line. The declaration says what it is, where its key comes
 * from and its limits; the client speaks its API; each stream says what its records mean (mappers.ts);
 * the simulator stands in for it in tests, the demo and \`beton simulate\`. Setup: README.md here.
 */
export default defineIntegration({
  name: '${n.name}',
  displayName: '${n.display}',
  description: '${o.description}',
  category: '${o.category}',
  roles: [${o.rolesList}],
  docs: {
    keyUrl: '${o.baseUrl}/settings/api-keys',
    scopes: ['read'],
    setup: 'src/integrations/${n.name}/README.md',
  },
  credentials: z.object({ apiKey: secret(z.string().min(8, 'at least 8 characters')) }),
  settings: z.object({
    baseUrl: baseUrlSetting(DEFAULT_BASE_URL),
`,
    o.roles.includes('enrichment')
      ? `    monthlyCreditCap: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Most lookup credits a calendar month may spend (default: no cap).'),
`
      : '',
    `  }),
  rateLimit: { perSecond: 10 },
  defaultBaseUrl: DEFAULT_BASE_URL,
  simulator: () => import('./simulator/index.js'),
  auth: (credentials) => ({ authorization: \`Bearer \${credentials.apiKey}\` }),
  client: (ctx) => new ${n.pascal}Client(ctx.http),
  validate: async (client) => {
    const me = await client.whoAmI();
    return { accountLabel: \`\${me.name} (\${me.id})\` };
  },
`,
    o.roles.includes('source')
      ? `  streams: {
    companies: { ...companiesStream, facts: companiesFacts },
  },
`
      : '',
    o.roles.includes('destination')
      ? `  destination,
`
      : '',
    o.roles.includes('enrichment')
      ? `  enrichment,
  facts,
`
      : '',
    `});
`,
  ].join('');
}

/** streams.ts: the source's streams (source role). */
export function streamsFile(n: Names, _o: ScaffoldOptions): string {
  return [
    `import { cursorPages, type StreamDefinition } from '../sdk.js';
import type { ${n.pascal}Client } from './client.js';
import type { ${n.pascal}Company } from './types.js';

/**
 * Every company, by the API's page cursor (the SDK's \`cursorPages\` stops on a cursor that repeats).
 * The list is read whole on each run; a company the API no longer lists is marked deleted.
 */
export const companiesStream: StreamDefinition<${n.pascal}Client, ${n.pascal}Company, { cursor: string }> = {
  description: 'Every company: name and website domain.',
  primaryKey: 'id',
  cursor: 'none',
  deletes: 'full-refresh',
  async *read(client, state, ctx) {
    for await (const page of cursorPages({
      what: '${n.name} companies cursor',
      ...(state?.cursor ? { start: state.cursor } : {}),
      fetch: async (cursor) => {
        const answer = await client.companies(cursor, ctx.signal);
        return { items: answer.data, next: answer.next_cursor };
      },
      signal: ctx.signal,
    })) {
      yield {
        records: page.items,
        state: { cursor: page.next ?? '' },
        ...(page.next === null ? { done: true } : {}),
      };
    }
  },
  reconcile: (client) => client.countCompanies(),
};
`,
  ].join('');
}

/** mappers.ts: what the records mean (source role). */
export function mappersFile(n: Names, _o: ScaffoldOptions): string {
  return [
    `import type { StreamFacts } from '../sdk.js';
import type { ${n.pascal}Company } from './types.js';

/**
 * What a ${n.display} company means to Beton: it claims the account of its website domain and offers
 * its name. Accounts, signals and scoring read these facts, never the record itself.
 *
 * @example
 * companiesFacts.identity?.claim({ id: 'c1', name: 'Acme', domain: 'acme.io', updated_at: '' }, null);
 */
export const companiesFacts: StreamFacts<${n.pascal}Company> = {
  identity: {
    claim: (company) =>
      company.domain
        ? { kind: 'domain', domain: company.domain, method: 'crm_domain' }
        : { kind: 'none', reason: 'the company has no website domain' },
  },
  name: { priority: 20, of: (company) => company.name || null },
};
`,
  ].join('');
}

/** enrichment.ts: the enrichment capability and what an answer means (enrichment role). */
export function enrichmentFile(n: Names, _o: ScaffoldOptions): string {
  return [
    `import type { EnrichmentCapability, IntegrationFacts } from '../sdk.js';
import type { ${n.pascal}Client } from './client.js';
import type { ${n.pascal}Organization } from './types.js';

/**
 * Companies looked up by domain: the platform (src/enrichment) batches the accounts' domains, keeps
 * to the workspace's credit cap and caches each answer; this says how to ask and what it costs.
 *
 * @example
 * const answers = await enrichment.lookup(client, ['acme.io']); // Map { 'acme.io' => {…} | null }
 */
export const enrichment: EnrichmentCapability<${n.pascal}Client, { monthlyCreditCap?: number | undefined }> = {
  description: 'Company firmographics (industry, head count, country) by website domain.',
  batchSize: 10,
  credits: { perFound: 1, perNotFound: 0 },
  defaultFreshnessDays: 30,
  normalizeDomain: (raw) =>
    raw
      .trim()
      .toLowerCase()
      .replace(/^https?:\\/\\//, '')
      .replace(/^www\\./, '')
      .split('/')[0] ?? '',
  budget: (settings) => ({ monthlyCreditCap: settings.monthlyCreditCap }),
  lookup: async (client, domains, signal) => {
    const known = new Map((await client.organizations(domains, signal)).map((o) => [o.domain, o]));
    return new Map(domains.map((domain) => [domain, known.get(domain) ?? null]));
  },
};

/** What a lookup answer means: the account's firmographics (its name ranks after the sources'). */
export const facts: IntegrationFacts = {
  firmographics: {
    namePriority: 30,
    of: (answer) => {
      const organization = answer as ${n.pascal}Organization | null;
      if (!organization) return null;
      const { name, industry, employees, country } = organization;
      return { name, industry, employees, country };
    },
  },
};
`,
  ].join('');
}

/** destination.ts: the destination capability (destination role). */
export function destinationFile(n: Names, _o: ScaffoldOptions): string {
  return [
    `import type {
  DestinationCapability,
  DestinationRecord,
  FieldMapping,
  PushDestination,
  PushSignal,
  RecordWrite,
} from '../sdk.js';
import type { ${n.pascal}Client } from './client.js';

/**
 * The push's view of ${n.display}: one company object matched by domain, Beton's fields as company
 * attributes created on demand, notes for signals. The platform (src/push) plans, applies, reads
 * back what people edited and rolls back; this only adapts those calls to the API.
 *
 * @example
 * const push = destination.open(client, ctx);
 * await push.writeRecord({ key: 'acme.io', name: 'Acme', create: true, values: { beton_health: 80 } }, mapping);
 */
export const destination: DestinationCapability<${n.pascal}Client> = {
  description: 'Companies matched by website domain; Beton fields as company attributes; signal notes.',
  open: (client) => openDestination(client),
};

function openDestination(client: ${n.pascal}Client): PushDestination {
  let writes = 0;
  return {
    name: '${n.name}',
    get writeCount() {
      return writes;
    },
    listAttributes: (signal) => client.attributes(signal),
    async ensureAttribute(mapping: FieldMapping, signal) {
      writes += 1;
      return client.createAttribute(
        { slug: mapping.attribute, type: mapping.type, title: mapping.title },
        signal,
      );
    },
    async readRecords(keys, mapping, signal) {
      const out = new Map<string, DestinationRecord>();
      for (const record of await client.companiesByDomain(keys, signal)) {
        const values: DestinationRecord['values'] = {};
        for (const { attribute } of mapping) {
          const current = record.values[attribute];
          if (current) {
            values[attribute] = { value: current.value, author: current.set_by === 'member' ? 'person' : 'integration' };
          }
        }
        out.set(record.domain, { recordId: record.id, key: record.domain, values });
      }
      return out;
    },
    async writeRecord(write: RecordWrite, mapping, signal) {
      writes += 1;
      const values: Record<string, string | number | boolean | null> = {};
      for (const { field, attribute } of mapping) {
        if (field in write.values) values[attribute] = write.values[field] ?? null;
      }
      const { id } = await client.upsertCompany(write.key, { name: write.name, values }, signal);
      return { recordId: id };
    },
    async createNote(recordId: string, signal: PushSignal, abort?: AbortSignal) {
      writes += 1;
      const { id } = await client.createNote(
        recordId,
        { title: signal.title, body: \`\${signal.explanation} (\${signal.firedAt})\` },
        abort,
      );
      return { noteId: id };
    },
  };
}
`,
  ].join('');
}

/** destination.test.ts: the destination against the simulator (destination role). */
export function destinationTestFile(n: Names, _o: ScaffoldOptions): string {
  return [
    `import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { createLogger } from '../../core/logger.js';
import { generateDataset } from '../../simulators/dataset/index.js';
import { createIntegrationClient } from '../client-factory.js';
import type { FieldMapping, PushDestination } from '../sdk.js';
import type { ${n.pascal}Client } from './client.js';
import { destination } from './destination.js';
import ${n.camel} from './index.js';
import { create${n.pascal}Simulator } from './simulator/index.js';

/** The destination capability against the simulator: attributes, writes, read-back with authors. */
const dataset = generateDataset({ seed: '${n.name}-push', companies: 6 });
const mapping: FieldMapping[] = [
  {
    field: 'beton_health',
    attribute: 'beton_health',
    title: 'Beton health',
    description: 'Account health, 0–100',
    type: 'number',
    policy: 'never_overwrite_human',
  },
];

describe('${n.display} destination', () => {
  let sim: ReturnType<typeof create${n.pascal}Simulator>;
  let push: PushDestination;

  beforeAll(async () => {
    sim = create${n.pascal}Simulator({ dataset });
    const url = await sim.listen();
    const client = createIntegrationClient(
      ${n.camel},
      {
        workspaceId: 'w',
        connectionId: 'c',
        credentials: { apiKey: sim.apiKey },
        settings: { baseUrl: url },
      },
      { logger: createLogger({ level: 'silent' }), clock: systemClock, allowPrivateHosts: true },
    ).client as ${n.pascal}Client;
    push = destination.open(client, {
      workspaceId: 'w',
      connectionId: 'c',
      settings: {},
      logger: createLogger({ level: 'silent' }),
      clock: systemClock,
    });
  });
  afterAll(() => sim.close());

  it('creates a missing attribute once', async () => {
    expect(await push.ensureAttribute(mapping[0]!)).toEqual({ created: true });
    expect(await push.ensureAttribute(mapping[0]!)).toEqual({ created: false });
    expect((await push.listAttributes()).map((a) => a.slug)).toContain('beton_health');
  });

  it('writes a value and reads it back as set by an integration, and an edit in the CRM as a person', async () => {
    const company = dataset.companies[0]!;
    const write = { key: company.domain, name: company.name, create: true, values: { beton_health: 72 } };
    const { recordId } = await push.writeRecord(write, mapping);
    const read = await push.readRecords([company.domain, 'absent.example'], mapping);
    expect(read.get(company.domain)).toEqual({
      recordId,
      key: company.domain,
      values: { beton_health: { value: 72, author: 'integration' } },
    });
    expect(read.has('absent.example')).toBe(false);
    sim.editAsPerson(company.domain, { beton_health: 90 });
    const edited = await push.readRecords([company.domain], mapping);
    expect(edited.get(company.domain)?.values.beton_health).toEqual({ value: 90, author: 'person' });
    expect(push.writeCount).toBeGreaterThanOrEqual(3);
  });
});
`,
  ].join('');
}

/** simulator/index.ts: the stand-in on the kit. */
export function simulatorFile(n: Names, o: ScaffoldOptions): string {
  return [
    `import type { Dataset } from '../../../simulators/dataset/index.js';
import { createSimServer, type Knobs, type SimServer } from '../../../simulators/kit/index.js';
import type { SimulatorStartOptions, StartedSimulator } from '../../capabilities/simulator.js';
import type * as Api from '../types.js';

/** The key the simulator accepts unless told otherwise. */
export const DEFAULT_${n.upper}_KEY = '${n.name}_sim_key_0001';

/**
 * A local stand-in for ${n.display} on the simulator kit: the endpoints the client uses over the
 * synthetic world's companies, its auth error, the kit's knobs (latency, 5xx, hangs, malformed and
 * truncated bodies, a repeating cursor with \`repeatNext\`) and a 429 on demand. Shape it after the
 * real API's documented answers (status codes, error bodies, rate-limit headers).
 */
export interface ${n.pascal}Simulator extends SimServer {
  readonly apiKey: string;
  /** Answer the next \`times\` requests 429 with \`Retry-After: 1\`. */
  rateLimitNext(times: number): void;
`,
    o.roles.includes('destination')
      ? `  /** Change a company's values as a person would in the CRM's own app (\`set_by: 'member'\`). */
  editAsPerson(domain: string, values: Record<string, string | number | boolean | null>): void;
`
      : '',
    `}

export interface ${n.pascal}SimOptions {
  /** The world it serves: its companies (name, domain, firmographics) and its "now". */
  dataset: Pick<Dataset, 'companies'>;
  knobs?: Partial<Knobs>;
  apiKey?: string;
}

const PAGE_MAX = 1_000;
const cursorOf = (offset: number) => Buffer.from(String(offset)).toString('base64url');
const offsetOf = (cursor: string) => Number(Buffer.from(cursor, 'base64url').toString('utf8')) || 0;

/**
 * Create the simulator (call \`listen()\`).
 *
 * @example
 * const sim = create${n.pascal}Simulator({ dataset: generateDataset({ seed: 'x', companies: 20 }) });
 * const url = await sim.listen();
 */
export function create${n.pascal}Simulator(options: ${n.pascal}SimOptions): ${n.pascal}Simulator {
  const apiKey = options.apiKey ?? DEFAULT_${n.upper}_KEY;
  const server = createSimServer({
    name: '${n.name}',
    ...(options.knobs ? { knobs: options.knobs } : {}),
    faultBody: () => ({ error: { code: 'internal_error', message: 'Something went wrong.' } }),
  });
  const companies: Api.${n.pascal}Company[] = options.dataset.companies.map((c) => ({
    id: c.id,
    name: c.name,
    domain: c.domain,
    updated_at: c.createdAt,
  }));
  let limited = 0;

  server.app.addHook('onRequest', async (request, reply) => {
    if (request.headers.authorization !== \`Bearer \${apiKey}\`) {
      return reply.code(401).send({ error: { code: 'invalid_api_key', message: 'The API key is invalid.' } });
    }
    if (limited > 0) {
      limited -= 1;
      return reply
        .code(429)
        .header('retry-after', '1')
        .send({ error: { code: 'rate_limited', message: 'Too many requests.' } });
    }
  });
  server.app.get('/v1/me', async () => ({ id: 'acct_sim', name: '${n.display} simulator' }));
  server.app.get('/v1/companies/count', async () => ({ count: companies.length }));
  server.app.get('/v1/companies', async (request) => {
    const query = request.query as { limit?: string; cursor?: string };
    const limit = Math.min(Math.max(Number(query.limit ?? 100) || 100, 1), PAGE_MAX);
    const start = query.cursor ? offsetOf(query.cursor) : 0;
    const data = companies.slice(start, start + limit);
    const end = start + data.length;
    // The kit's repeatNext knob: hand out a cursor pointing at the page just served.
    const next = end < companies.length ? cursorOf(server.knobs.repeatNext ? start : end) : null;
    return { data, next_cursor: next };
  });
`,
    o.roles.includes('enrichment')
      ? `  const byDomain = new Map(options.dataset.companies.map((c) => [c.domain, c]));
  server.app.post('/v1/organizations/lookup', async (request, reply) => {
    const domains = (request.body as { domains?: unknown } | null)?.domains;
    if (!Array.isArray(domains) || domains.length > 10) {
      return reply
        .code(400)
        .send({ error: { code: 'invalid_request', message: 'domains: an array of at most 10 domains.' } });
    }
    const organizations: Api.${n.pascal}Organization[] = [];
    for (const domain of domains) {
      const company = typeof domain === 'string' ? byDomain.get(domain) : undefined;
      if (company) {
        const { name, industry, employees, country } = company;
        organizations.push({ domain: company.domain, name, industry, employees, country });
      }
    }
    return { organizations };
  });
`
      : '',
    o.roles.includes('destination')
      ? `  // The CRM: company records by domain, the company object's attributes, notes.
  const records = new Map<string, Api.${n.pascal}Record>();
  const attributes = new Map<string, Api.${n.pascal}Attribute>();
  let notes = 0;
  const setValues = (record: Api.${n.pascal}Record, values: unknown, by: 'member' | 'api') => {
    for (const [slug, value] of Object.entries((values ?? {}) as Record<string, Api.${n.pascal}Value['value']>)) {
      record.values[slug] = { value, set_by: by };
    }
  };
  server.app.get('/v1/attributes', async () => ({ attributes: [...attributes.values()] }));
  server.app.post('/v1/attributes', async (request) => {
    const { slug, type } = request.body as { slug: string; type: string };
    if (attributes.has(slug)) return { created: false };
    attributes.set(slug, { slug, type });
    return { created: true };
  });
  server.app.post('/v1/companies/query', async (request) => {
    const domains = ((request.body as { domains?: string[] } | null)?.domains ?? []).slice(0, 500);
    return { records: domains.flatMap((d) => (records.has(d) ? [records.get(d)!] : [])) };
  });
  server.app.put('/v1/companies/:domain', async (request) => {
    const { domain } = request.params as { domain: string };
    const body = request.body as { name?: string; values?: unknown };
    const record = records.get(domain) ?? { id: \`rec_\${records.size + 1}\`, domain, name: '', values: {} };
    record.name = body.name ?? record.name;
    setValues(record, body.values, 'api');
    records.set(domain, record);
    return { id: record.id };
  });
  server.app.post('/v1/notes', async () => {
    notes += 1;
    return { id: \`note_\${notes}\` };
  });
`
      : '',
    `
  return Object.assign(server, {
    apiKey,
    rateLimitNext(times: number) {
      limited = times;
    },
`,
    o.roles.includes('destination')
      ? `    editAsPerson(domain: string, values: Record<string, string | number | boolean | null>) {
      const record = records.get(domain) ?? { id: \`rec_\${records.size + 1}\`, domain, name: domain, values: {} };
      setValues(record, values, 'member');
      records.set(domain, record);
    },
`
      : '',
    `  });
}

/**
 * The uniform entry point the registry loads (\`simulator: () => import('./simulator/index.js')\`):
 * what \`beton simulate --json\` prints and the body that connects a workspace to it.
 */
export async function startSimulator(
  options: SimulatorStartOptions,
): Promise<StartedSimulator<${n.pascal}Simulator>> {
  const server = create${n.pascal}Simulator({
    dataset: options.dataset,
    ...(options.knobs ? { knobs: options.knobs } : {}),
  });
  const url = await server.listen(options.port);
  return {
    summary: { url, apiKey: server.apiKey },
    connection: { credentials: { apiKey: server.apiKey }, settings: { baseUrl: url } },
    server,
    setKnobs: (knobs) => server.setKnobs(knobs),
    close: () => server.close(),
  };
}
`,
  ].join('');
}

/** <name>.test.ts: connect, sync, accounts, repeating cursor (source role). */
export function sourceTestFile(n: Names, _o: ScaffoldOptions): string {
  return [
    `import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncTestbed, type SyncTestbed } from '../../../test/support/testkit-integration/testbed.js';
import { ingestChanges } from '../../accounts/index.js';
import { generateDataset } from '../../simulators/dataset/index.js';
import { allRecords, executeRun, startSync } from '../../sync/index.js';
import ${n.camel} from './index.js';
import { create${n.pascal}Simulator } from './simulator/index.js';

/** ${n.display} end to end: connect, sync through real HTTP to its simulator, resolve into accounts. */
const NAME = '${n.name}';
const dataset = generateDataset({ seed: NAME, companies: 120 });

describe('${n.display} against its simulator', () => {
  let bed: SyncTestbed;
  let sim: ReturnType<typeof create${n.pascal}Simulator>;
  let url: string;

  beforeAll(async () => {
    bed = await createSyncTestbed({ integrations: [${n.camel}] });
    sim = create${n.pascal}Simulator({ dataset });
    url = await sim.listen();
  });
  afterAll(async () => {
    await sim.close();
    await bed.close();
  });

  const sync = async (full = false) => {
    const run = await startSync(bed.deps, bed.workspaceId, NAME, { trigger: 'manual', full });
    return executeRun(bed.deps, bed.workspaceId, run.id);
  };

  it('refuses a wrong key at connect, storing nothing', async () => {
    const refused = bed.connectWith(NAME, { apiKey: 'wrong_key_000' }, { baseUrl: url });
    await expect(refused).rejects.toMatchObject({ status: 400, code: 'invalid_credentials' });
    expect(await bed.deps.db.kysely.selectFrom('connections').selectAll().execute()).toHaveLength(0);
  });

  it('connects, then syncs every company, waiting out a 429', async () => {
    await bed.connectWith(NAME, { apiKey: sim.apiKey }, { baseUrl: url });
    sim.rateLimitNext(1);
    const run = await sync();
    expect(run.status).toBe('succeeded');
    expect(run.counts).toMatchObject({ read: 120, written: 120 });
    const where = { integration: NAME, stream: 'companies' };
    const rows = await allRecords(bed.deps.db.kysely, bed.workspaceId, where);
    expect(rows).toHaveLength(120);
  });

  it('resolves each company into the account of its domain, named by the mapper', async () => {
    await ingestChanges(bed.deps.db.kysely, bed.workspaceId, {
      watermark: null,
      now: new Date(Date.now() + 60_000).toISOString(),
      liveSinceDay: null,
      registry: bed.deps.integrations,
    });
    const accounts = await bed.deps.db.kysely
      .selectFrom('accounts')
      .select(['domain', 'name'])
      .where('workspace_id', '=', bed.workspaceId)
      .execute();
    expect(new Set(accounts.map((a) => a.domain))).toEqual(new Set(dataset.companies.map((c) => c.domain)));
    const first = dataset.companies[0]!;
    expect(accounts.find((a) => a.domain === first.domain)?.name).toBe(first.name);
  });

  it('stops on a repeating cursor instead of looping', async () => {
    sim.setKnobs({ repeatNext: true });
    try {
      const done = await sync(true);
      expect(done.status).toBe('failed');
      expect(done.error?.code).toBe('repeating_cursor');
    } finally {
      sim.setKnobs({ repeatNext: false });
    }
  });
});
`,
  ].join('');
}

/** mappers.test.ts: the mappers on a recorded answer (source role). */
export function mappersTestFile(n: Names, _o: ScaffoldOptions): string {
  return [
    `import { describe, expect, it } from 'vitest';
import { companiesFacts } from './mappers.js';
import type { ${n.pascal}Company } from './types.js';

/** A company as the API answered it (replace with a recorded answer from the real API's docs). */
const recorded: ${n.pascal}Company = {
  id: 'co_000001',
  name: 'Acme Analytics',
  domain: 'acme-analytics.io',
  updated_at: '2025-01-01T00:00:00.000Z',
};

describe('${n.display} mappers', () => {
  it('a company claims the account of its website domain and names it', () => {
    expect(companiesFacts.identity?.claim(recorded, null)).toEqual({
      kind: 'domain',
      domain: 'acme-analytics.io',
      method: 'crm_domain',
    });
    expect(companiesFacts.name?.of(recorded)).toBe('Acme Analytics');
  });

  it('a company without a domain claims nothing, with the reason', () => {
    expect(companiesFacts.identity?.claim({ ...recorded, domain: '' }, null)).toMatchObject({ kind: 'none' });
  });
});
`,
  ].join('');
}

/** enrichment.test.ts: lookups against the simulator (enrichment role). */
export function enrichmentTestFile(n: Names, _o: ScaffoldOptions): string {
  return [
    `import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { createLogger } from '../../core/logger.js';
import { generateDataset } from '../../simulators/dataset/index.js';
import { createIntegrationClient } from '../client-factory.js';
import type { ${n.pascal}Client } from './client.js';
import { enrichment, facts } from './enrichment.js';
import ${n.camel} from './index.js';
import { create${n.pascal}Simulator } from './simulator/index.js';

/** The enrichment capability against the simulator: lookups by domain and what an answer means. */
const dataset = generateDataset({ seed: '${n.name}-enrich', companies: 12 });

describe('${n.display} enrichment', () => {
  let sim: ReturnType<typeof create${n.pascal}Simulator>;
  let client: ${n.pascal}Client;

  beforeAll(async () => {
    sim = create${n.pascal}Simulator({ dataset });
    const url = await sim.listen();
    client = createIntegrationClient(
      ${n.camel},
      {
        workspaceId: 'w',
        connectionId: 'c',
        credentials: { apiKey: sim.apiKey },
        settings: { baseUrl: url },
      },
      { logger: createLogger({ level: 'silent' }), clock: systemClock, allowPrivateHosts: true },
    ).client as ${n.pascal}Client;
  });
  afterAll(() => sim.close());

  it('answers every domain asked: the company when known, null when not', async () => {
    const known = dataset.companies[0]!;
    const answers = await enrichment.lookup(client, [known.domain, 'unknown-company.example']);
    expect(answers.get('unknown-company.example')).toBeNull();
    expect(facts.firmographics?.of(answers.get(known.domain))).toEqual({
      name: known.name,
      industry: known.industry,
      employees: known.employees,
      country: known.country,
    });
  });

  it('normalises a website to the bare domain it matches on', () => {
    expect(enrichment.normalizeDomain(' https://www.Acme.io/about ')).toBe('acme.io');
  });
});
`,
  ].join('');
}

/** README.md: the setup page. */
export function docFile(n: Names, o: ScaffoldOptions): string {
  return [
    `# ${n.display}

${o.description}

## Key

- Create a key at ${o.baseUrl}/settings/api-keys with read access.
- Connect it: \`beton connect ${n.name} --credential apiKey=-\` (reads the key from stdin) or in the web
  app under Settings → Integrations. The key is checked live, then stored encrypted.
- Single-workspace installs may set \`BETON_${n.upper}_API_KEY\` instead.
- Self-hosted or behind a proxy: set the \`baseUrl\` setting (https, public address).
`,
    o.roles.includes('source')
      ? `
## What is synced

| stream      | external id | cursor                  | deletions                     |
| ----------- | ----------- | ----------------------- | ----------------------------- |
| \`companies\` | \`id\`        | page cursor, read whole | a full pass no longer sees it |

## What the records mean

Each company claims the account of its website domain and offers its name (\`mappers.ts\`).
`
      : '',
    o.roles.includes('enrichment')
      ? `
## Enrichment

Companies are looked up by domain, 10 per call, one credit per company found (none for an unknown
domain). Set \`monthlyCreditCap\` to cap a month's spending.
`
      : '',
    o.roles.includes('destination')
      ? `
## Destination

Beton writes its fields (health, expansion, churn risk, fit, grade, top signals) onto the company
with the same website domain, creating the attributes it needs; a value a person set in
${n.display} is not overwritten (the default policy). \`beton push ${n.name} --plan\` shows what would change.
`
      : '',
    `
## Limits

Beton paces requests to 10 per second per key and waits out a 429 (\`Retry-After\`).

## Simulator

\`simulator/index.ts\` serves the same API over the synthetic world (\`beton simulate\` lists it).
`,
  ].join('');
}
