import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActorOf } from '../../auth/index.js';
import {
  deleteConnection,
  getIntegration,
  integrationViewFor,
  listIntegrations,
  putConnection,
  testConnection,
} from '../../connections/index.js';
import { AppError } from '../../core/errors.js';
import type { AnyIntegration } from '../../integrations/index.js';
import { enqueueSync } from '../../jobs/index.js';
import { actorOf, triggerOf } from '../plugins/auth.js';
import { errorResponses, errorSchema } from '../schemas.js';
import { syncRunSchema } from './sync-runs.js';

const healthSchema = z.object({
  status: z.enum(['ok', 'degraded', 'down']),
  message: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

const connectionSchema = z.object({
  id: z.string(),
  status: z.enum(['connected', 'error']),
  accountLabel: z.string().nullable(),
  settings: z.record(z.string(), z.unknown()),
  credentials: z
    .record(z.string(), z.string().nullable())
    .describe('Secret fields masked to their last 4 characters (…abcd)'),
  health: healthSchema.nullable(),
  lastValidatedAt: z.string().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const integrationSchema = z.object({
  name: z.string(),
  displayName: z.string(),
  description: z.string(),
  category: z.string(),
  roles: z.array(z.string()),
  docs: z.object({ keyUrl: z.string(), scopes: z.array(z.string()), setup: z.string() }),
  streams: z.array(z.object({ name: z.string(), description: z.string(), cursor: z.string() })),
  actions: z.array(z.string()),
  ingest: z
    .boolean()
    .describe('Senders push calls to it with a write key: see GET /api/v1/integrations/{name}/ingest'),
  status: z.enum(['not_connected', 'connected', 'error']),
  connection: connectionSchema.nullable(),
  envFields: z.array(z.string()).describe('Fields set by BETON_<NAME>_<FIELD> environment variables'),
});

const previewSchema = z.object({
  title: z.string(),
  columns: z.array(z.string()),
  rows: z.array(z.array(z.union([z.string(), z.number(), z.null()]))),
});

const integrationDetailSchema = integrationSchema.extend({
  credentialsSchema: z.record(z.string(), z.unknown()).describe('JSON Schema; secret fields are writeOnly'),
  settingsSchema: z.record(z.string(), z.unknown()).describe('JSON Schema'),
  preview: z
    .array(previewSchema)
    .optional()
    .describe("What the live check read (a query's first rows); only in the answer of a connect or test"),
});

const syncBody = z.strictObject({
  streams: z.array(z.string().min(1).max(40)).max(50).optional().describe('Default: every stream'),
  full: z
    .boolean()
    .optional()
    .describe('Re-read everything from the start (marks records the source no longer has)'),
});

/**
 * The settings a PUT may send: any subset of the integration's settings, each also `null`, which
 * removes the stored value (the setting falls back to its default).
 */
function settingsPatch(integration: AnyIntegration) {
  const shape = integration.settings.shape as Record<string, z.ZodType>;
  return z.strictObject(
    Object.fromEntries(Object.entries(shape).map(([key, field]) => [key, field.nullable().optional()])),
  );
}

const actorFor = (request: Parameters<typeof actorOf>[0]) => {
  const actor = actorOf(request);
  return { workspaceId: actor.workspaceId, audit: auditActorOf(actor), userId: actor.userId };
};

/**
 * The integration routes, generated from the registry: each integration gets its own paths, so the
 * OpenAPI document shows its credential and setting fields (secrets `writeOnly`).
 */
export const integrationRoutes: FastifyPluginAsyncZod = async (app) => {
  const rt = app.runtime;

  app.get(
    '/integrations',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['integrations'],
        summary: 'Every registered integration with its status in this workspace',
        response: { 200: z.object({ integrations: z.array(integrationSchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const views = await listIntegrations(rt, actor.workspaceId);
      return { integrations: views.map((v) => integrationViewFor(actor.role, v)) };
    },
  );

  for (const integration of rt.integrations.list()) registerIntegration(app, integration);

  // Names not in the registry: one clear 404 listing the known ones.
  app.all(
    '/integrations/:name/*',
    { config: { access: 'viewer' }, schema: { hide: true } },
    async (request) => {
      throw unknownIntegration(rt.integrations.list(), (request.params as { name: string }).name);
    },
  );
  app.all(
    '/integrations/:name',
    { config: { access: 'viewer' }, schema: { hide: true } },
    async (request) => {
      throw unknownIntegration(rt.integrations.list(), (request.params as { name: string }).name);
    },
  );
};

function unknownIntegration(list: readonly AnyIntegration[], name: string) {
  return new AppError(
    404,
    'not_found',
    `Integration "${name}" is not known. Known integrations: ${list.map((i) => i.name).join(', ') || 'none'}.`,
  );
}

function registerIntegration(app: Parameters<FastifyPluginAsyncZod>[0], integration: AnyIntegration) {
  const rt = app.runtime;
  const name = integration.name;
  const tags = ['integrations'];
  const base = `/integrations/${name}`;

  app.get(
    base,
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: `${integration.displayName}: metadata, credential and settings schemas, masked stored values`,
        response: { 200: z.object({ integration: integrationDetailSchema }), ...errorResponses },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return {
        integration: integrationViewFor(actor.role, await getIntegration(rt, actor.workspaceId, name)),
      };
    },
  );

  app.put(
    base,
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: `Connect ${integration.displayName}: the key is checked live before anything is stored`,
        description:
          'Fields left out keep their stored (or environment) value; a setting sent as `null` is removed (back to its default). The merged result is validated, then the key is checked live. A key the service refuses → 400 `invalid_credentials` with its reason; the service unreachable → 502; nothing is stored in either case.',
        body: z.strictObject({
          credentials: integration.credentials.partial().strict().optional(),
          settings: settingsPatch(integration).optional(),
        }),
        response: {
          200: z.object({ integration: integrationDetailSchema }),
          502: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const body = request.body as {
        credentials?: Record<string, unknown>;
        settings?: Record<string, unknown>;
      };
      const detail = await putConnection(rt, actorFor(request), name, body);
      return reply.header('cache-control', 'no-store').send({ integration: detail });
    },
  );

  app.delete(
    base,
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: `Disconnect ${integration.displayName} and erase its stored secrets`,
        response: { 204: z.null(), 404: errorSchema, 409: errorSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      await deleteConnection(rt, actorFor(request), name);
      return reply.status(204).send(null);
    },
  );

  app.post(
    `${base}/test`,
    {
      config: { access: 'member' },
      schema: {
        tags,
        summary: `Re-check the stored ${integration.displayName} credentials now`,
        response: {
          200: z.object({ integration: integrationDetailSchema }),
          404: errorSchema,
          502: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (request) => ({
      integration: integrationViewFor(
        actorOf(request).role,
        await testConnection(rt, actorFor(request), name),
      ),
    }),
  );

  if (Object.keys(integration.streams).length > 0) {
    app.post(
      `${base}/sync`,
      {
        config: { access: 'member' },
        schema: {
          tags: ['sync'],
          summary: `Start a ${integration.displayName} sync (${Object.keys(integration.streams).join(', ')}); 409 while one runs`,
          body: syncBody.nullish(),
          response: {
            202: z.object({ runId: z.string(), run: syncRunSchema }),
            404: errorSchema,
            409: errorSchema,
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const actor = actorOf(request);
        const body = request.body ?? {};
        const run = await enqueueSync(rt, rt.jobs, actor.workspaceId, name, {
          trigger: triggerOf(actor),
          ...(body.streams ? { streams: body.streams } : {}),
          ...(body.full ? { full: true } : {}),
          actorId: actor.userId ?? actor.apiKeyId,
        });
        return reply.status(202).send({ runId: run.id, run });
      },
    );
  }
}
