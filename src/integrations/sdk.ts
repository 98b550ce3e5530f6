/**
 * The integration SDK: an integration is one `defineIntegration({...})` call in one folder. From
 * that declaration the platform derives the REST routes, the CLI verbs, the settings form (through
 * the JSON Schema of `credentials` and `settings`), scheduling, run history and the docs index.
 *
 * @example
 * export default defineIntegration({
 *   name: 'acme', displayName: 'Acme', description: 'Acme CRM', category: 'crm', roles: ['source'],
 *   docs: { keyUrl: 'https://acme.example/settings/keys', scopes: ['read'], setup: 'docs/integrations/acme.md' },
 *   credentials: z.object({ apiKey: secret(z.string().min(10)) }),
 *   settings: z.object({ baseUrl: baseUrlSetting('https://api.acme.example') }),
 *   rateLimit: { perSecond: 10 },
 *   auth: (c) => ({ authorization: `Bearer ${c.apiKey}` }),
 *   client: (ctx) => new AcmeClient(ctx.http),
 *   validate: async (client) => ({ accountLabel: (await client.me()).name }),
 *   streams: {
 *     contacts: {
 *       description: 'Every contact', primaryKey: 'id', cursor: 'cursor',
 *       read: async function* (client, state: { after?: string } | null) {
 *         for await (const page of client.contacts(state?.after)) yield { records: page.items, state: { after: page.next } };
 *       },
 *     },
 *   },
 * });
 */
import { z } from 'zod';
import type { Clock } from '../core/clock.js';
import type { HttpClient, RateLimit } from '../core/http/index.js';
import type { Logger } from '../core/logger.js';
import { assertUsageFields } from '../model/usage.js';
import type { DestinationCapability } from './capabilities/destination.js';
import type { EnrichmentCapability } from './capabilities/enrichment.js';
import type { IntegrationFacts, StreamFacts } from './capabilities/facts.js';
import type { IngestCapability } from './capabilities/ingest.js';
import type { InteractionsCapability } from './capabilities/interactions.js';
import type { MessagingCapability } from './capabilities/messaging.js';
import type { SimulatorLoader } from './capabilities/simulator.js';
import type { WebhookCapability } from './capabilities/webhook.js';

export type { RateLimit } from '../core/http/index.js';
export type * from './capabilities/destination.js';
export type * from './capabilities/enrichment.js';
export * from './capabilities/facts.js';
export * from './capabilities/ingest.js';
export * from './capabilities/interactions.js';
export * from './capabilities/messaging.js';
export type * from './capabilities/simulator.js';
export * from './capabilities/webhook.js';
export * from './paging.js';

/** What an integration does for Beton. */
export type IntegrationRole = 'source' | 'enrichment' | 'destination' | 'messaging';
export type IntegrationCategory = 'analytics' | 'billing' | 'enrichment' | 'crm' | 'messaging' | 'other';

/**
 * How a stream's incremental cursor moves: `none` re-reads everything each run; `cursor` is an opaque
 * token the service hands out; `timestamp` an updated/created time; `date` a UTC day.
 */
export type CursorKind = 'none' | 'cursor' | 'timestamp' | 'date';

/** The credential / setting object schemas: plain zod objects. */
export type CredentialsSchema = z.ZodObject<z.ZodRawShape>;
export type SettingsSchema = z.ZodObject<z.ZodRawShape>;

// --- secret fields ------------------------------------------------------------------------------

/**
 * Mark a credential field secret: it is stored encrypted, masked to its last 4 characters in every
 * answer, and `writeOnly` in the JSON Schema (so forms render a password input).
 *
 * @example
 * credentials: z.object({ apiKey: secret(z.string().startsWith('sk_')), webhookSecret: secret(z.string()).optional() })
 */
export function secret<T extends z.ZodType>(schema: T): T {
  return schema.meta({ ...(schema.meta() ?? {}), writeOnly: true, 'x-beton-secret': true }) as T;
}

/** True when the (possibly optional/nullable/defaulted) field schema was wrapped in `secret()`. */
export function isSecretField(schema: z.ZodType): boolean {
  return hasMeta(schema, 'x-beton-secret');
}

