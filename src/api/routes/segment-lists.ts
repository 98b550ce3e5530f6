import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '../../audit/index.js';
import { auditActorOf } from '../../auth/index.js';
import { integrations } from '../../integrations/index.js';
import { enqueueDueListSyncs } from '../../jobs/index.js';
import {
  autoListsOf,
  disableAutoList,
  enableAutoList,
  getListRun,
  listRuns,
  listRunsOfSegment,
  planListSync,
  rollbackListRun,
  runListSync,
} from '../../segments/index.js';
import { actorOf } from '../plugins/auth.js';
import { errorResponses, errorSchema, idParams } from '../schemas.js';

/** Registered destinations; one without lists answers 400 `lists_unsupported`. */
const DESTINATIONS = integrations.filter((i) => i.destination).map((i) => i.name) as [string, ...string[]];

const syncBody = z.strictObject({
  destination: z.enum(DESTINATIONS).describe('the CRM that holds the list'),
  listName: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .describe('the list in the CRM (found by name, created when missing); default "Beton: <segment name>"'),
});

const member = z.object({ accountId: z.string(), domain: z.string(), name: z.string() });

const planSchema = z.object({
  segment: z.object({ id: z.string(), name: z.string() }),
  destination: z.string(),
  listName: z.string(),
  listId: z.string().nullable().describe('null: the list does not exist yet (a run creates it)'),
  add: z.array(member.extend({ recordId: z.string() })),
  remove: z.array(z.object({ entryId: z.string(), recordId: z.string() })),
  missing: z.array(member).describe('members the CRM has no company for: push the companies first'),
  unchanged: z.number(),
});

const runSchema = z.object({
  id: z.string(),
  segmentId: z.string(),
  destination: z.string(),
  listId: z.string().nullable(),
  listName: z.string(),
  kind: z.enum(['sync', 'rollback']),
  trigger: z.enum(['manual', 'auto']).describe('auto: started after a score run changed the segment'),
  rollbackOf: z.string().nullable(),
  status: z.enum(['running', 'succeeded', 'partial', 'failed', 'rolled_back']),
  added: z.number(),
  removed: z.number(),
  missing: z.number(),
  failed: z.number(),
  error: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});

const autoListSchema = z.object({
  segmentId: z.string(),
  destination: z.string(),
  listName: z.string(),
  due: z.boolean().describe('the segment changed since the last automatic sync started (a sync is queued)'),
  syncedChangeAt: z
    .string()
    .nullable()
    .describe("the segment's last membership change the last automatic sync covered"),
  enabledBy: z.string().nullable(),
  enabledAt: z.string(),
});

const autoListParams = z.strictObject({
  id: z.string().min(1).max(200),
  destination: z.enum(DESTINATIONS),
});

/**
 * A segment kept in step with a list in a CRM: plan (dry run), run, history, rollback; and lists a
 * segment keeps in sync by itself after each score run that changes it.
 */
