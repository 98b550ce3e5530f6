import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActorOf } from '../../auth/index.js';
import { enqueuePush, enqueueRollback } from '../../jobs/index.js';
import {
  getPushRun,
  listPushRejects,
  listPushRuns,
  PUSH_DESTINATIONS,
  planPush,
  withScoresSource,
} from '../../push/index.js';
import { actorOf, triggerOf } from '../plugins/auth.js';
import { errorResponses, errorSchema, idParams } from '../schemas.js';

const value = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const actionSchema = z.enum(['create', 'update', 'unchanged', 'reject']);

const countsSchema = z.object({
  planned: z.number(),
  created: z.number(),
  updated: z.number(),
  unchanged: z.number(),
  rejected: z.number(),
  skipped: z.number(),
  notes: z.number(),
  writes: z.number().describe('Write calls made to the destination'),
  attributesCreated: z.number(),
});

/** A push or rollback run. */
export const pushRunSchema = z.object({
  id: z.string(),
  destination: z.string(),
  kind: z.enum(['push', 'rollback']),
  status: z.enum(['running', 'succeeded', 'partial', 'failed']),
  trigger: z.string(),
  actor: z.object({ type: z.string().nullable(), id: z.string().nullable() }),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  rollbackOf: z.string().nullable(),
  rolledBackBy: z.string().nullable(),
  counts: countsSchema,
  error: z.string().nullable(),
});

const changeSchema = z.object({ attribute: z.string(), before: value, after: value });

const runItemSchema = z.object({
  id: z.number(),
  key: z.string().describe('The record key: the company domain'),
  accountId: z.string().nullable(),
  recordId: z.string().nullable(),
  action: z.string(),
  status: z.enum(['written', 'rejected', 'skipped']),
  changes: z.array(changeSchema),
  reason: z.string().nullable(),
  createdAt: z.string(),
});

const planItemSchema = z.object({
  key: z.string(),
  accountId: z.string(),
  name: z.string(),
  action: actionSchema,
  recordId: z.string().nullable(),
  changes: z.array(changeSchema),
  kept: z.array(
    z.object({
      attribute: z.string(),
      current: value,
      wanted: value,
      reason: z.enum(['set_by_person', 'not_empty']),
    }),
  ),
  reason: z.string().optional(),
  retry: z.object({ reason: z.string(), attempts: z.number() }).optional(),
  notes: z.array(z.object({ key: z.string(), title: z.string(), priority: z.string(), firedAt: z.string() })),
});

const planSchema = z.object({
  destination: z.string(),
  generatedAt: z.string(),
  attributes: z.object({
    create: z.array(z.object({ attribute: z.string(), type: z.string(), policy: z.string() })),
    conflicts: z.array(z.object({ attribute: z.string(), expected: z.string(), actual: z.string() })),
  }),
  summary: z.object({
    accounts: z.number(),
    creates: z.number(),
    updates: z.number(),
    unchanged: z.number(),
    rejects: z.number(),
    retries: z.number(),
    keptFields: z.number(),
    notes: z.number(),
    writes: z.number().describe('Write calls a run would make'),
  }),
  items: z.array(planItemSchema),
  itemsTotal: z.number().describe('Items matching `actions` before `itemLimit`'),
});

const destinationParams = z.strictObject({ destination: z.enum(PUSH_DESTINATIONS as [string, ...string[]]) });

