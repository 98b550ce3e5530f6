import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type AuditActor, recordAudit } from '../audit/index.js';
import { isoNow } from '../core/clock.js';
import { maskSecret } from '../core/crypto.js';
import { AppError, conflict, isAppError, notFound } from '../core/errors.js';
import {
  AuthError,
  assertSafeUrl,
  HttpError,
  NotFoundError,
  PermissionError,
  UnsafeUrlError,
  ValidationError,
} from '../core/http/index.js';
import { scrubString } from '../core/redact.js';
import { fromJson, toJson } from '../db/json.js';
import type { ConnectionsTable } from '../db/schema/index.js';
import {
  type AnyIntegration,
  type CursorKind,
  createIntegrationClient,
  type HealthResult,
  type IntegrationDocs,
  originFieldNames,
  type ValidationPreview,
  type ValidationResult,
} from '../integrations/index.js';
import type { ConnectionDeps } from './deps.js';
import { envVarName, workspaceEnvOverrides } from './env.js';
import { grantPrivateOrigin, privateOriginsOf, revokePrivateOrigins } from './private-hosts.js';

export type ConnectionStatus = 'connected' | 'error';

/** A stored connection as anyone may see it: secrets masked to their last 4 characters. */
export interface ConnectionSummary {
  id: string;
  status: ConnectionStatus;
  accountLabel: string | null;
  settings: Record<string, unknown>;
  credentials: Record<string, string | null>;
  health: HealthResult | null;
  lastValidatedAt: string | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface IntegrationView {
  name: string;
  displayName: string;
  description: string;
  category: string;
  roles: string[];
  docs: IntegrationDocs;
  streams: { name: string; description: string; cursor: CursorKind }[];
  actions: string[];
  /** Senders push calls to it with a write key Beton generates (the `ingest` capability). */
  ingest: boolean;
  status: 'not_connected' | ConnectionStatus;
  connection: ConnectionSummary | null;
  /** Fields set by `BETON_<NAME>_<FIELD>` (their values are never shown). */
  envFields: string[];
}

export interface IntegrationDetail extends IntegrationView {
  credentialsSchema: Record<string, unknown>;
  settingsSchema: Record<string, unknown>;
  /** What the live check read (a query's first rows), in the answer of a connect or test only. */
  preview?: ValidationPreview[];
}

/** One connection opened for use: decrypted credentials (environment overrides applied). */
export interface OpenConnection {
  integration: AnyIntegration;
  workspaceId: string;
  connectionId: string;
  credentials: Record<string, unknown>;
  settings: Record<string, unknown>;
}

export interface FieldError {
  path: string;
  message: string;
}

async function connectionRow(deps: ConnectionDeps, workspaceId: string, integration: string) {
  return deps.db.kysely
    .selectFrom('connections')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('integration', '=', integration)
    .executeTakeFirst();
}

function maskCredentials(integration: AnyIntegration, credentials: Record<string, unknown>) {
  const out: Record<string, string | null> = {};
  for (const [field, value] of Object.entries(credentials)) {
    if (value === undefined || value === null) continue;
    out[field] = integration.secretFields.includes(field) ? maskSecret(String(value)) : String(value);
  }
  return out;
}

function summary(
  deps: ConnectionDeps,
  integration: AnyIntegration,
  row: ConnectionsTable,
  overrides: Record<string, string>,
): ConnectionSummary {
  const stored = row.secrets_enc ? deps.keyring.decryptJson<Record<string, unknown>>(row.secrets_enc) : {};
  return {
    id: row.id,
    status: row.status as ConnectionStatus,
    accountLabel: row.account_label,
    settings: fromJson<Record<string, unknown>>(row.settings_json, {}),
    credentials: maskCredentials(integration, { ...stored, ...overrides }),
    health: fromJson<HealthResult | null>(row.health_json, null),
    lastValidatedAt: row.last_validated_at,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function describe(integration: AnyIntegration): Omit<IntegrationView, 'status' | 'connection' | 'envFields'> {
  return {
    name: integration.name,
    displayName: integration.displayName,
    description: integration.description,
    category: integration.category,
    roles: [...integration.roles],
    docs: integration.docs,
    streams: Object.entries(integration.streams).map(([name, s]) => ({
      name,
      description: s.description,
      cursor: s.cursor,
    })),
    actions: Object.keys(integration.actions),
    ingest: integration.ingest !== undefined,
  };
}

/** JSON Schema of a credentials or settings object, for forms and the OpenAPI document. */
export function fieldsJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return rest;
}

/**
 * Every registered integration with its status in this workspace.
 *
 * @example
 * const views = await listIntegrations(rt, workspaceId);
 * views.find((v) => v.name === 'stripe')?.status; // 'connected'
 */
export async function listIntegrations(
  deps: ConnectionDeps,
  workspaceId: string,
): Promise<IntegrationView[]> {
  const rows = await deps.db.kysely
    .selectFrom('connections')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .execute();
  const byName = new Map(rows.map((r) => [r.integration, r]));
  const out: IntegrationView[] = [];
  for (const integration of deps.integrations.list()) {
    out.push(await view(deps, integration, byName.get(integration.name), workspaceId));
  }
  return out;
}

async function view(
  deps: ConnectionDeps,
  integration: AnyIntegration,
  row: ConnectionsTable | undefined,
  workspaceId: string,
): Promise<IntegrationView> {
  const overrides = await workspaceEnvOverrides(deps, integration, workspaceId);
  return {
    ...describe(integration),
    status: row ? (row.status as ConnectionStatus) : 'not_connected',
    connection: row ? summary(deps, integration, row, overrides.credentials) : null,
    envFields: overrides.fields,
  };
}

/** One integration: metadata, JSON Schemas of its credentials and settings, masked stored values. */
export async function getIntegration(
  deps: ConnectionDeps,
  workspaceId: string,
  name: string,
): Promise<IntegrationDetail> {
  const integration = deps.integrations.require(name);
  const row = await connectionRow(deps, workspaceId, name);
  return {
    ...(await view(deps, integration, row, workspaceId)),
    credentialsSchema: fieldsJsonSchema(integration.credentials),
    settingsSchema: fieldsJsonSchema(integration.settings),
  };
}

function parseFields(
  schema: z.ZodObject<z.ZodRawShape>,
  input: Record<string, unknown>,
  prefix: string,
): { data: Record<string, unknown>; errors: FieldError[] } {
  const result = schema.strict().safeParse(input);
  if (result.success) return { data: result.data as Record<string, unknown>, errors: [] };
  return {
    data: {},
    errors: result.error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({ path: `${prefix}.${key}`, message: 'is not a known field' }))
        : [{ path: [prefix, ...issue.path.map(String)].join('.'), message: issue.message }],
    ),
  };
}