/** True when the field schema, or one it wraps (optional, nullable, default), carries `key: true`. */
function hasMeta(schema: z.ZodType, key: string): boolean {
  let current: z.ZodType | undefined = schema;
  for (let depth = 0; current && depth < 8; depth++) {
    if (current.meta()?.[key] === true) return true;
    const def: { innerType?: z.ZodType } | undefined = (
      current as { _zod?: { def?: { innerType?: z.ZodType } } }
    )._zod?.def;
    current = def?.innerType;
  }
  return false;
}

/** Names of the secret fields of a credentials schema. */
export function secretFieldNames(schema: CredentialsSchema): string[] {
  return Object.entries(schema.shape)
    .filter(([, field]) => isSecretField(field as z.ZodType))
    .map(([name]) => name);
}

/**
 * Mark a setting that decides where the credentials are sent (a base URL, a region or host). Changing
 * it on a stored connection requires re-entering the key in the same request: the API never reveals
 * a stored secret, so it must not deliver one to an origin of the caller's choosing either. Shown in
 * the JSON Schema as `x-beton-origin: true`.
 *
 * @example
 * settings: z.object({ baseUrl: baseUrlSetting('https://api.acme.example'), region: origin(z.enum(['us', 'eu']).optional()) })
 */
export function origin<T extends z.ZodType>(schema: T): T {
  return schema.meta({ ...(schema.meta() ?? {}), 'x-beton-origin': true }) as T;
}

/** True when the (possibly optional/nullable/defaulted) setting schema was wrapped in `origin()`. */
export function isOriginField(schema: z.ZodType): boolean {
  return hasMeta(schema, 'x-beton-origin');
}

/** Names of the settings that decide where credentials go (`baseUrl` and any marked `origin()`). */
export function originFieldNames(schema: SettingsSchema): string[] {
  return Object.entries(schema.shape)
    .filter(([name, field]) => name === 'baseUrl' || isOriginField(field as z.ZodType))
    .map(([name]) => name);
}

/**
 * The `baseUrl` setting every integration has: where the API lives, for self-hosted instances and
 * proxies. Validated again at request time by the SSRF guard; an `origin()` setting.
 */
export function baseUrlSetting(defaultUrl: string) {
  return origin(
    z
      .string()
      .url('a URL such as https://api.example.com')
      .optional()
      .describe(`Base URL of the API (default ${defaultUrl}); for self-hosted instances and proxies.`),
  );
}

/**
 * Mark a text field that holds several lines (a query, a template): forms render a text area, in a
 * monospaced font when `mediaType` names code (`application/sql`). Shown in the JSON Schema as
 * `x-beton-multiline: true` and the standard `contentMediaType`.
 *
 * @example
 * settings: z.object({ usageQuery: multiline(z.string().min(1), 'application/sql') })
 */
export function multiline<T extends z.ZodType>(schema: T, mediaType = 'text/plain'): T {
  return schema.meta({
    ...(schema.meta() ?? {}),
    'x-beton-multiline': true,
    contentMediaType: mediaType,
  }) as T;
}

// --- client, validation, health ----------------------------------------------------------------

/** What a client factory gets: everything bound to one connection. */
export interface ClientContext<Credentials, Settings> {
  credentials: Credentials;
  settings: Settings;
  /** The outbound client for this credential: base URL, auth, retries and the shared rate budget. */
  http: HttpClient;
  /**
   * The SSRF guard for a client that does not speak HTTP (a database driver): call it with the host
   * and port before connecting. Same rules and allowances as `http` (private hosts refused unless
   * BETON_ALLOW_PRIVATE_HOSTS or a server-side grant of exactly `scheme://host:port`).
   */
  assertSafeHost(host: string, port: number, scheme: string): Promise<void>;
  logger: Logger;
  clock: Clock;
  connectionId: string;
  workspaceId: string;
}

/** The answer of a live key check. */
export interface ValidationResult {
  /** Who the key belongs to, as the user would recognise it ("Acme Inc (acct_123)"). */
  accountLabel: string;
  details?: Record<string, unknown>;
  /** First records the check read, shown to the user at connect time (a query's first rows). */
  preview?: ValidationPreview[];
}

/** A small table of what the check read: column names and the first rows, as text. */
export interface ValidationPreview {
  title: string;
  columns: string[];
  rows: (string | number | null)[][];
}

export interface HealthResult {
  status: 'ok' | 'degraded' | 'down';
  message?: string;
  details?: Record<string, unknown>;
}