export const segmentListRoutes: FastifyPluginAsyncZod = async (app) => {
  const rt = app.runtime;
  const db = () => rt.db.kysely;

  app.post(
    '/segments/:id/list-sync/plan',
    {
      config: { access: 'member' },
      schema: {
        tags: ['segments'],
        summary: 'Dry run: what syncing the segment to a CRM list would add and remove (nothing written)',
        params: idParams,
        body: syncBody,
        response: { 200: planSchema, 404: errorSchema, ...errorResponses },
      },
    },
    async (request) => planListSync(rt, actorOf(request).workspaceId, request.params.id, request.body),
  );

  app.post(
    '/segments/:id/list-sync',
    {
      config: { access: 'member' },
      schema: {
        tags: ['segments'],
        summary:
          'Sync the segment to a CRM list now: members missing from the list are added, companies that left are removed',
        params: idParams,
        body: syncBody,
        response: { 200: runSchema, 404: errorSchema, 409: errorSchema, ...errorResponses },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const run = await runListSync(rt, actor.workspaceId, request.params.id, request.body, actor.userId);
      await recordAudit(
        db(),
        actor.workspaceId,
        auditActorOf(actor),
        'segment.list_sync',
        {
          targetType: 'segment',
          targetId: run.segmentId,
          details: {
            run: run.id,
            destination: run.destination,
            list: run.listName,
            added: run.added,
            removed: run.removed,
          },
        },
        rt.clock,
      );
      return run;
    },
  );

  app.get(
    '/segments/:id/list-runs',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['segments'],
        summary: "The segment's list syncs and rollbacks, newest first",
        params: idParams,
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
        response: { 200: z.object({ items: z.array(runSchema) }), 404: errorSchema, ...errorResponses },
      },
    },
    async (request) => ({
      items: await listRunsOfSegment(
        db(),
        actorOf(request).workspaceId,
        request.params.id,
        request.query.limit,
      ),
    }),
  );

  app.get(
    '/segment-list-runs',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['segments'],
        summary: "The workspace's list syncs and rollbacks across segments, newest first",
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
        response: { 200: z.object({ items: z.array(runSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await listRuns(db(), actorOf(request).workspaceId, request.query.limit) }),
  );

  app.get(
    '/segment-list-runs/:id',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['segments'],
        summary: 'One list sync or rollback',
        params: idParams,
        response: { 200: runSchema, 404: errorSchema, ...errorResponses },
      },
    },
    async (request) => getListRun(db(), actorOf(request).workspaceId, request.params.id),
  );

  app.post(
    '/segment-list-runs/:id/rollback',
    {
      config: { access: 'member' },
      schema: {
        tags: ['segments'],
        summary: 'Undo a list sync: the entries it added come off, the companies it removed go back',
        params: idParams,
        response: { 200: runSchema, 404: errorSchema, 409: errorSchema, ...errorResponses },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const run = await rollbackListRun(rt, actor.workspaceId, request.params.id, actor.userId);
      await recordAudit(
        db(),
        actor.workspaceId,
        auditActorOf(actor),
        'segment.list_rollback',
        { targetType: 'segment', targetId: run.segmentId, details: { run: run.id, of: request.params.id } },
        rt.clock,
      );
      return run;
    },
  );

  app.get(
    '/segments/:id/auto-lists',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['segments'],
        summary: 'The CRM lists this segment keeps in sync by itself after score runs',
        params: idParams,
        response: { 200: z.object({ items: z.array(autoListSchema) }), 404: errorSchema, ...errorResponses },
      },
    },
    async (request) => ({ items: await autoListsOf(db(), actorOf(request).workspaceId, request.params.id) }),
  );

  app.put(
    '/segments/:id/auto-lists/:destination',
    {
      config: { access: 'member' },
      schema: {
        tags: ['segments'],
        summary:
          'Keep the segment in sync with a CRM list by itself: a sync now, then after every score run that changes who is in it',
        params: autoListParams,
        body: z.strictObject({ listName: syncBody.shape.listName }),
        response: { 200: autoListSchema, 404: errorSchema, ...errorResponses },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { id, destination } = request.params;
      const kept = await enableAutoList(
        rt,
        actor.workspaceId,
        id,
        { destination, ...(request.body.listName ? { listName: request.body.listName } : {}) },
        actor.userId,
      );
      await recordAudit(
        db(),
        actor.workspaceId,
        auditActorOf(actor),
        'segment.auto_list_enable',
        { targetType: 'segment', targetId: kept.segmentId, details: { destination, list: kept.listName } },
        rt.clock,
      );
      await enqueueDueListSyncs(rt.jobs, db(), actor.workspaceId);
      return kept;
    },
  );

  app.delete(
    '/segments/:id/auto-lists/:destination',
    {
      config: { access: 'member' },
      schema: {
        tags: ['segments'],
        summary: 'Stop keeping the list in sync by itself (the list and its run history stay)',
        params: autoListParams,
        response: { 200: autoListSchema, 404: errorSchema, ...errorResponses },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { id, destination } = request.params;
      const stopped = await disableAutoList(db(), actor.workspaceId, id, destination);
      await recordAudit(
        db(),
        actor.workspaceId,
        auditActorOf(actor),
        'segment.auto_list_disable',
        {
          targetType: 'segment',
          targetId: stopped.segmentId,
          details: { destination, list: stopped.listName },
        },
        rt.clock,
      );
      return stopped;
    },
  );
};
