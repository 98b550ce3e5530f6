import type { Kysely } from 'kysely';
import { z } from 'zod';
import { badRequest, notFound } from '../core/errors.js';
import { assertSafeUrl } from '../core/http/index.js';
import { timeOrderedId } from '../core/ids.js';
import { type DB, fromJson, toJson, type WebhookEndpointsTable } from '../db/index.js';
import type { WebhookDeps } from './deps.js';
import { type WebhookEventType, webhookEventType } from './events.js';
import { generateWebhookSecret, secretHint } from './secrets.js';

/** How long the secret before a rotation keeps signing beside the new one (receivers switch over). */
export const PREVIOUS_SECRET_GRACE_MS = 24 * 3_600_000;

const eventTypes = z
  .array(webhookEventType)
  .min(1, 'Choose at least one event type.')
  .max(5)
  .transform((types) => [...new Set(types)])
  .describe('the event types this endpoint receives');

export const endpointInput = z.strictObject({
  url: z.string().trim().min(1).max(2_000).describe('where events are POSTed (https)'),
  description: z.string().trim().max(500).default(''),
  eventTypes,
  enabled: z.boolean().default(true),
});
export type EndpointInput = z.infer<typeof endpointInput>;

export const endpointPatch = z.strictObject({
  url: z.string().trim().min(1).max(2_000).optional(),
  description: z.string().trim().max(500).optional(),
  eventTypes: eventTypes.optional(),
  enabled: z
    .boolean()
    .optional()
    .describe('true re-enables an endpoint Beton disabled after repeated failure'),
});
export type EndpointPatch = z.infer<typeof endpointPatch>;

/** An endpoint as the API shows it: never its secret, only the secret's last 4 characters. */
export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string;
  eventTypes: WebhookEventType[];
  enabled: boolean;
  secretHint: string;
  /** Until when the secret before the last rotation still signs beside the current one. */
  previousSecretExpiresAt: string | null;
  /** Since when every attempt has failed (null while deliveries succeed). */
  failingSince: string | null;
  disabledAt: string | null;
  /** Why Beton disabled the endpoint and what to do; null unless disabled after repeated failure. */
  disabledReason: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export const toEndpoint = (row: WebhookEndpointsTable): WebhookEndpoint => ({
  id: row.id,
  url: row.url,
  description: row.description,
  eventTypes: fromJson<WebhookEventType[]>(row.event_types, []),
  enabled: row.enabled === 1,
  secretHint: row.secret_hint,
  previousSecretExpiresAt: row.previous_secret_expires_at,
  failingSince: row.failing_since,
  disabledAt: row.disabled_at,
  disabledReason: row.disabled_reason,
  createdBy: row.created_by,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/**
 * Refuse a URL Beton must not POST to: not a URL, not http(s), or (unless the operator set
 * BETON_ALLOW_PRIVATE_HOSTS=true) a private, loopback or metadata address. Checked again before
 * every attempt, since a name can be pointed elsewhere after it was saved.
 */
export async function assertDeliverableUrl(deps: Pick<WebhookDeps, 'config'>, url: string): Promise<URL> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badRequest(
      `"${url.slice(0, 200)}" is not a URL; use the full address, e.g. https://example.com/webhooks/beton.`,
      undefined,
      'invalid_url',
    );
  }
  await assertSafeUrl(parsed, { allowPrivateHosts: deps.config.BETON_ALLOW_PRIVATE_HOSTS });
  return parsed;
}

async function endpointRow(db: Kysely<DB>, workspaceId: string, id: string) {
  const row = await db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound(`Webhook endpoint ${id.slice(0, 80)}`);
  return row;
}

/** Every endpoint of a workspace, oldest first. */
export async function listEndpoints(db: Kysely<DB>, workspaceId: string): Promise<WebhookEndpoint[]> {
  const rows = await db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toEndpoint);
}

export async function findEndpoint(
  db: Kysely<DB>,
  workspaceId: string,
  id: string,
): Promise<WebhookEndpoint> {
  return toEndpoint(await endpointRow(db, workspaceId, id));
}

/**
 * Register an endpoint with a new signing secret. The secret is returned here and never again
 * (stored encrypted; `rotateEndpointSecret` makes a new one).
 *
 * @example
 * const { endpoint, secret } = await createEndpoint(deps, ws, { url: 'https://example.com/hook',
 *   description: '', eventTypes: ['signal.opened'], enabled: true }, userId);
 * secret; // 'whsec_…'
 */
