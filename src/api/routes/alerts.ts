import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  ALERT_STATUSES,
  alertRuleInput,
  alertRulePatch,
  alertRuleSpec,
  buildDigest,
  createAlertRule,
  createDigest,
  deleteAlertRule,
  deleteDigest,
  digestInput,
  digestPatch,
  digestSpec,
  enqueueDeliveries,
  findAlertRule,
  findDigest,
  getAlert,
  listAlertRules,
  listAlerts,
  listDigestRuns,
  listDigests,
  retryAlert,
  runDigest,
  signalVerdicts,
  updateAlertRule,
  updateDigest,
} from '../../alerts/index.js';
import { recordAudit } from '../../audit/index.js';
import { auditActorOf } from '../../auth/index.js';
import { actorOf } from '../plugins/auth.js';
import { errorResponses, errorSchema, idParams } from '../schemas.js';

const ruleSchema = alertRuleSpec.extend({
  id: z.string(),
  name: z.string(),
  enabled: z.boolean(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const alertSchema = z.object({
  id: z.string(),
  ruleId: z.string(),
  ruleName: z.string().nullable(),
  occurrenceId: z.number(),
  accountId: z.string(),
  accountName: z.string().nullable(),
  signalKey: z.string(),
  status: z.enum(ALERT_STATUSES),
  reason: z
    .string()
    .nullable()
    .describe(
      "the service's error code when failed (not_in_channel…, owner_unknown, owner_not_found); why when held (quiet_hours, snoozed, cooldown, over_cap)",
    ),
  errorMessage: z.string().nullable(),
  target: z
    .string()
    .nullable()
    .describe(
      "channel:<id>, or owner:<e-mail> (a direct message to the account's owner); null when the account has no owner to message",
    ),
  attempts: z.number(),
  notBefore: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  verdicts: z.array(z.object({ actor: z.string(), verdict: z.string() })),
  history: z.array(
    z.object({
      attempt: z.number(),
      status: z.string(),
      errorCode: z.string().nullable(),
      errorMessage: z.string().nullable(),
      retryAfterMs: z.number().nullable(),
      at: z.string(),
    }),
  ),
});

const digestSchema = digestSpec.extend({
  id: z.string(),
  name: z.string(),
  enabled: z.boolean(),
  lastPeriodEnd: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const digestAccount = z.object({
  accountId: z.string(),
  name: z.string(),
  domain: z.string(),
  grade: z.string().nullable(),
  score: z.number().nullable(),
  churnRisk: z.number().optional(),
  detail: z.string(),
  url: z.string(),
});
const digestSummarySchema = z.object({
  periodStart: z.string(),
  periodEnd: z.string(),
  counts: z.object({
    newAccounts: z.number(),
    newSignals: z.number(),
    escalating: z.number(),
    gradeChanges: z.number(),
    heldBack: z.number(),
  }),
  newAccounts: z.array(digestAccount),
  escalating: z.array(digestAccount),
  topChurnRisks: z.array(digestAccount),
  empty: z.boolean(),
});
const digestRunSchema = z.object({
  id: z.string(),
  digestId: z.string(),
  periodStart: z.string(),
  periodEnd: z.string(),
  status: z.enum(['sent', 'empty', 'failed', 'building']),
  summary: digestSummarySchema.nullable(),
  owners: z
    .array(
      z.object({
        email: z.string(),
        name: z.string().nullable(),
        counts: digestSummarySchema.shape.counts,
        sent: z.array(z.enum(['message', 'email'])),
        error: z.string().nullable(),
      }),
    )
    .optional()
    .describe('owner digests: each owner with news, where theirs went (nothing new for an owner: absent)'),
  error: z.string().nullable(),
  createdAt: z.string(),
});

/**
 * Alert rules (admins write, everyone reads), alert history with delivery status, the team's
 * verdicts per signal, and digests (schedule, preview, send now, runs).
 */
export const alertRoutes: FastifyPluginAsyncZod = async (app) => {
  const rt = app.runtime;
  const db = () => rt.db.kysely;
  const audit = async (
    request: Parameters<typeof actorOf>[0],
    action: string,
    id: string,
    details: object,
  ) => {
    const actor = actorOf(request);
    await recordAudit(
      db(),
      actor.workspaceId,
      auditActorOf(actor),
      action,
      { targetType: 'alert_rule', targetId: id, details: { ...details } },
      rt.clock,
    );
  };

  app.get(
    '/alerts/rules',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['alerts'],
        summary: 'Alert rules of this workspace',
        response: { 200: z.object({ items: z.array(ruleSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await listAlertRules(db(), actorOf(request).workspaceId) }),
  );

  app.post(
    '/alerts/rules',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['alerts'],
        summary: 'Create an alert rule (applies to occurrences that open from now on)',
        body: alertRuleInput,
        response: { 201: ruleSchema, 409: errorSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const rule = await createAlertRule(
        db(),
        actor.workspaceId,
        request.body,
        actor.userId,
        rt.clock.now().toISOString(),
      );
      await audit(request, 'alert_rule.create', rule.id, { name: rule.name });
      return reply.code(201).send(rule);
    },
  );

  app.get(
    '/alerts/rules/:id',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['alerts'],
        summary: 'One alert rule (by id or name)',
        params: idParams,
        response: { 200: ruleSchema, 404: errorSchema, ...errorResponses },
      },
    },
    async (request) => findAlertRule(db(), actorOf(request).workspaceId, request.params.id),
  );

  app.patch(
    '/alerts/rules/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['alerts'],
        summary: 'Change some fields of an alert rule (the rest stay)',
        params: idParams,
        body: alertRulePatch,
        response: { 200: ruleSchema, 404: errorSchema, 409: errorSchema, ...errorResponses },
      },
    },
    async (request) => {
      const rule = await updateAlertRule(
        db(),
        actorOf(request).workspaceId,
        request.params.id,
        request.body,
        rt.clock.now().toISOString(),
      );
      await audit(request, 'alert_rule.update', rule.id, { ...request.body });
      return rule;
    },
  );

  app.delete(
    '/alerts/rules/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['alerts'],
        summary: 'Delete an alert rule (its alert history stays)',
        params: idParams,
        response: { 204: z.null(), 404: errorSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const rule = await deleteAlertRule(db(), actorOf(request).workspaceId, request.params.id);
      await audit(request, 'alert_rule.delete', rule.id, { name: rule.name });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/alerts',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['alerts'],
        summary: 'Alert history, newest first: delivery status, attempts with the service error, verdicts',
        querystring: z.strictObject({
          status: z.enum(ALERT_STATUSES).optional(),
          ruleId: z.string().min(1).max(200).optional(),
          accountId: z.string().min(1).max(200).optional(),
          before: z
            .string()
            .min(1)
            .max(40)
            .optional()
            .describe('createdAt of the last alert of the previous page'),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: { 200: z.object({ items: z.array(alertSchema) }), ...errorResponses },
      },
    },
    async (request) => ({
      items: (await listAlerts(db(), actorOf(request).workspaceId, request.query)) as never,
    }),
  );

  app.get(
    '/alerts/verdicts',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['alerts'],
        summary: "The team's verdicts per signal (useful, not useful, snoozed) and the precision they imply",
        response: {
          200: z.object({
            items: z.array(
              z.object({
                signal: z.string(),
                useful: z.number(),
                notUseful: z.number(),
                snoozed: z.number(),
                teamPrecision: z.number().nullable(),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => ({ items: await signalVerdicts(db(), actorOf(request).workspaceId) }),
  );

  app.get(
    '/alerts/:id',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['alerts'],
        summary: 'One alert with its delivery attempts',
        params: idParams,
        response: { 200: alertSchema, 404: errorSchema, ...errorResponses },
      },
    },
    async (request) => getAlert(db(), actorOf(request).workspaceId, request.params.id),
  );

  app.post(
    '/alerts/:id/retry',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['alerts'],
        summary: 'Send a failed alert again (after fixing the cause, e.g. inviting the bot to the channel)',
        params: idParams,
        response: { 200: alertSchema, 404: errorSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { workspaceId } = actorOf(request);
      await retryAlert(db(), workspaceId, request.params.id, rt.clock.now());
      const alert = await getAlert(db(), workspaceId, request.params.id);
      if (alert.target) await enqueueDeliveries(rt.jobs, new Map([[workspaceId, new Set([alert.target])]]));
      return alert;
    },
  );

  app.get(
    '/alerts/digests',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['alerts'],
        summary: 'Digests of this workspace',
        response: { 200: z.object({ items: z.array(digestSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await listDigests(db(), actorOf(request).workspaceId) }),
  );

  app.post(
    '/alerts/digests',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['alerts'],
        summary: 'Schedule a daily or weekly digest to a channel and/or e-mail addresses',
        body: digestInput,
        response: { 201: digestSchema, 409: errorSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const digest = await createDigest(db(), actor.workspaceId, request.body, actor.userId, rt.clock.now());
      await audit(request, 'digest.create', digest.id, { name: digest.name });
      return reply.code(201).send(digest);
    },
  );

  app.patch(
    '/alerts/digests/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['alerts'],
        summary: 'Change a digest',
        params: idParams,
        body: digestPatch,
        response: { 200: digestSchema, 404: errorSchema, ...errorResponses },
      },
    },
    async (request) => {
      const digest = await updateDigest(
        db(),
        actorOf(request).workspaceId,
        request.params.id,
        request.body,
        rt.clock.now(),
      );
      await audit(request, 'digest.update', digest.id, { ...request.body });
      return digest;
    },
  );

  app.delete(
    '/alerts/digests/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['alerts'],
        summary: 'Delete a digest',
        params: idParams,
        response: { 204: z.null(), 404: errorSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const digest = await deleteDigest(db(), actorOf(request).workspaceId, request.params.id);
      await audit(request, 'digest.delete', digest.id, { name: digest.name });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/alerts/digests/:id/preview',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['alerts'],
        summary: 'What the digest would say now (since its last period), sending nothing',
        params: idParams,
        querystring: z.strictObject({
          owner: z
            .string()
            .email()
            .optional()
            .describe("only this owner's accounts: what their part of an owner digest would say"),
        }),
        response: { 200: digestSummarySchema, 404: errorSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { workspaceId } = actorOf(request);
      const digest = await findDigest(db(), workspaceId, request.params.id);
      return buildDigest(db(), workspaceId, {
        start: digest.lastPeriodEnd ?? digest.createdAt,
        end: rt.clock.now().toISOString(),
        topChurnRisks: digest.topChurnRisks,
        publicUrl: rt.config.BETON_PUBLIC_URL,
        ...(request.query.owner ? { owner: request.query.owner.toLowerCase() } : {}),
      });
    },
  );

  app.post(
    '/alerts/digests/:id/send',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['alerts'],
        summary: 'Send the digest now for the period since the last one (nothing new: nothing sent)',
        params: idParams,
        response: { 200: digestRunSchema, 404: errorSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { workspaceId } = actorOf(request);
      const run = await runDigest(rt, workspaceId, request.params.id, rt.clock.now());
      await audit(request, 'digest.send', run.digestId, { status: run.status });
      return run;
    },
  );

  app.get(
    '/alerts/digests/:id/runs',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['alerts'],
        summary: "A digest's runs, newest first (sent, empty: nothing new, failed with the reason)",
        params: idParams,
        response: { 200: z.object({ items: z.array(digestRunSchema) }), 404: errorSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { workspaceId } = actorOf(request);
      const digest = await findDigest(db(), workspaceId, request.params.id);
      return { items: await listDigestRuns(rt, workspaceId, digest.id) };
    },
  );
};