/** Text without its closing punctuation, to be followed by Beton's own ("…token." + "." never reads "token.."). */
const clause = (text: string) => text.trim().replace(/[.!?…:;,\s]+$/u, '');

const dropEmpty = (o: Record<string, unknown> | undefined) =>
  Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined && v !== null && v !== ''));

/**
 * Check a key live with the service and return what it says, as Beton's errors: the service's
 * refusal → 400 `invalid_credentials` with its reason; unreachable → 502. Nothing is stored here.
 */
async function validateLive(
  deps: ConnectionDeps,
  open: OpenConnection,
): Promise<{ result: ValidationResult; client: unknown }> {
  const { integration } = open;
  const baseUrl = open.settings.baseUrl;
  if (typeof baseUrl === 'string') {
    await assertSafeUrl(new URL(baseUrl), {
      allowPrivateHosts: deps.config.BETON_ALLOW_PRIVATE_HOSTS,
      privateOrigins: privateOriginsOf(open.connectionId),
    });
  }
  const { client } = createIntegrationClient(integration, open, clientEnv(deps, open.connectionId));
  try {
    return { result: await integration.validate(client), client };
  } catch (error) {
    throw validationFailure(integration, error);
  }
}

/** What a connection's client is built with: its private-origin grant (if any) included. */
export function clientEnv(deps: ConnectionDeps, connectionId?: string) {
  return {
    logger: deps.logger,
    clock: deps.clock,
    allowPrivateHosts: deps.config.BETON_ALLOW_PRIVATE_HOSTS,
    ...(connectionId ? { privateOrigins: privateOriginsOf(connectionId) } : {}),
    ...(deps.httpOptions ? { http: deps.httpOptions } : {}),
  };
}

