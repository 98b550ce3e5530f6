import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActorOf } from '../../auth/index.js';
import { notFound } from '../../core/errors.js';
import {
  bareDomain,
  enrichmentsFor,
  getEnrichRun,
  listEnrichRuns,
  planEnrich,
  withAccountDomains,
} from '../../enrichment/index.js';
import { enqueueEnrich } from '../../jobs/index.js';
import { actorOf, triggerOf } from '../plugins/auth.js';
import { errorResponses, errorSchema, idParams } from '../schemas.js';

const planSchema = z.object({
  domains: z.number().describe('Distinct account domains'),
  invalid: z.number().describe('Values that are not domains (skipped)'),
  fresh: z.number().describe('Domains with an answer inside the freshness window: no call, no credit'),
  toEnrich: z.number(),
  calls: z.number().describe("Lookup calls, the provider's batch size each"),
  maxCredits: z
    .number()
    .describe('At most this many credits: what every domain costs if the provider knows each company'),
  freshnessDays: z.number(),
  month: z.string(),
  creditsUsedThisMonth: z.number(),
  monthlyCreditCap: z.number().nullable(),
  creditsAvailable: z.number().nullable(),
  mayHitCap: z.boolean(),
});

export const enrichmentRunSchema = z.object({
  id: z.string(),
  status: z.enum(['running', 'succeeded', 'partial', 'capped', 'failed']),
  trigger: z.string(),
  actorId: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  counts: z.object({
    domains: z.number(),
    fresh: z.number(),
    requested: z.number(),
    calls: z.number(),
    creditsSpent: z.number(),
    found: z.number(),
    notFound: z.number(),
  }),
  creditCap: z.number().nullable(),
  error: z.string().nullable(),
});

/** Enrichment: plan (spend before spending), run, history, and the cached answer per domain. */
export const enrichmentRoutes: FastifyPluginAsyncZod = async (app) => {
  const rt = app.runtime;
  const deps = withAccountDomains(rt);

  app.post(
    '/enrichment/plan',
    {
      config: { access: 'member' },
      schema: {
        tags: ['enrichment'],
        summary: 'How many domains, calls and credits a run would spend (nothing is spent)',
        response: {
          200: z.object({ plan: planSchema }),
          404: errorSchema,
          409: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (request) => ({ plan: await planEnrich(deps, actorOf(request).workspaceId) }),
  );

  app.post(
    '/enrichment/run',
    {
      config: { access: 'member' },
      schema: {
        tags: ['enrichment'],
        summary: 'Start an enrichment run (202): a worker executes it; follow it at GET /enrichment/runs/:id',
        response: {
          202: z.object({ run: enrichmentRunSchema }),
          404: errorSchema,
          409: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      // Opened here (so it is answered at once), executed by whichever worker takes its job.
      const runId = await enqueueEnrich(rt, rt.jobs, actor.workspaceId, {
        trigger: triggerOf(actor),
        actor: auditActorOf(actor),
      });
      return reply.status(202).send({ run: await getEnrichRun(rt, actor.workspaceId, runId) });
    },
  );

  app.get(
    '/enrichment/runs',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['enrichment'],
        summary: 'Enrichment runs, newest first; page with `before` = the last `startedAt` seen',
        querystring: z.strictObject({
          before: z.string().max(40).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: { 200: z.object({ runs: z.array(enrichmentRunSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ runs: await listEnrichRuns(rt, actorOf(request).workspaceId, request.query) }),
  );

  app.get(
    '/enrichment/runs/:id',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['enrichment'],
        summary: 'One enrichment run: status, counts, credits spent, and why it stopped',
        params: idParams,
        response: { 200: z.object({ run: enrichmentRunSchema }), 404: errorSchema, ...errorResponses },
      },
    },
    async (request) => ({ run: await getEnrichRun(rt, actorOf(request).workspaceId, request.params.id) }),
  );

  app.get(
    '/enrichment/domains/:domain',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['enrichment'],
        summary:
          "The enrichment provider's cached answer for a domain (found or not), and when it was fetched",
        params: z.strictObject({ domain: z.string().min(3).max(253) }),
        response: {
          200: z.object({
            enrichment: z.object({
              domain: z.string(),
              found: z.boolean(),
              organization: z.record(z.string(), z.unknown()).nullable(),
              fetchedAt: z.string(),
            }),
          }),
          404: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const domain = bareDomain(request.params.domain);
      const cached = (await enrichmentsFor(rt, actorOf(request).workspaceId, [domain])).get(domain);
      if (!cached) throw notFound(`An enrichment of ${domain}`);
      return {
        enrichment: { ...cached, organization: cached.organization as Record<string, unknown> | null },
      };
    },
  );
};
