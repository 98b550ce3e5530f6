import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActorOf } from '../../auth/index.js';
import { isAppError } from '../../core/errors.js';
import {
  acceptIngest,
  createIngestKey,
  type IngestEngine,
  ingestStatus,
  KeyRateLimiter,
  revokeIngestKey,
} from '../../ingest/index.js';
import type { Runtime } from '../../runtime/index.js';
import { actorOf, serverOrigin } from '../plugins/auth.js';
import { errorResponses, errorSchema } from '../schemas.js';

/**
 * Routes of the `ingest` capability, for every integration that has it: the inbound calls
 * (`POST /v1/:call`, where Segment-style senders post, and `POST /api/v1/ingest/:call`), and the
 * management of a connection's write keys and counters under `/api/v1/integrations/:name/ingest`.
 */

/** Bodies up to this size reach the engine, so an oversized batch is answered 413 and counted. */
const BODY_LIMIT = 4 * 1024 * 1024;
const CALL = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'a call name such as track or batch');

const engines = new WeakMap<Runtime, IngestEngine>();
/** One engine (rate buckets, prune times) per runtime, shared by the two mount points. */
function engineOf(rt: Runtime): IngestEngine {
  let engine = engines.get(rt);
  if (!engine) {
    engine = { deps: rt, limiter: new KeyRateLimiter(), pruned: new Map() };
    engines.set(rt, engine);
  }
  return engine;
}

function rawBodies(app: FastifyInstance) {
  // Scoped to the plugin: senders post JSON (some as text/plain); it is parsed by the engine.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, body, done) =>
    done(null, body),
  );
}

function registerCallRoute(app: FastifyInstance, rt: Runtime, url: string) {
  app.post(
    url,
    {
      bodyLimit: BODY_LIMIT,
      config: { access: 'public' },
      schema: {
        tags: ['ingest'],
        summary: 'Receive calls from a sender (Segment-compatible: track, identify, group, page, batch)',
        description:
          "HTTP Basic auth with the connection's write key as user name and an empty password. A message id seen before on the connection is acknowledged and not counted again. Malformed calls answer 400 with the reason and are counted as rejected; too large 413; too many requests per key 429.",
        params: z.object({ call: CALL }),
        response: {
          200: z.object({ success: z.literal(true), accepted: z.number(), duplicates: z.number() }),
          400: errorSchema,
          401: errorSchema,
          404: errorSchema,
          413: errorSchema,
          429: errorSchema,
        },
      },
    },
    async (request: FastifyRequest<{ Params: { call: string } }>, reply: FastifyReply) => {
      const body = request.body;
      try {
        return await acceptIngest(engineOf(rt), {
          call: request.params.call,
          authorization: request.headers.authorization,
          body: Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : ''),
        });
      } catch (error) {
        if (isAppError(error) && error.status === 429) {
          const wait = (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds ?? 1;
          reply.header('retry-after', String(wait));
        }
        throw error;
      }
    },
  );
}

/** `POST /v1/:call` at the server's root: where senders configured with Beton's host post. */
export const ingestRootRoutes: FastifyPluginAsyncZod = async (app) => {
  rawBodies(app);
  registerCallRoute(app, app.runtime, '/v1/:call');
};

/** Under `/api/v1`: `POST /ingest/:call` and the write-key management. */
export const ingestRoutes: FastifyPluginAsyncZod = async (app) => {
  const rt = app.runtime;
  await app.register(async (calls) => {
    rawBodies(calls);
    registerCallRoute(calls, rt, '/ingest/:call');
  });

  const keySchema = z.object({
    id: z.string(),
    prefix: z.string(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  });
  // The integrations senders push to: an enum, so the document (and the isolation suite) knows
  // `:name` picks an integration rather than a tenant's object.
  const ingestNames = rt.integrations
    .list()
    .filter((integration) => integration.ingest)
    .map((integration) => integration.name);
  const integrationName = ingestNames.length > 0 ? z.enum(ingestNames as [string, ...string[]]) : z.never();
  const nameParams = z.strictObject({ name: integrationName });

  app.get(
    '/integrations/:name/ingest',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['integrations'],
        summary: "An ingest connection's URLs, write keys (not the keys), and calls received and rejected",
        params: nameParams,
        response: {
          200: z.object({
            ingest: z.object({
              integration: z.string(),
              connectionId: z.string(),
              paths: z.array(z.string()),
              host: z.string().nullable(),
              calls: z.array(z.string()),
              limits: z.object({
                callBytes: z.number(),
                requestBytes: z.number(),
                requestsPerSecond: z.number(),
              }),
              keys: z.array(keySchema),
              counts: z.object({
                received: z.number(),
                duplicates: z.number(),
                rejected: z.number(),
                unattributed: z.number(),
                lastReceivedAt: z.string().nullable(),
                lastRejectedAt: z.string().nullable(),
                lastRejectReason: z.string().nullable(),
              }),
              snippet: z.string().nullable(),
            }),
          }),
          404: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (request) => ({
      ingest: await ingestStatus(
        rt,
        actorOf(request).workspaceId,
        request.params.name,
        serverOrigin(rt, request),
      ),
    }),
  );

  app.post(
    '/integrations/:name/ingest/keys',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['integrations'],
        summary: 'Generate a write key for the connection (the key is in this answer only)',
        params: nameParams,
        response: {
          201: z.object({ key: keySchema.extend({ key: z.string() }) }),
          404: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const key = await createIngestKey(
        rt,
        { workspaceId: actor.workspaceId, audit: auditActorOf(actor), userId: actor.userId },
        request.params.name,
      );
      reply.code(201);
      return { key };
    },
  );

  app.delete(
    '/integrations/:name/ingest/keys/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['integrations'],
        summary: 'Revoke a write key: calls sending it answer 401 from now on',
        params: z.strictObject({ name: integrationName, id: z.string().min(1).max(100) }),
        response: { 200: z.object({ key: keySchema }), 404: errorSchema, ...errorResponses },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return {
        key: await revokeIngestKey(
          rt,
          { workspaceId: actor.workspaceId, audit: auditActorOf(actor) },
          request.params.name,
          request.params.id,
        ),
      };
    },
  );
};