function validationFailure(integration: AnyIntegration, error: unknown): AppError {
  const name = integration.displayName;
  const reason = (e: HttpError) => clause(e.upstreamMessage ?? `it answered ${e.upstreamStatus}`);
  if (error instanceof AuthError || error instanceof PermissionError || error instanceof ValidationError) {
    const advice =
      error instanceof AuthError
        ? ' Check the key, or create a new one.'
        : error instanceof PermissionError
          ? integration.docs.scopes.length > 0
            ? ` Give the key these scopes: ${integration.docs.scopes.join(', ')}.`
            : " Check the key's permissions and the account's plan."
          : '';
    return new AppError(
      400,
      'invalid_credentials',
      `${name} rejected the credentials: ${reason(error)}.${advice}`,
      {
        upstreamStatus: error.upstreamStatus,
        ...(error.upstreamMessage ? { reason: error.upstreamMessage } : {}),
      },
    );
  }
  if (error instanceof NotFoundError) {
    return new AppError(
      400,
      'invalid_settings',
      `${name} answered 404 (${reason(error)}): check the baseUrl and the other settings.`,
      { upstreamStatus: 404 },
    );
  }
  if (error instanceof HttpError) {
    return new AppError(
      502,
      'upstream_unavailable',
      `Could not check the key with ${name}: ${clause(error.message)}.`,
      {
        upstreamStatus: error.upstreamStatus,
      },
    );
  }
  if (error instanceof UnsafeUrlError || isAppError(error)) return error as AppError;
  // A bug in the integration's own code: say so without leaking what it held.
  const message = error instanceof Error ? scrubString(error.message) : 'unknown error';
  return new AppError(
    502,
    'upstream_unavailable',
    `Checking the key with ${name} failed: ${clause(message)}. Try again; if it keeps failing, report it with the server log.`,
  );
}

/** A setting's value as compared for the origin rule: unset, null and '' all mean "the default". */
const originValue = (v: unknown) => (v === undefined || v === null || v === '' ? '' : String(v).trim());

/**
 * The credential-origin rule: a change to a setting that decides where the key is sent (`baseUrl`,
 * or one marked `origin()` such as PostHog's region) must come with the key itself. Otherwise anyone
 * allowed to edit settings could point the stored key at a server of theirs and receive it in the
 * live check — the API never shows a stored secret, so it must not deliver one elsewhere either.
 * A key from the environment cannot be re-entered over the API: its origin is the operator's.
 */
function assertKeyFollowsOrigin(
  integration: AnyIntegration,
  c: {
    before: Record<string, unknown>;
    after: Record<string, unknown>;
    stored: Record<string, unknown>;
    given: Record<string, unknown>;
    fromEnvironment: Record<string, unknown>;
  },
): void {
  const changed = originFieldNames(integration.settings).filter(
    (field) => originValue(c.before[field]) !== originValue(c.after[field]),
  );
  if (changed.length === 0) return;
  const where = changed.map((f) => `settings.${f}`).join(' and ');
  const fromEnv = integration.secretFields.filter((f) => originValue(c.fromEnvironment[f]) !== '');
  if (fromEnv.length > 0) {
    throw new AppError(
      400,
      'credentials_required',
      `Changing ${where} would send the ${integration.displayName} key set in the environment to a new place. Set the new value in the environment too (${changed.map((f) => envVarName(integration.name, f)).join(', ')}) and restart.`,
      { changed: changed.map((f) => `settings.${f}`) },
    );
  }
  const missing = integration.secretFields.filter(
    (f) => originValue(c.stored[f]) !== '' && originValue(c.given[f]) === '',
  );
  if (missing.length === 0) return;
  throw new AppError(
    400,
    'credentials_required',
    `Changing ${where} changes where the ${integration.displayName} key is sent: re-enter the key (${missing.map((f) => `credentials.${f}`).join(', ')}) in the same request. A stored key is never sent to a new address.`,
    { changed: changed.map((f) => `settings.${f}`), required: missing.map((f) => `credentials.${f}`) },
  );
}

