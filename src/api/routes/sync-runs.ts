import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { runViewFor } from '../../connections/index.js';
import { DEFAULT_LEASE_MS, getRun, listRejects, listRuns, requestCancel } from '../../sync/index.js';
import { actorOf } from '../plugins/auth.js';
import { errorResponses, errorSchema, idParams } from '../schemas.js';

const countsSchema = z.object({
  pages: z.number(),
  read: z.number(),
  written: z.number(),
  unchanged: z.number(),
  deleted: z.number(),
  rejected: z.number(),
});

const runStatusSchema = z.enum(['queued', 'running', 'succeeded', 'partial', 'failed', 'canceled']);

/** A sync run: status, trigger, timings, counts, per-stream breakdown, an actionable error, warnings. */
export const syncRunSchema = z.object({
  id: z.string(),
  workspaceId: z.string(),
  connectionId: z.string(),
  integration: z.string(),
  trigger: z
    .string()
    .describe(
      'What started it: web (a signed-in person), api (an API key), cli, schedule, pipeline (the sync → score → enrich job)',
    ),
  status: runStatusSchema,
  fullRefresh: z.boolean(),
  requestedStreams: z.array(z.string()).nullable(),
  streams: z.record(
    z.string(),
    countsSchema.extend({
      status: z.enum(['pending', 'running', 'succeeded', 'partial', 'failed', 'canceled']),
      full: z.boolean(),
      startedAt: z.string().nullable(),
      finishedAt: z.string().nullable(),
      error: z.string().nullable(),
    }),
  ),
  counts: countsSchema,
  currentStream: z.string().nullable(),
  recordsPerSecond: z.number(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  warnings: z.array(
    z.object({
      stream: z.string(),
      kind: z.literal('reconciliation_drift'),
      message: z.string(),
      local: z.number(),
      upstream: z.number(),
    }),
  ),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  heartbeatAt: z.string(),
  cancelRequestedAt: z.string().nullable(),
});

/** Run history, progress, rejects and cancel. */
export const syncRunRoutes: FastifyPluginAsyncZod = async (app) => {
  const rt = app.runtime;

  app.get(
    '/sync-runs',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['sync'],
        summary: 'Sync runs, newest first; page with `before` = the last `createdAt` seen',
        querystring: z.strictObject({
          integration: z.string().max(40).optional(),
          status: runStatusSchema.optional(),
          before: z.string().max(40).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: { 200: z.object({ runs: z.array(syncRunSchema) }), ...errorResponses },
      },
    },
    async (request) => ({
      runs: (await listRuns(rt.db.kysely, actorOf(request).workspaceId, request.query, rt.clock.now())).map(
        (run) => runViewFor(actorOf(request).role, run),
      ),
    }),
  );

  app.get(
    '/sync-runs/:id',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['sync'],
        summary: 'One sync run with its progress, counts and per-stream breakdown',
        params: idParams,
        response: { 200: z.object({ run: syncRunSchema }), 404: errorSchema, ...errorResponses },
      },
    },
    async (request) => ({
      run: runViewFor(
        actorOf(request).role,
        await getRun(rt.db.kysely, actorOf(request).workspaceId, request.params.id, rt.clock.now()),
      ),
    }),
  );

  app.get(
    '/sync-runs/:id/rejects',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['sync'],
        summary:
          'Records a run rejected, with the reason and a scrubbed excerpt; page with `after` = the last id',
        params: idParams,
        querystring: z.strictObject({
          after: z.coerce.number().int().min(0).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
        response: {
          200: z.object({
            rejects: z.array(
              z.object({
                id: z.number(),
                stream: z.string(),
                externalId: z.string().nullable(),
                reason: z.string(),
                payloadExcerpt: z.string().nullable(),
                createdAt: z.string(),
              }),
            ),
          }),
          404: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (request) => ({
      rejects: await listRejects(rt.db.kysely, actorOf(request).workspaceId, request.params.id, {
        ...(request.query.after !== undefined ? { afterId: request.query.after } : {}),
        limit: request.query.limit,
      }),
    }),
  );

  app.post(
    '/sync-runs/:id/cancel',
    {
      config: { access: 'member' },
      schema: {
        tags: ['sync'],
        summary: 'Cancel a run: a queued run stops at once, a running one after its current page',
        params: idParams,
        response: {
          200: z.object({ run: syncRunSchema }),
          404: errorSchema,
          409: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (request) => ({
      run: await requestCancel(rt.db.kysely, actorOf(request).workspaceId, request.params.id, {
        now: rt.clock.now(),
        leaseMs: DEFAULT_LEASE_MS,
      }),
    }),
  );
};