/** Plan (dry run), run, history, items, rejects and rollback of pushes to a CRM. */
export const pushRoutes: FastifyPluginAsyncZod = async (app) => {
  const rt = app.runtime;
  const deps = withScoresSource(rt);

  app.post(
    '/push/:destination/plan',
    {
      config: { access: 'member' },
      schema: {
        tags: ['push'],
        summary: 'Dry run: what a push would write, record by record (nothing is written)',
        params: destinationParams,
        body: z
          .strictObject({
            full: z
              .boolean()
              .optional()
              .describe('Compare every record, not only those changed since the last push'),
            actions: z
              .array(actionSchema)
              .optional()
              .describe('Items to list (default: create, update, reject)'),
            itemLimit: z.number().int().min(0).max(5000).optional().describe('Items to list (default 200)'),
          })
          .default({}),
        response: {
          200: z.object({ plan: planSchema }),
          404: errorSchema,
          409: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      const plan = await planPush(deps, ws, request.params.destination, { full: request.body.full === true });
      const actions = new Set(request.body.actions ?? ['create', 'update', 'reject']);
      const items = plan.items.filter((i) => actions.has(i.action));
      return {
        plan: {
          ...plan,
          attributes: {
            create: plan.attributes.create.map((m) => ({
              attribute: m.attribute,
              type: m.type,
              policy: m.policy,
            })),
            conflicts: plan.attributes.conflicts,
          },
          items: items.slice(0, request.body.itemLimit ?? 200).map((i) => ({
            key: i.key,
            accountId: i.accountId,
            name: i.name,
            action: i.action,
            recordId: i.recordId,
            changes: i.changes,
            kept: i.kept,
            ...(i.reason ? { reason: i.reason } : {}),
            ...(i.retry ? { retry: i.retry } : {}),
            notes: i.notes.map((n) => ({
              key: n.key,
              title: n.title,
              priority: n.priority,
              firedAt: n.firedAt,
            })),
          })),
          itemsTotal: items.length,
        },
      };
    },
  );

  app.post(
    '/push/:destination/run',
    {
      config: { access: 'member' },
      schema: {
        tags: ['push'],
        summary: 'Start a push run (202): a worker executes it; follow it at GET /push-runs/:id',
        params: destinationParams,
        body: z
          .strictObject({
            full: z
              .boolean()
              .optional()
              .describe('Compare every record, not only those changed since the last push'),
          })
          .default({}),
        response: {
          202: z.object({ run: pushRunSchema }),
          404: errorSchema,
          409: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      // Opened here (so it is answered at once), executed by whichever worker takes its job.
      const runId = await enqueuePush(rt, rt.jobs, actor.workspaceId, request.params.destination, {
        trigger: triggerOf(actor),
        actor: auditActorOf(actor),
        full: request.body.full === true,
      });
      const { run } = await getPushRun(rt, actor.workspaceId, runId, { limit: 0 });
      return reply.status(202).send({ run });
    },
  );

  app.get(
    '/push/:destination/rejects',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['push'],
        summary: 'Records the destination refused, with the reason; the next run retries them',
        params: destinationParams,
        response: {
          200: z.object({
            rejects: z.array(
              z.object({
                key: z.string(),
                accountId: z.string().nullable(),
                code: z.string(),
                reason: z.string(),
                attempts: z.number(),
                firstSeenAt: z.string(),
                lastSeenAt: z.string(),
                runId: z.string(),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => ({
      rejects: await listPushRejects(rt, actorOf(request).workspaceId, request.params.destination),
    }),
  );

  app.get(
    '/push-runs',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['push'],
        summary: 'Push and rollback runs, newest first; page with `before` = the last `startedAt` seen',
        querystring: z.strictObject({
          destination: z.string().max(40).optional(),
          before: z.string().max(40).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: { 200: z.object({ runs: z.array(pushRunSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ runs: await listPushRuns(rt, actorOf(request).workspaceId, request.query) }),
  );

  app.get(
    '/push-runs/:id',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['push'],
        summary:
          'One run with what it did per record (before → after); page items with `after` = the last id',
        params: idParams,
        querystring: z.strictObject({
          after: z.coerce.number().int().min(0).optional(),
          limit: z.coerce.number().int().min(0).max(1000).default(100),
          status: z.enum(['written', 'rejected', 'skipped']).optional(),
        }),
        response: {
          200: z.object({ run: pushRunSchema, items: z.array(runItemSchema) }),
          404: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (request) =>
      getPushRun(rt, actorOf(request).workspaceId, request.params.id, {
        limit: request.query.limit,
        ...(request.query.after !== undefined ? { afterId: request.query.after } : {}),
        ...(request.query.status ? { status: request.query.status } : {}),
      }),
  );

  app.post(
    '/push-runs/:id/rollback',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['push'],
        summary: 'Undo a push run (202): its fields return to their earlier values unless changed since',
        params: idParams,
        response: {
          202: z.object({ run: pushRunSchema }),
          404: errorSchema,
          409: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const runId = await enqueueRollback(rt, rt.jobs, actor.workspaceId, request.params.id, {
        trigger: triggerOf(actor),
        actor: auditActorOf(actor),
      });
      const { run } = await getPushRun(rt, actor.workspaceId, runId, { limit: 0 });
      return reply.status(202).send({ run });
    },
  );
};