export interface PutConnectionInput {
  /** Fields left out keep their stored (or environment) value, so settings change without retyping a key. */
  credentials?: Record<string, unknown>;
  /** Merged into the stored settings field by field; `null` (or '') removes one, back to its default. */
  settings?: Record<string, unknown>;
}

/**
 * Check the credentials' shape (400 `validation_failed` with field errors), validate them live
 * (400 `invalid_credentials` / 502 — nothing stored in either case), then store them encrypted and
 * answer with the connection. A changed key resets status, health and the last error.
 *
 * @example
 * const view = await putConnection(rt, actor, 'stripe', { credentials: { apiKey: 'sk_test_…' } });
 * view.connection?.accountLabel; // 'Acme Inc (acct_123)'
 */
export async function putConnection(
  deps: ConnectionDeps,
  actor: { workspaceId: string; audit: AuditActor; userId?: string | null },
  name: string,
  input: PutConnectionInput,
  /**
   * Server-side only (the API never passes it): let this connection reach this one private origin
   * — the demo connecting its own simulator on 127.0.0.1 with the SSRF guard on for everyone else.
   */
  serverOptions: { privateOrigin?: string } = {},
): Promise<IntegrationDetail> {
  const integration = deps.integrations.require(name);
  const workspaceId = actor.workspaceId;
  const row = await connectionRow(deps, workspaceId, name);
  const overrides = await workspaceEnvOverrides(deps, integration, workspaceId);
  const stored = row?.secrets_enc ? deps.keyring.decryptJson<Record<string, unknown>>(row.secrets_enc) : {};
  const given = dropEmpty(input.credentials);
  const storedSettings = Object.fromEntries(
    Object.entries(fromJson<Record<string, unknown>>(row?.settings_json, {})).filter(
      ([k]) => k in integration.settings.shape,
    ),
  );
  const givenSettings = { ...storedSettings, ...input.settings };

  const creds = parseFields(
    integration.credentials,
    { ...stored, ...given, ...overrides.credentials },
    'credentials',
  );
  const settings = parseFields(
    integration.settings,
    { ...dropEmpty(givenSettings), ...overrides.settings },
    'settings',
  );
  const errors = [...creds.errors, ...settings.errors];
  if (errors.length > 0) {
    const first = errors[0]!;
    throw new AppError(
      400,
      'validation_failed',
      `Invalid ${integration.displayName} connection: ${first.path} ${clause(first.message)}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}.`,
      errors,
    );
  }
  if (row) {
    assertKeyFollowsOrigin(integration, {
      before: { ...storedSettings, ...overrides.settings },
      after: settings.data,
      stored,
      given,
      fromEnvironment: overrides.credentials,
    });
  }
  const connectionId = row?.id ?? randomUUID();
  if (serverOptions.privateOrigin) grantPrivateOrigin(connectionId, serverOptions.privateOrigin);
  const open: OpenConnection = {
    integration,
    workspaceId,
    connectionId,
    credentials: creds.data,
    settings: settings.data,
  };
  const { result, client } = await validateLive(deps, open);
  const health = integration.health ? await integration.health(client).catch(() => null) : null;

  // Store what the caller gave (and what was stored), never what came from the environment.
  const toStore = Object.fromEntries(
    Object.entries({ ...stored, ...given }).filter(([k]) => k in integration.credentials.shape),
  );
  const settingsToStore = Object.fromEntries(
    Object.entries(dropEmpty(givenSettings)).filter(([k]) => k in integration.settings.shape),
  );
  const now = isoNow(deps.clock);
  const values = {
    status: 'connected',
    settings_json: toJson(settingsToStore),
    secrets_enc: Object.keys(toStore).length > 0 ? deps.keyring.encryptJson(toStore) : null,
    key_id: deps.keyring.activeId,
    account_label: result.accountLabel,
    health_json: health ? toJson(health) : null,
    last_validated_at: now,
    last_error: null,
    updated_at: now,
  };
  await deps.db.kysely.transaction().execute(async (trx) => {
    if (row) {
      await trx
        .updateTable('connections')
        .set(values)
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', row.id)
        .execute();
    } else {
      await trx
        .insertInto('connections')
        .values({
          id: connectionId,
          workspace_id: workspaceId,
          integration: name,
          created_by: actor.userId ?? null,
          created_at: now,
          ...values,
        })
        .execute();
    }
    await recordAudit(
      trx,
      workspaceId,
      actor.audit,
      row ? 'connection.update' : 'connection.create',
      {
        targetType: 'connection',
        targetId: connectionId,
        details: {
          integration: name,
          accountLabel: result.accountLabel,
          credentialFields: Object.keys(given),
          settings: settingsToStore,
        },
      },
      deps.clock,
    );
  });
  return withPreview(await getIntegration(deps, workspaceId, name), result);
}

