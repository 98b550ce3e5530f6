import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '../../audit/index.js';
import { auditActorOf } from '../../auth/index.js';
import { enqueueScore } from '../../jobs/index.js';
import {
  getScoreRun,
  getScoringSettings,
  icpSchema,
  listScoreRuns,
  updateScoringSettings,
} from '../../scoring/index.js';
import { actorOf, triggerOf } from '../plugins/auth.js';
import { errorResponses, errorSchema, idParams } from '../schemas.js';

const runSchema = z.object({
  id: z.string(),
  status: z.enum(['running', 'succeeded', 'failed']),
  mode: z.enum(['full', 'incremental']),
  trigger: z.string(),
  actorId: z.string().nullable(),
  stage: z.string().nullable(),
  progress: z
    .object({ stage: z.string(), done: z.number(), total: z.number(), detail: z.string().optional() })
    .nullable(),
  counts: z.record(z.string(), z.unknown()),
  error: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});

const settingsSchema = z.object({
  halfLifeDays: z.number(),
  saturation: z.number(),
  targetEventsPerUser: z.number(),
  icp: icpSchema.nullable(),
});

/** Score runs (start one, follow it) and the scoring settings (ICP, decay). */
export const scoringRoutes: FastifyPluginAsyncZod = async (app) => {
  const rt = app.runtime;
  const db = () => rt.db.kysely;

  app.post(
    '/score-runs',
    {
      config: { access: 'member' },
      schema: {
        tags: ['scoring'],
        summary:
          'Start a score run: ingest synced records, detect signals, score, backtest (answers at once; poll the run)',
        body: z
          .strictObject({ mode: z.enum(['auto', 'full', 'incremental']).default('auto') })
          .default({ mode: 'auto' }),
        response: { 202: z.object({ run: runSchema }), 409: errorSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      // Opened here, executed by whichever worker takes the job.
      const run = await enqueueScore(rt, rt.jobs, actor.workspaceId, {
        mode: request.body.mode,
        trigger: triggerOf(actor),
        actorId: actor.userId,
      });
      await recordAudit(
        db(),
        actor.workspaceId,
        auditActorOf(actor),
        'score.run',
        { targetType: 'score_run', targetId: run.id },
        rt.clock,
      );
      return reply.status(202).send({ run });
    },
  );

  app.get(
    '/score-runs',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['scoring'],
        summary: 'Recent score runs, newest first',
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(20) }),
        response: { 200: z.object({ runs: z.array(runSchema) }), ...errorResponses },
      },
    },
    async (request) => ({
      runs: await listScoreRuns(db(), actorOf(request).workspaceId, request.query.limit),
    }),
  );

  app.get(
    '/score-runs/:id',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['scoring'],
        summary: 'One score run: status, stage, progress, counts, timings',
        params: idParams,
        response: { 200: z.object({ run: runSchema }), 404: errorSchema, ...errorResponses },
      },
    },
    async (request) => ({ run: await getScoreRun(db(), actorOf(request).workspaceId, request.params.id) }),
  );

  app.get(
    '/scoring/settings',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['scoring'],
        summary: 'Scoring settings: ideal customer profile, decay half-life, saturation',
        response: { 200: z.object({ settings: settingsSchema }), ...errorResponses },
      },
    },
    async (request) => ({
      settings: await getScoringSettings(db(), actorOf(request).workspaceId, rt.clock.now().toISOString()),
    }),
  );

  app.put(
    '/scoring/settings',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['scoring'],
        summary: 'Change scoring settings (fields not sent keep their value; the next run uses them)',
        body: z.strictObject({
          halfLifeDays: z.number().optional(),
          saturation: z.number().optional(),
          targetEventsPerUser: z.number().optional(),
          icp: icpSchema.nullable().optional(),
        }),
        response: { 200: z.object({ settings: settingsSchema }), ...errorResponses },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const settings = await updateScoringSettings(
        db(),
        actor.workspaceId,
        request.body,
        rt.clock.now().toISOString(),
      );
      await recordAudit(
        db(),
        actor.workspaceId,
        auditActorOf(actor),
        'scoring.settings',
        { targetType: 'scoring', details: { ...request.body } },
        rt.clock,
      );
      return { settings };
    },
  );
};
