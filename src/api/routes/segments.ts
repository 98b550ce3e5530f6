import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '../../audit/index.js';
import { auditActorOf } from '../../auth/index.js';
import { enqueueDueListSyncs } from '../../jobs/index.js';
import { accountFilter, accountFilterShape } from '../../scoring/index.js';
import {
  createSegment,
  deleteSegment,
  type ExportOptions,
  evaluateSegment,
  exportAccounts,
  exportColumnsParam,
  exportFileName,
  exportFormat,
  findSegment,
  listSegments,
  type Segment,
  segmentHistory,
  segmentInput,
  segmentMembers,
  segmentPatch,
  updateSegment,
} from '../../segments/index.js';
import { actorOf } from '../plugins/auth.js';
import { errorResponses, errorSchema, idParams } from '../schemas.js';

const grade = z.enum(['M100', 'M75', 'M50', 'M25', 'M10']);

const segmentSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  filter: accountFilter,
  memberCount: z.number().describe('members at the last evaluation'),
  evaluatedAt: z.string().nullable().describe('when membership was last evaluated (after each score run)'),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const memberSchema = z.object({
  id: z.string(),
  name: z.string(),
  domain: z.string(),
  grade: grade.nullable(),
  score: z.number().nullable(),
  health: z.number().nullable(),
  expansion: z.number().nullable(),
  churnRisk: z.number().nullable(),
  fit: z.number().nullable(),
  enteredAt: z.string(),
});

const exportQuery = z
  .object({
    ...accountFilterShape,
    segment: z.string().min(1).max(200).optional().describe('a saved segment (id or name), evaluated now'),
    format: exportFormat,
    columns: exportColumnsParam,
  })
  .strict();

const exportResponse = {
  200: z.string().describe('CSV (text/csv, RFC 4180) or JSON lines (application/x-ndjson), streamed'),
  ...errorResponses,
};

