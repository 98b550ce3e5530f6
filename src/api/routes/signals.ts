import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { signalVerdicts, withSnoozes } from '../../alerts/index.js';
import { recordAudit } from '../../audit/index.js';
import { auditActorOf } from '../../auth/index.js';
import { badRequest } from '../../core/index.js';
import { accountNames, requireSignal, signalDefinitions } from '../../scoring/index.js';
import {
  CUSTOM_OPERATORS,
  createCustomSignal,
  deleteCustomSignal,
  listCustomSignals,
  listOccurrences,
  loadOverrides,
  previewCustomSignal,
  saveOverride,
  signalOverrideInput,
  updateCustomSignal,
} from '../../signals/index.js';
import { actorOf } from '../plugins/auth.js';
import { errorResponses, errorSchema, idParams, snoozeSchema } from '../schemas.js';

const backtestRow = z
  .object({
    signal: z.string(),
    outcome: z.enum(['expansion', 'churn']),
    firedUnits: z.number(),
    firedHits: z.number(),
    otherUnits: z.number(),
    otherHits: z.number(),
    precision: z.number().nullable(),
    baseRate: z.number().nullable(),
    lift: z.number().nullable(),
    medianLeadDays: z.number().nullable(),
    supportAccounts: z.number(),
  })
  .nullable();

const customBody = z.strictObject({
  name: z.string(),
  description: z.string().optional(),
  direction: z.enum(['expansion', 'churn']),
  events: z.array(z.string()),
  operator: z.enum(CUSTOM_OPERATORS),
  threshold: z.number(),
  windowDays: z.number(),
  weight: z.number().optional(),
  enabled: z.boolean().optional(),
});

const customSchema = z.object({
  id: z.string(),
  key: z.string(),
  name: z.string(),
  description: z.string(),
  direction: z.enum(['expansion', 'churn']),
  events: z.array(z.string()),
  operator: z.enum(CUSTOM_OPERATORS),
  threshold: z.number(),
  windowDays: z.number(),
  weight: z.number(),
  enabled: z.boolean(),
});

const definitionSchema = z.object({
  key: z.string(),
  title: z.string(),
  description: z.string(),
  direction: z.enum(['expansion', 'churn', 'timing']),
  custom: z.boolean(),
  inputs: z.array(z.string()),
  replayable: z.boolean(),
  enabled: z.boolean(),
  weight: z.number(),
  dedupeDays: z.number(),
  params: z.record(z.string(), z.unknown()),
  defaults: z.record(z.string(), z.unknown()),
  paramsSchema: z.unknown().describe('JSON Schema of the parameters'),
  counts: z.object({
    occurrences: z.number(),
    accounts: z.number(),
    activeAccounts: z.number(),
    lastOccurredAt: z.string().nullable(),
  }),
  precision: z.number().nullable().describe('backtest precision for the outcome the signal points to'),
  lift: z.number().nullable(),
  medianLeadDays: z.number().nullable(),
  support: z.number(),
  backtest: z.object({ expansion: backtestRow, churn: backtestRow }),
  definition: customSchema
    .nullable()
    .describe("A custom signal's stored definition (the edit form's values); null for a built-in"),
  teamVerdicts: z
    .object({
      useful: z.number(),
      notUseful: z.number(),
      snoozed: z.number(),
      teamPrecision: z
        .number()
        .nullable()
        .describe('useful / (useful + not useful); null before anyone judged'),
    })
    .describe("People's verdicts on this signal's alerts (precision as judged by the team)"),
});

/** Fields only a built-in signal has, and fields only a custom signal has. */
const BUILT_IN_FIELDS = ['dedupeDays', 'params'] as const;
const CUSTOM_FIELDS = [
  'name',
  'description',
  'direction',
  'events',
  'operator',
  'threshold',
  'windowDays',
] as const;

/** A change to any signal: the fields sent are merged into what is stored, the rest keep their value. */
const signalPatch = signalOverrideInput
  .extend(customBody.pick({ name: true, description: true, direction: true }).partial().shape)
  .extend(
    customBody.pick({ events: true, operator: true, threshold: true, windowDays: true }).partial().shape,
  )
  .strict();