// --- streams -----------------------------------------------------------------------------------

/** One page a stream yields: its records and the state that resumes right after them. */
export interface Page<TRecord, TState> {
  records: TRecord[];
  /** Committed in the same transaction as `records`: a crash resumes from here. */
  state: TState;
  /** External ids the source says were deleted. */
  deletedIds?: string[];
  /** This page ends the pass (same as the generator returning). */
  done?: boolean;
}

/** What the engine passes to `read` besides the client and the state. */
export interface StreamReadContext {
  /** Aborted when the run is canceled or the process shuts down: pass it on to long waits. */
  signal: AbortSignal;
  logger: Logger;
  clock: Clock;
  /** True when this pass started from scratch (`state` was null): a full refresh. */
  full: boolean;
  /** When the previous successful pass of this stream finished, if any. */
  lastSuccessAt: string | null;
  connectionId: string;
  workspaceId: string;
  /** The connection's settings, validated by the definition's `settings` schema (e.g. a backfill window). */
  settings: Readonly<Record<string, unknown>>;
}

export interface StreamDefinition<TClient, TRecord, TState> {
  description: string;
  /** The record field holding its id, or give `externalId` to compute it. */
  primaryKey?: keyof TRecord & string;
  /** The record's id in the source, when it is not a single field. */
  externalId?(record: TRecord): string;
  cursor: CursorKind;
  /**
   * The source keeps changes only this long: when the committed cursor is older, the engine starts a
   * full refresh (state `null`) instead of resuming.
   */
  fullRefreshAfterDays?: number;
  /**
   * `source`: the API reports deletions (`deletedIds`); `full-refresh`: a complete pass that no
   * longer sees a record marks it deleted; `none`: deletions are not tracked.
   */
  deletes?: 'source' | 'full-refresh' | 'none';
  /** Each record is checked against this; a failing record is rejected with the reason, the run goes on. */
  schema?: z.ZodType<TRecord>;
  /** Read pages from `state` (null = from the beginning). Each yielded state resumes after its page. */
  read(client: TClient, state: TState | null, ctx: StreamReadContext): AsyncIterable<Page<TRecord, TState>>;
  /** The source's own count of live records, compared with the local count after a run. */
  reconcile?(client: TClient): Promise<number>;
  /** What the records mean: the model facts they map to (see capabilities/facts.ts). */
  facts?: StreamFacts<TRecord>;
}

// --- actions (destinations) -------------------------------------------------------------------

export interface ActionContext {
  signal: AbortSignal;
  logger: Logger;
  clock: Clock;
  workspaceId: string;
  connectionId: string;
}

export interface ActionDefinition<TClient, TInput, TOutput> {
  description: string;
  input: z.ZodType<TInput>;
  run(client: TClient, input: TInput, ctx: ActionContext): Promise<TOutput>;
}

// --- the definition ------------------------------------------------------------------------

// biome-ignore lint/suspicious/noExplicitAny: the erased shape of any stream of a given client.
export type AnyStream<TClient = any> = StreamDefinition<TClient, any, any>;
// biome-ignore lint/suspicious/noExplicitAny: the erased shape of any action of a given client.
export type AnyAction<TClient = any> = ActionDefinition<TClient, any, any>;

export interface IntegrationDocs {
  /** Where the user creates the key. */
  keyUrl: string;
  /** Scopes or permissions the key needs. */
  scopes: string[];
  /** The setup page in this repository, e.g. `docs/integrations/stripe.md`. */
  setup: string;
}

export interface IntegrationDefinition<
  TCredentials extends CredentialsSchema,
  TSettings extends SettingsSchema,
  TClient,
  TStreams extends Record<string, AnyStream<TClient>>,
  TActions extends Record<string, AnyAction<TClient>>,
