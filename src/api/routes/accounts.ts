import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  accountLinks,
  linkRecord,
  listOwners,
  unlinkRecord,
  unresolvedRecords,
} from '../../accounts/index.js';
import { withAccountSnoozes } from '../../alerts/index.js';
import { recordAudit } from '../../audit/index.js';
import { auditActorOf } from '../../auth/index.js';
import {
  accountDetail,
  accountListQuery,
  gradeCounts,
  listAccounts,
  scoreTrends,
} from '../../scoring/index.js';
import { findSegment } from '../../segments/index.js';
import { actorOf } from '../plugins/auth.js';
import { errorResponses, errorSchema, idParams, snoozeSchema } from '../schemas.js';

const grade = z.enum(['M100', 'M75', 'M50', 'M25', 'M10']);
const topSignal = z.object({ key: z.string(), title: z.string(), direction: z.string(), share: z.number() });

const owner = z.object({ email: z.string(), name: z.string().nullable() });

const listItem = z.object({
  id: z.string(),
  name: z.string(),
  domain: z.string(),
  linkCount: z.number(),
  owner: owner.nullable().describe("the account's owner in a CRM (e-mail and name), or null"),
  health: z.number().nullable(),
  expansion: z.number().nullable(),
  churnRisk: z.number().nullable(),
  fit: z.number().nullable(),
  score: z.number().nullable(),
  grade: grade.nullable(),
  topSignals: z.array(topSignal),
  scoredAt: z.string().nullable(),
  trend: z
    .array(z.object({ day: z.string(), score: z.number() }))
    .describe('Daily overall score over the last 30 days, oldest first (for a sparkline)'),
});

const linkSchema = z.object({
  integration: z.string(),
  stream: z.string(),
  externalId: z.string(),
  status: z.string(),
  method: z.string(),
  via: z.string().nullable(),
  conflict: z.unknown(),
  linkedAt: z.string(),
  manual: z.boolean(),
});

const driver = z.object({
  key: z.string(),
  title: z.string(),
  direction: z.string(),
  contribution: z.number(),
  share: z.number().describe('percent of this score'),
  strength: z.number(),
  ageDays: z.number(),
  explanation: z.string().nullable(),
});