const occurrenceSchema = z.object({
  id: z.number(),
  accountId: z.string(),
  key: z.string(),
  origin: z.enum(['live', 'replay']),
  occurredAt: z.string(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  strength: z.number(),
  evidence: z.record(z.string(), z.unknown()),
  explanation: z.string(),
  account: z
    .object({ name: z.string(), domain: z.string() })
    .nullable()
    .describe('The company that fired it'),
  snooze: snoozeSchema.nullable().describe("the snooze in force on this account's alerts for this signal"),
});

/** Signal definitions with counts and backtest, occurrences, settings and custom signals. */
export const signalRoutes: FastifyPluginAsyncZod = async (app) => {
  const rt = app.runtime;
  const db = () => rt.db.kysely;
  const now = () => rt.clock.now();

  /** Every signal's definition, counts and backtest, with each custom signal's stored definition. */
  const definitions = async (workspaceId: string) => {
    const all = await signalDefinitions(db(), workspaceId, now());
    const custom = new Map((await listCustomSignals(db(), workspaceId)).map((c) => [c.key, c]));
    const verdicts = new Map((await signalVerdicts(db(), workspaceId)).map((v) => [v.signal, v]));
    const none = { useful: 0, notUseful: 0, snoozed: 0, teamPrecision: null };
    return {
      ...all,
      signals: all.signals.map((s) => {
        const { signal: _key, ...teamVerdicts } = verdicts.get(s.key) ?? { signal: s.key, ...none };
        return { ...s, definition: custom.get(s.key) ?? null, teamVerdicts };
      }),
    };
  };

  app.get(
    '/signals',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['signals'],
        summary: 'Every signal: definition, effective parameters, counts, backtest precision and lift',
        response: {
          200: z.object({
            computedAt: z.string().nullable().describe('when the backtest was last computed'),
            baseRates: z.object({ expansion: z.number().nullable(), churn: z.number().nullable() }),
            signals: z.array(definitionSchema),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => definitions(actorOf(request).workspaceId),
  );

  app.get(
    '/signals/occurrences',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['signals'],
        summary: 'Signal occurrences, newest first (filter by signal, account, time; cursor pagination)',
        querystring: z.strictObject({
          signal: z.string().min(1).max(120).optional(),
          accountId: z.string().min(1).max(200).optional(),
          since: z.iso.datetime().optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          cursor: z.string().max(500).optional(),
        }),
        response: {
          200: z.object({ items: z.array(occurrenceSchema), nextCursor: z.string().nullable() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      if (request.query.signal) await requireSignal(db(), ws, request.query.signal);
      const page = await listOccurrences(db(), ws, request.query);
      const names = await accountNames(
        db(),
        ws,
        page.items.map((o) => o.accountId),
      );
      const items = await withSnoozes(
        db(),
        ws,
        now(),
        page.items.map((o) => ({ ...o, account: names.get(o.accountId) ?? null })),
      );
      return { ...page, items };
    },
  );

  app.patch(
    '/signals/:key',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['signals'],
        summary: 'Change a signal: fields not sent keep their value (params merge name by name)',
        description:
          'A built-in signal takes `enabled`, `weight`, `dedupeDays` and `params` (checked against its `paramsSchema`); a custom signal (`custom:<id>`) takes `enabled`, `weight` and its definition fields. The merged result is validated: a bad one is a 400 naming the field, and nothing is stored.',
        params: z.strictObject({ key: z.string().min(1).max(120) }),
        body: signalPatch,
        response: { 200: z.object({ signal: definitionSchema }), 404: errorSchema, ...errorResponses },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { key } = request.params;
      const body = request.body;
      const sent = (fields: readonly string[]) =>
        fields.filter((f) => (body as Record<string, unknown>)[f] !== undefined);
      if (key.startsWith('custom:')) {
        const wrong = sent(BUILT_IN_FIELDS);
        if (wrong.length > 0) {
          throw badRequest(
            `A custom signal has no ${wrong.join(' or ')}: its dedupe window is its windowDays. Send any of enabled, weight, ${CUSTOM_FIELDS.join(', ')}.`,
            wrong.map((path) => ({ path, message: 'only built-in signals have it' })),
            'validation_error',
          );
        }
        const signal = await updateCustomSignal(
          db(),
          actor.workspaceId,
          key.slice('custom:'.length),
          body,
          now().toISOString(),
        );
        await recordAudit(
          db(),
          actor.workspaceId,
          auditActorOf(actor),
          'signal.update',
          { targetType: 'signal', targetId: signal.key, details: { ...body } },
          rt.clock,
        );
      } else {
        const wrong = sent(CUSTOM_FIELDS);
        if (wrong.length > 0) {
          throw badRequest(
            `${wrong.join(', ')} belong to custom signals. A built-in signal takes enabled, weight, dedupeDays and params (its paramsSchema in GET /api/v1/signals lists them).`,
            wrong.map((path) => ({ path, message: 'only custom signals have it' })),
            'validation_error',
          );
        }
        const current = (await loadOverrides(db(), actor.workspaceId)).get(key) ?? {};
        const merged = {
          ...current,
          ...Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)),
          ...(body.params || current.params ? { params: { ...current.params, ...body.params } } : {}),
        };
        const saved = await saveOverride(
          db(),
          actor.workspaceId,
          key,
          merged,
          actor.userId,
          now().toISOString(),
        );
        await recordAudit(
          db(),
          actor.workspaceId,
          auditActorOf(actor),
          'signal.configure',
          { targetType: 'signal', targetId: key, details: saved },
          rt.clock,
        );
      }
      const all = await definitions(actor.workspaceId);
      return { signal: all.signals.find((s) => s.key === key)! };
    },
  );

  app.post(
    '/signals/preview',
    {
      config: { access: 'member' },
      schema: {
        tags: ['signals'],
        summary: 'Which accounts a custom-signal definition would match now (nothing is stored)',
        body: customBody,
        response: {
          200: z.object({
            accountsTotal: z.number(),
            matching: z.number(),
            accounts: z.array(
              z.object({
                id: z.string(),
                name: z.string(),
                domain: z.string(),
                total: z.number(),
                explanation: z.string(),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { accountsTotal, matching, accounts } = await previewCustomSignal(
        db(),
        actorOf(request).workspaceId,
        request.body,
        now(),
      );
      return { accountsTotal, matching, accounts };
    },
  );

  app.post(
    '/signals',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['signals'],
        summary:
          'Create a custom signal: the sum of some events over the last N days compared with a threshold',
        body: customBody,
        response: { 201: z.object({ signal: customSchema }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const signal = await createCustomSignal(
        db(),
        actor.workspaceId,
        request.body,
        actor.userId,
        now().toISOString(),
      );
      await recordAudit(
        db(),
        actor.workspaceId,
        auditActorOf(actor),
        'signal.create',
        { targetType: 'signal', targetId: signal.key, details: { ...signal } },
        rt.clock,
      );
      return reply.status(201).send({ signal });
    },
  );

  app.patch(
    '/signals/custom/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['signals'],
        summary: 'Change a custom signal (fields not sent keep their value)',
        params: idParams,
        body: customBody.partial(),
        response: { 200: z.object({ signal: customSchema }), 404: errorSchema, ...errorResponses },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const signal = await updateCustomSignal(
        db(),
        actor.workspaceId,
        request.params.id,
        request.body,
        now().toISOString(),
      );
      await recordAudit(
        db(),
        actor.workspaceId,
        auditActorOf(actor),
        'signal.update',
        { targetType: 'signal', targetId: signal.key, details: { ...request.body } },
        rt.clock,
      );
      return { signal };
    },
  );

  app.delete(
    '/signals/custom/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['signals'],
        summary: 'Delete a custom signal with its occurrences and backtest',
        params: idParams,
        response: { 204: z.null(), 404: errorSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      await deleteCustomSignal(db(), actor.workspaceId, request.params.id);
      await recordAudit(
        db(),
        actor.workspaceId,
        auditActorOf(actor),
        'signal.delete',
        { targetType: 'signal', targetId: `custom:${request.params.id}` },
        rt.clock,
      );
      return reply.status(204).send(null);
    },
  );
};