> {
  /** Lower-case identifier used in URLs, env names and the records table: `^[a-z][a-z0-9_]*$`. */
  name: string;
  displayName: string;
  description: string;
  category: IntegrationCategory;
  roles: IntegrationRole[];
  docs: IntegrationDocs;
  credentials: TCredentials;
  settings: TSettings;
  /** The service's published limit, applied per credential in this process. */
  rateLimit: RateLimit;
  /**
   * Default API origin, used when the `baseUrl` setting is absent. A function of the settings when
   * the origin depends on them (a cloud region): `(s) => (s.region === 'eu' ? EU_HOST : US_HOST)`.
   */
  defaultBaseUrl: string | SettingsFunction<z.infer<TSettings>>;
  /** Headers that authenticate a request (never logged). */
  auth(credentials: z.infer<TCredentials>, settings: z.infer<TSettings>): Record<string, string>;
  /** The only code that speaks the service's API. */
  client(ctx: ClientContext<z.infer<TCredentials>, z.infer<TSettings>>): TClient;
  /** The live key check, before anything is stored. */
  validate(client: TClient): Promise<ValidationResult>;
  health?(client: TClient): Promise<HealthResult>;
  /** Intersected with its own keys so `client` in each `read` is typed by the factory above. */
  streams?: TStreams & { [K in keyof TStreams]: AnyStream<TClient> };
  actions?: TActions & { [K in keyof TActions]: AnyAction<TClient> };
  /** A local stand-in for the service, loaded only when asked for: `() => import('./simulator/index.js')`. */
  simulator?: SimulatorLoader;
  /** A CRM Beton pushes scores into: run by src/push (capabilities/destination.ts). */
  destination?: DestinationCapability<TClient, z.infer<TSettings>>;
  /** Companies by domain, paid in credits: run by src/enrichment (capabilities/enrichment.ts). */
  enrichment?: EnrichmentCapability<TClient, z.infer<TSettings>>;
  /** Signed events the service pushes: `POST /api/v1/webhooks/<name>/:connectionId` (capabilities/webhook.ts). */
  webhook?: WebhookCapability;
  /** Calls a sender pushes with a write key Beton generates: `POST /v1/<call>` (capabilities/ingest.ts). */
  ingest?: IngestCapability;
  /** A chat service alerts and digests are posted to: run by src/alerts (capabilities/messaging.ts). */
  messaging?: MessagingCapability<TClient, z.infer<TSettings>>;
  /** Signed button presses the service posts: `POST /api/v1/integrations/<name>/interactions` (capabilities/interactions.ts). */
  interactions?: InteractionsCapability;
  /** Facts of the integration as a whole (firmographics an enrichment returns). */
  facts?: IntegrationFacts;
}

/**
 * A function of an integration's settings, declared as a method so its parameter is checked
 * bivariantly: an integration with required settings still fits `AnyIntegration`.
 */
type SettingsFunction<S> = { of(settings: S): string }['of'];

/** A defined integration: the definition, frozen, with the types of its parts kept. */
export type Integration<
  TCredentials extends CredentialsSchema = CredentialsSchema,
  TSettings extends SettingsSchema = SettingsSchema,
  TClient = unknown,
  TStreams extends Record<string, AnyStream<TClient>> = Record<string, AnyStream<TClient>>,
  TActions extends Record<string, AnyAction<TClient>> = Record<string, AnyAction<TClient>>,
> = Readonly<
  Omit<IntegrationDefinition<TCredentials, TSettings, TClient, TStreams, TActions>, 'streams' | 'actions'>
> & {
  readonly streams: TStreams;
  readonly actions: TActions;
  readonly secretFields: readonly string[];
};

/** Any integration, its client type erased: what the registry and the engine handle. */
export type AnyIntegration = Integration<
  CredentialsSchema,
  SettingsSchema,
  // biome-ignore lint/suspicious/noExplicitAny: the client type differs per integration.
  any,
  Record<string, AnyStream>,
  Record<string, AnyAction>
>;

type StreamOf<I, K extends string> = I extends { readonly streams: infer S }
  ? K extends keyof S
    ? S[K]
    : never
  : never;

/** The record type of a stream, as its `read` yields it: `StreamRecord<typeof stripe, 'customers'>`. */
export type StreamRecord<I, K extends string> =
  StreamOf<I, K> extends { read(...args: never[]): AsyncIterable<Page<infer R, unknown>> } ? R : never;

/** The state type of a stream, as its `read` declares it (without the `null` of a fresh start). */
export type StreamState<I, K extends string> =
  StreamOf<I, K> extends { read(client: never, state: infer S, ...rest: never[]): unknown }
    ? Exclude<S, null>
    : never;

/** Names of an integration's streams. */
export type StreamName<I> = I extends { readonly streams: infer S } ? keyof S & string : never;