const detailSchema = z.object({
  account: z.object({
    id: z.string(),
    name: z.string(),
    nameSource: z.string(),
    domain: z.string(),
    signupAt: z.string().nullable(),
    linkCount: z.number(),
    owner: owner
      .extend({ source: z.string().nullable().describe('the integration that named them') })
      .nullable()
      .describe("the account's owner in a CRM, or null"),
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
  scores: z
    .object({
      health: z.number(),
      expansion: z.number(),
      churnRisk: z.number(),
      fit: z.number().nullable(),
      score: z.number(),
      grade,
      scoredAt: z.string(),
      topSignals: z.array(topSignal),
      explanation: z
        .object({
          summary: z.string(),
          expansion: z.object({ score: z.number(), drivers: z.array(driver) }),
          churnRisk: z.object({ score: z.number(), drivers: z.array(driver) }),
          health: z.object({
            score: z.number(),
            engagement: z.number().nullable(),
            sentiment: z.number(),
            engagementDetail: z
              .object({ activeWeeks: z.number(), events28: z.number(), users: z.number() })
              .nullable(),
          }),
          fit: z.object({
            score: z.number().nullable(),
            reason: z.string().nullable(),
            criteria: z.array(z.unknown()),
          }),
          overall: z.object({
            score: z.number(),
            grade,
            weights: z.object({ health: z.number(), expansion: z.number(), fit: z.number() }),
          }),
        })
        .passthrough(),
    })
    .nullable(),
  signals: z.array(
    z.object({
      id: z.number(),
      key: z.string(),
      title: z.string(),
      direction: z.string().nullable(),
      origin: z.string(),
      occurredAt: z.string(),
      firstSeenAt: z.string(),
      lastSeenAt: z.string(),
      strength: z.number(),
      evidence: z.record(z.string(), z.unknown()),
      explanation: z.string(),
      snooze: snoozeSchema
        .nullable()
        .describe("the snooze in force on this account's alerts for this signal"),
    }),
  ),
  snoozes: z
    .array(snoozeSchema)
    .describe("every snooze in force on this account's alerts, also for signals not in the timeline"),
  links: z.array(linkSchema),
  crmLinks: z
    .array(z.object({ integration: z.string(), label: z.string(), recordId: z.string(), url: z.string() }))
    .describe("the account's company record in each connected CRM, as a link into its app"),
  history: z.array(
    z.object({
      day: z.string(),
      health: z.number(),
      expansion: z.number(),
      churnRisk: z.number(),
      fit: z.number().nullable(),
      score: z.number(),
      grade: z.string(),
    }),
  ),
});

const recordKey = z.strictObject({
  integration: z.string().min(1).max(50),
  stream: z.string().min(1).max(50),
  externalId: z.string().min(1).max(500),
});

/** Accounts: the list with scores, one account's picture, and manual link / unlink of records. */
export const accountRoutes: FastifyPluginAsyncZod = async (app) => {
  const rt = app.runtime;
  const db = () => rt.db.kysely;

  app.get(
    '/accounts',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['accounts'],
        summary: 'List accounts with their scores (filter, search, sort, cursor pagination)',
        querystring: accountListQuery.extend({
          segment: z
            .string()
            .min(1)
            .max(200)
            .optional()
            .describe('a saved segment (id or name): only accounts its filter selects now'),
        }),
        response: {
          200: z.object({ items: z.array(listItem), nextCursor: z.string().nullable() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      const { segment: segmentRef, ...query } = request.query;
      const segment = segmentRef ? await findSegment(db(), ws, segmentRef) : null;
      const page = await listAccounts(db(), ws, query, {
        now: rt.clock.now(),
        also: segment ? [segment.filter] : [],
      });
      const trends = await scoreTrends(
        db(),
        ws,
        page.items.map((a) => a.id),
        { days: 30, now: rt.clock.now() },
      );
      return { ...page, items: page.items.map((a) => ({ ...a, trend: trends.get(a.id) ?? [] })) };
    },
  );

  app.get(
    '/accounts/summary',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['accounts'],
        summary: 'How many accounts there are, how many are scored, and how many hold each grade',
        response: {
          200: z.object({ total: z.number(), scored: z.number(), byGrade: z.record(z.string(), z.number()) }),
          ...errorResponses,
        },
      },
    },
    async (request) => gradeCounts(db(), actorOf(request).workspaceId),
  );

  app.get(
    '/accounts/owners',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['accounts'],
        summary:
          'Everyone who owns an account (from the CRMs), with how many: the choices of the owner filter',
        response: {
          200: z.object({ items: z.array(owner.extend({ accounts: z.number() })) }),
          ...errorResponses,
        },
      },
    },
    async (request) => ({ items: await listOwners(db(), actorOf(request).workspaceId) }),
  );

  app.get(
    '/accounts/unresolved',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['accounts'],
        summary: 'Source records that resolved to no account, with the reason (link them by hand)',
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
        response: {
          200: z.object({
            items: z.array(
              z.object({
                integration: z.string(),
                stream: z.string(),
                externalId: z.string(),
                status: z.string(),
                via: z.string().nullable(),
                reason: z.string().nullable(),
                linkedAt: z.string(),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => ({
      items: await unresolvedRecords(db(), actorOf(request).workspaceId, request.query.limit),
    }),
  );

  app.get(
    '/accounts/:id',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['accounts'],
        summary: 'One account: scores with their explanation, signal timeline, linked records, score history',
        params: idParams,
        querystring: z.strictObject({ historyDays: z.coerce.number().int().min(1).max(730).default(90) }),
        response: { 200: detailSchema, 404: errorSchema, ...errorResponses },
      },
    },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      const now = rt.clock.now();
      const detail = await accountDetail(db(), ws, request.params.id, {
        historyDays: request.query.historyDays,
        now,
        registry: rt.integrations,
      });
      return withAccountSnoozes(db(), ws, now, detail);
    },
  );

  app.post(
    '/accounts/:id/links',
    {
      config: { access: 'member' },
      schema: {
        tags: ['accounts'],
        summary:
          'Link a source record to this account by hand (its dependents follow; the next score run rescores)',
        params: idParams,
        body: recordKey,
        response: {
          200: z.object({ links: z.array(linkSchema), touched: z.array(z.string()) }),
          404: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const now = rt.clock.now().toISOString();
      const touched = await linkRecord(
        db(),
        actor.workspaceId,
        request.params.id,
        request.body,
        actor.userId,
        now,
      );
      await recordAudit(
        db(),
        actor.workspaceId,
        auditActorOf(actor),
        'account.link',
        {
          targetType: 'account',
          targetId: request.params.id,
          details: { ...request.body },
        },
        rt.clock,
      );
      return {
        links: await accountLinks(db(), actor.workspaceId, request.params.id),
        touched: [...touched].sort(),
      };
    },
  );

  app.delete(
    '/accounts/:id/links/:integration/:stream/:externalId',
    {
      config: { access: 'member' },
      schema: {
        tags: ['accounts'],
        summary: 'Unlink a source record from this account (it stays unlinked until linked again)',
        params: z.strictObject({
          id: z.string().min(1).max(200),
          integration: z.string().min(1).max(50),
          stream: z.string().min(1).max(50),
          externalId: z.string().min(1).max(500),
        }),
        response: {
          200: z.object({ links: z.array(linkSchema), touched: z.array(z.string()) }),
          404: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { id, ...key } = request.params;
      const touched = await unlinkRecord(
        db(),
        actor.workspaceId,
        id,
        key,
        actor.userId,
        rt.clock.now().toISOString(),
      );
      await recordAudit(
        db(),
        actor.workspaceId,
        auditActorOf(actor),
        'account.unlink',
        { targetType: 'account', targetId: id, details: key },
        rt.clock,
      );
      return { links: await accountLinks(db(), actor.workspaceId, id), touched: [...touched].sort() };
    },
  );
};