export async function createEndpoint(
  deps: Pick<WebhookDeps, 'db' | 'keyring' | 'clock' | 'config'>,
  workspaceId: string,
  input: EndpointInput,
  createdBy: string | null,
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const url = await assertDeliverableUrl(deps, input.url);
  const secret = generateWebhookSecret();
  const now = deps.clock.now().toISOString();
  const row: WebhookEndpointsTable = {
    id: timeOrderedId(),
    workspace_id: workspaceId,
    url: url.href,
    description: input.description,
    event_types: toJson(input.eventTypes),
    enabled: input.enabled ? 1 : 0,
    secret_enc: deps.keyring.encrypt(secret),
    secret_hint: secretHint(secret),
    previous_secret_enc: null,
    previous_secret_expires_at: null,
    failing_since: null,
    disabled_at: input.enabled ? null : now,
    disabled_reason: null,
    created_by: createdBy,
    created_at: now,
    updated_at: now,
  };
  await deps.db.kysely.insertInto('webhook_endpoints').values(row).execute();
  return { endpoint: toEndpoint(row), secret };
}

/**
 * Change an endpoint. Enabling one clears Beton's disabled notice and its failure streak; failed
 * deliveries stay failed until someone redelivers them.
 */
export async function updateEndpoint(
  deps: Pick<WebhookDeps, 'db' | 'clock' | 'config'>,
  workspaceId: string,
  id: string,
  patch: EndpointPatch,
): Promise<WebhookEndpoint> {
  const current = await endpointRow(deps.db.kysely, workspaceId, id);
  const now = deps.clock.now().toISOString();
  const changes: Partial<WebhookEndpointsTable> = { updated_at: now };
  if (patch.url !== undefined) changes.url = (await assertDeliverableUrl(deps, patch.url)).href;
  if (patch.description !== undefined) changes.description = patch.description;
  if (patch.eventTypes !== undefined) changes.event_types = toJson(patch.eventTypes);
  if (patch.enabled === true && current.enabled !== 1) {
    Object.assign(changes, { enabled: 1, disabled_at: null, disabled_reason: null, failing_since: null });
  } else if (patch.enabled === false && current.enabled === 1) {
    Object.assign(changes, { enabled: 0, disabled_at: now, disabled_reason: null });
  }
  await deps.db.kysely
    .updateTable('webhook_endpoints')
    .set(changes)
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
  return findEndpoint(deps.db.kysely, workspaceId, id);
}

/** Remove an endpoint with its deliveries and their log. */
export async function deleteEndpoint(db: Kysely<DB>, workspaceId: string, id: string): Promise<void> {
  await endpointRow(db, workspaceId, id);
  await db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('webhook_attempts')
      .where('workspace_id', '=', workspaceId)
      .where('endpoint_id', '=', id)
      .execute();
    await trx
      .deleteFrom('webhook_deliveries')
      .where('workspace_id', '=', workspaceId)
      .where('endpoint_id', '=', id)
      .execute();
    await trx
      .deleteFrom('webhook_endpoints')
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .execute();
  });
}

/**
 * Make a new signing secret (returned once). Unless `expirePrevious`, the old secret keeps signing
 * beside it for 24 hours — every message carries both signatures — so a receiver verifies with
 * either while its configuration is changed.
 */
export async function rotateEndpointSecret(
  deps: Pick<WebhookDeps, 'db' | 'keyring' | 'clock'>,
  workspaceId: string,
  id: string,
  opts: { expirePrevious?: boolean } = {},
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const current = await endpointRow(deps.db.kysely, workspaceId, id);
  const secret = generateWebhookSecret();
  const now = deps.clock.now();
  await deps.db.kysely
    .updateTable('webhook_endpoints')
    .set({
      secret_enc: deps.keyring.encrypt(secret),
      secret_hint: secretHint(secret),
      previous_secret_enc: opts.expirePrevious ? null : current.secret_enc,
      previous_secret_expires_at: opts.expirePrevious
        ? null
        : new Date(now.getTime() + PREVIOUS_SECRET_GRACE_MS).toISOString(),
      updated_at: now.toISOString(),
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
  return { endpoint: await findEndpoint(deps.db.kysely, workspaceId, id), secret };
}

/** The secrets that sign a message now: the current one, and the previous one during its grace. */
export function signingSecrets(
  deps: Pick<WebhookDeps, 'keyring'>,
  row: Pick<WebhookEndpointsTable, 'secret_enc' | 'previous_secret_enc' | 'previous_secret_expires_at'>,
  now: Date,
): string[] {
  const secrets = [deps.keyring.decrypt(row.secret_enc)];
  if (
    row.previous_secret_enc &&
    row.previous_secret_expires_at &&
    row.previous_secret_expires_at > now.toISOString()
  ) {
    secrets.push(deps.keyring.decrypt(row.previous_secret_enc));
  }
  return secrets;
}