export type CredentialsOf<I> = I extends { readonly credentials: infer C extends z.ZodType }
  ? z.infer<C>
  : never;
export type SettingsOf<I> = I extends { readonly settings: infer S extends z.ZodType } ? z.infer<S> : never;
export type ClientOf<I> = I extends { readonly client: (...args: never[]) => infer C } ? C : never;

const NAME = /^[a-z][a-z0-9_]{1,39}$/;

/**
 * Declare an integration. Checks the declaration at load time (a wrong one fails at start-up with
 * what to fix, not at the first sync) and returns it frozen.
 */
export function defineIntegration<
  TCredentials extends CredentialsSchema,
  TSettings extends SettingsSchema,
  TClient,
  TStreams extends Record<string, AnyStream<TClient>> = Record<never, never>,
  TActions extends Record<string, AnyAction<TClient>> = Record<never, never>,
>(
  def: IntegrationDefinition<TCredentials, TSettings, TClient, TStreams, TActions>,
): Integration<TCredentials, TSettings, TClient, TStreams, TActions> {
  const where = `Integration "${def.name}"`;
  if (!NAME.test(def.name)) throw new Error(`${where}: name must match ${NAME} (lower case, digits, _).`);
  if (def.roles.length === 0) throw new Error(`${where}: give at least one role.`);
  if (!('baseUrl' in def.settings.shape)) {
    throw new Error(`${where}: every integration has the optional setting baseUrl: use baseUrlSetting().`);
  }
  const secretFields = secretFieldNames(def.credentials);
  // An ingest integration's key is generated by Beton (src/ingest), so its form may ask for none.
  if (secretFields.length === 0 && !def.ingest) {
    throw new Error(`${where}: mark the key field with secret(), e.g. apiKey: secret(z.string()).`);
  }
  for (const field of Object.keys(def.settings.shape)) {
    if (isSecretField(def.settings.shape[field] as z.ZodType)) {
      throw new Error(`${where}: setting "${field}" is secret; secrets belong in credentials.`);
    }
  }
  for (const [streamName, stream] of Object.entries(def.streams ?? {})) {
    if (!NAME.test(streamName)) throw new Error(`${where}: stream name "${streamName}" must match ${NAME}.`);
    if (!stream.primaryKey && !stream.externalId) {
      throw new Error(`${where}: stream "${streamName}" needs a primaryKey or an externalId(record).`);
    }
    if (stream.facts?.usage) assertUsageFields(stream.facts.usage);
  }
  if (def.webhook && !secretFields.includes(def.webhook.secretField)) {
    throw new Error(
      `${where}: webhook.secretField "${def.webhook.secretField}" must be a secret() credential field.`,
    );
  }
  if (def.interactions && !secretFields.includes(def.interactions.secretField)) {
    throw new Error(
      `${where}: interactions.secretField "${def.interactions.secretField}" must be a secret() credential field.`,
    );
  }
  if (def.roles.includes('messaging') && !def.messaging) {
    throw new Error(`${where}: the messaging role needs the messaging capability.`);
  }
  if (def.enrichment && !(Number.isInteger(def.enrichment.batchSize) && def.enrichment.batchSize >= 1)) {
    throw new Error(`${where}: enrichment.batchSize must be a whole number of domains, at least 1.`);
  }
  if (def.roles.includes('source') && Object.keys(def.streams ?? {}).length === 0) {
    throw new Error(`${where}: a source declares at least one stream.`);
  }
  return Object.freeze({
    ...def,
    streams: Object.freeze({ ...(def.streams ?? {}) }) as TStreams,
    actions: Object.freeze({ ...(def.actions ?? {}) }) as TActions,
    secretFields: Object.freeze(secretFields),
  });
}

/**
 * The external id of a record, by the stream's `externalId` or `primaryKey`. Throws when missing, so
 * the engine rejects the record with that reason.
 */
export function externalIdOf<T>(stream: StreamDefinition<unknown, T, unknown>, record: T): string {
  const raw = stream.externalId
    ? stream.externalId(record)
    : (record as Record<string, unknown> | null)?.[stream.primaryKey as string];
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  if (typeof raw !== 'string' || raw === '') {
    throw new Error(`record has no ${stream.primaryKey ? `"${stream.primaryKey}"` : 'external id'}`);
  }
  return raw;
}