/** The connection's detail with what its live check read, when it read anything to show. */
const withPreview = (detail: IntegrationDetail, result: ValidationResult): IntegrationDetail =>
  result.preview?.length ? { ...detail, preview: result.preview } : detail;

/**
 * Re-check the stored credentials now: updates status, account label, health and the last error.
 * Answers the connection; a refused key is recorded (status `error`) and raised as 400.
 */
export async function testConnection(
  deps: ConnectionDeps,
  actor: { workspaceId: string; audit: AuditActor },
  name: string,
): Promise<IntegrationDetail> {
  const open = await openConnection(deps, actor.workspaceId, name, { allowErrored: true });
  const now = isoNow(deps.clock);
  let failure: AppError | undefined;
  let update: Partial<ConnectionsTable>;
  let checked: ValidationResult | undefined;
  try {
    const { result, client } = await validateLive(deps, open);
    checked = result;
    const health = open.integration.health ? await open.integration.health(client).catch(() => null) : null;
    update = {
      status: 'connected',
      account_label: result.accountLabel,
      health_json: health ? toJson(health) : null,
      last_error: null,
    };
  } catch (error) {
    failure = isAppError(error) ? error : validationFailure(open.integration, error);
    // A service that cannot be reached says nothing about the key: keep the status.
    update =
      failure.status === 400
        ? { status: 'error', last_error: failure.message }
        : { last_error: failure.message };
  }
  await deps.db.kysely
    .updateTable('connections')
    .set({ ...update, last_validated_at: now, updated_at: now })
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', open.connectionId)
    .execute();
  await recordAudit(
    deps.db,
    actor.workspaceId,
    actor.audit,
    'connection.test',
    {
      targetType: 'connection',
      targetId: open.connectionId,
      details: { integration: name, ok: !failure, ...(failure ? { error: failure.code } : {}) },
    },
    deps.clock,
  );
  if (failure) throw failure;
  const detail = await getIntegration(deps, actor.workspaceId, name);
  return checked ? withPreview(detail, checked) : detail;
}

/**
 * Disconnect: the row and its encrypted secrets are deleted. Synced records stay (marked by their
 * connection id); a new connection's first full pass replaces them. 409 while a sync runs.
 */