/** Send an export as a streamed download. */
function sendExport(reply: FastifyReply, options: ExportOptions, body: AsyncGenerator<string>, file: string) {
  return reply
    .header('content-type', options.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
    .header('content-disposition', `attachment; filename="${file}"`)
    .header('cache-control', 'no-store')
    .send(Readable.from(body));
}

/**
 * Saved segments (CRUD, members, history, export) and the accounts export. Reads are for viewers;
 * saving, changing and deleting a segment is for members and above, and is audited.
 */
export const segmentRoutes: FastifyPluginAsyncZod = async (app) => {
  const rt = app.runtime;
  const db = () => rt.db.kysely;

  app.get(
    '/segments',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['segments'],
        summary: 'Saved segments of this workspace with their member counts',
        response: { 200: z.object({ items: z.array(segmentSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await listSegments(db(), actorOf(request).workspaceId) }),
  );

  app.post(
    '/segments',
    {
      config: { access: 'member' },
      schema: {
        tags: ['segments'],
        summary: 'Save a filter as a segment (evaluated at once; then after every score run)',
        body: segmentInput,
        response: { 201: segmentSchema, 409: errorSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const now = rt.clock.now();
      const created = await createSegment(
        db(),
        actor.workspaceId,
        request.body,
        actor.userId,
        now.toISOString(),
      );
      await evaluateSegment(db(), actor.workspaceId, created, now);
      await recordAudit(
        db(),
        actor.workspaceId,
        auditActorOf(actor),
        'segment.create',
        {
          targetType: 'segment',
          targetId: created.id,
          details: { name: created.name, filter: created.filter },
        },
        rt.clock,
      );
      return reply.code(201).send(await findSegment(db(), actor.workspaceId, created.id));
    },
  );

  app.get(
    '/segments/:id',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['segments'],
        summary: 'One segment (by id or name)',
        params: idParams,
        response: { 200: segmentSchema, 404: errorSchema, ...errorResponses },
      },
    },
    async (request) => findSegment(db(), actorOf(request).workspaceId, request.params.id),
  );

  app.patch(
    '/segments/:id',
    {
      config: { access: 'member' },
      schema: {
        tags: ['segments'],
        summary: 'Rename, describe or change the filter of a segment (a new filter is evaluated at once)',
        params: idParams,
        body: segmentPatch,
        response: { 200: segmentSchema, 404: errorSchema, 409: errorSchema, ...errorResponses },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const now = rt.clock.now();
      let segment: Segment = await updateSegment(
        db(),
        actor.workspaceId,
        request.params.id,
        request.body,
        now.toISOString(),
      );
      if (request.body.filter) {
        await evaluateSegment(db(), actor.workspaceId, segment, now);
        segment = await findSegment(db(), actor.workspaceId, segment.id);
        // A list the segment keeps follows the new membership now, not at the worker's next check.
        await enqueueDueListSyncs(rt.jobs, db(), actor.workspaceId);
      }
      await recordAudit(
        db(),
        actor.workspaceId,
        auditActorOf(actor),
        'segment.update',
        { targetType: 'segment', targetId: segment.id, details: { ...request.body } },
        rt.clock,
      );
      return segment;
    },
  );

  app.delete(
    '/segments/:id',
    {
      config: { access: 'member' },
      schema: {
        tags: ['segments'],
        summary: 'Delete a segment and its membership history',
        params: idParams,
        response: { 204: z.null(), 404: errorSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const deleted = await deleteSegment(db(), actor.workspaceId, request.params.id);
      await recordAudit(
        db(),
        actor.workspaceId,
        auditActorOf(actor),
        'segment.delete',
        { targetType: 'segment', targetId: deleted.id, details: { name: deleted.name } },
        rt.clock,
      );
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/segments/:id/accounts',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['segments'],
        summary: 'Current members with when they entered, newest first (`since`: only those entered since)',
        params: idParams,
        querystring: z.strictObject({
          since: z
            .string()
            .regex(/^\d{4}-\d{2}-\d{2}(T[0-9:.]+Z?)?$/, 'a date (2026-01-31) or an ISO time')
            .optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          cursor: z.string().max(500).optional(),
        }),
        response: {
          200: z.object({
            segment: segmentSchema,
            items: z.array(memberSchema),
            nextCursor: z.string().nullable(),
          }),
          404: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (request) => segmentMembers(db(), actorOf(request).workspaceId, request.params.id, request.query),
  );

  app.get(
    '/segments/:id/history',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['segments'],
        summary: 'Members per day with entries and exits (a trend), and the latest enter / leave events',
        params: idParams,
        querystring: z.strictObject({ days: z.coerce.number().int().min(1).max(366).default(30) }),
        response: {
          200: z.object({
            segment: segmentSchema,
            days: z.array(
              z.object({ day: z.string(), members: z.number(), entered: z.number(), left: z.number() }),
            ),
            events: z.array(
              z.object({
                accountId: z.string(),
                name: z.string(),
                kind: z.enum(['entered', 'left']),
                at: z.string(),
              }),
            ),
          }),
          404: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (request) =>
      segmentHistory(db(), actorOf(request).workspaceId, request.params.id, {
        days: request.query.days,
        now: rt.clock.now(),
      }),
  );

  app.get(
    '/segments/:id/export',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['segments'],
        summary: 'Download the current members as CSV or JSON lines (streamed; columns chosen)',
        params: idParams,
        querystring: z.strictObject({ format: exportFormat, columns: exportColumnsParam }),
        response: { ...exportResponse, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const ws = actorOf(request).workspaceId;
      const segment = await findSegment(db(), ws, request.params.id);
      const now = rt.clock.now();
      const options: ExportOptions = {
        filters: [],
        segmentId: segment.id,
        columns: request.query.columns,
        format: request.query.format,
        now,
      };
      return sendExport(
        reply,
        options,
        exportAccounts(db(), ws, options),
        exportFileName(segment.name, options.format, now),
      );
    },
  );

  app.get(
    '/accounts/export',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['accounts'],
        summary: 'Download accounts (the list filters, or a segment) as CSV or JSON lines, streamed',
        querystring: exportQuery,
        response: { ...exportResponse, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const ws = actorOf(request).workspaceId;
      const { segment: segmentRef, format, columns, ...filter } = request.query;
      const segment = segmentRef ? await findSegment(db(), ws, segmentRef) : null;
      const now = rt.clock.now();
      const options: ExportOptions = {
        filters: segment ? [filter, segment.filter] : [filter],
        columns,
        format,
        now,
      };
      return sendExport(
        reply,
        options,
        exportAccounts(db(), ws, options),
        exportFileName(segment?.name ?? null, format, now),
      );
    },
  );
};