export async function deleteConnection(
  deps: ConnectionDeps,
  actor: { workspaceId: string; audit: AuditActor },
  name: string,
): Promise<void> {
  deps.integrations.require(name);
  const row = await connectionRow(deps, actor.workspaceId, name);
  if (!row) throw notFound(`A ${name} connection`);
  const active = await deps.db.kysely
    .selectFrom('sync_runs')
    .select('id')
    .where('workspace_id', '=', actor.workspaceId)
    .where('connection_id', '=', row.id)
    .where('status', 'in', ['queued', 'running'])
    .executeTakeFirst();
  if (active) {
    throw conflict(
      `A sync of ${name} is running (run ${active.id}); cancel it (POST /api/v1/sync-runs/${active.id}/cancel) before disconnecting.`,
      { runId: active.id },
      'sync_running',
    );
  }
  await deps.db.kysely.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('connections')
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', row.id)
      .execute();
    await trx
      .deleteFrom('sync_state')
      .where('workspace_id', '=', actor.workspaceId)
      .where('connection_id', '=', row.id)
      .execute();
    revokePrivateOrigins(row.id);
    await recordAudit(
      trx,
      actor.workspaceId,
      actor.audit,
      'connection.delete',
      { targetType: 'connection', targetId: row.id, details: { integration: name } },
      deps.clock,
    );
  });
}

/**
 * The decrypted credentials and settings of a workspace's connection, for the sync engine and the
 * push pipeline. 404 when not connected; 409 when its last check failed (unless `allowErrored`).
 */
export async function openConnection(
  deps: ConnectionDeps,
  workspaceId: string,
  name: string,
  opts: { allowErrored?: boolean } = {},
): Promise<OpenConnection> {
  const integration = deps.integrations.require(name);
  const row = await connectionRow(deps, workspaceId, name);
  if (!row) {
    throw new AppError(
      404,
      'not_connected',
      `${integration.displayName} is not connected in this workspace; connect it first (PUT /api/v1/integrations/${name} or \`beton connect ${name}\`).`,
    );
  }
  return openRow(deps, integration, row, opts);
}

/** Same as openConnection, by connection id (jobs carry the id). */
export async function openConnectionById(
  deps: ConnectionDeps,
  workspaceId: string,
  connectionId: string,
  opts: { allowErrored?: boolean } = {},
): Promise<OpenConnection> {
  const row = await deps.db.kysely
    .selectFrom('connections')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', connectionId)
    .executeTakeFirst();
  if (!row) throw notFound(`Connection ${connectionId}`);
  return openRow(deps, deps.integrations.require(row.integration), row, opts);
}

async function openRow(
  deps: ConnectionDeps,
  integration: AnyIntegration,
  row: ConnectionsTable,
  opts: { allowErrored?: boolean },
): Promise<OpenConnection> {
  if (row.status !== 'connected' && !opts.allowErrored) {
    throw new AppError(
      409,
      'connection_error',
      `The ${integration.displayName} connection needs attention: ${clause(row.last_error ?? 'its last check failed')}. Fix the key (PUT /api/v1/integrations/${integration.name}) or re-test it.`,
    );
  }
  const overrides = await workspaceEnvOverrides(deps, integration, row.workspace_id);
  const stored = row.secrets_enc ? deps.keyring.decryptJson<Record<string, unknown>>(row.secrets_enc) : {};
  return {
    integration,
    workspaceId: row.workspace_id,
    connectionId: row.id,
    credentials: { ...stored, ...overrides.credentials },
    settings: { ...fromJson<Record<string, unknown>>(row.settings_json, {}), ...overrides.settings },
  };
}

/**
 * The integration's client for an open connection (shared rate budget per credential).
 *
 * @example
 * const open = await openConnection(rt, ws, 'attio');
 * const client = connectionClient(rt, open) as AttioClient;
 */
export function connectionClient(deps: ConnectionDeps, open: OpenConnection): unknown {
  return createIntegrationClient(open.integration, open, clientEnv(deps, open.connectionId)).client;
}

/** Mark a connection errored after the service refused its key mid-sync (so the UI shows it). */
export async function markConnectionError(
  deps: ConnectionDeps,
  workspaceId: string,
  connectionId: string,
  message: string,
): Promise<void> {
  const now = isoNow(deps.clock);
  await deps.db.kysely
    .updateTable('connections')
    .set({ status: 'error', last_error: message, updated_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', connectionId)
    .execute();
}
