import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '../../audit/index.js';
import { auditActorOf } from '../../auth/index.js';
import {
  createEndpoint,
  DELIVERY_STATUSES,
  deleteEndpoint,
  deliveryQuery,
  endpointInput,
  endpointPatch,
  findDelivery,
  findEndpoint,
  listDeliveries,
  listEndpoints,
  redeliver,
  rotateEndpointSecret,
  sendTestEvent,
  updateEndpoint,
  WEBHOOK_EVENT_TYPES,
} from '../../outbound-webhooks/index.js';
import { actorOf } from '../plugins/auth.js';
import { errorResponses, errorSchema, idParams } from '../schemas.js';

const tags = ['webhooks'];

const endpointSchema = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string(),
  eventTypes: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
  enabled: z.boolean(),
  secretHint: z.string().describe("the signing secret's last 4 characters (the secret is shown once)"),
  previousSecretExpiresAt: z
    .string()
    .nullable()
    .describe('until when the secret before the last rotation still signs beside the current one'),
  failingSince: z
    .string()
    .nullable()
    .describe('since when every attempt has failed (null while deliveries succeed)'),
  disabledAt: z.string().nullable(),
  disabledReason: z
    .string()
    .nullable()
    .describe('why Beton disabled the endpoint after repeated failure, and what to do'),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const withSecret = z.object({
  endpoint: endpointSchema,
  secret: z.string().describe('the whsec_… signing secret: shown this once, store it in the receiver now'),
});

const deliverySchema = z.object({
  id: z.string(),
  endpointId: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  messageId: z.string().describe('the webhook-id header, the same on every attempt'),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number(),
  nextAttemptAt: z.string().nullable(),
  lastStatusCode: z.number().nullable(),
  lastError: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const attemptSchema = z.object({
  attempt: z.number(),
  trigger: z.enum(['auto', 'manual']),
  startedAt: z.string(),
  durationMs: z.number(),
  statusCode: z.number().nullable(),
  error: z.string().nullable(),
  responseBody: z.string().nullable().describe("the start of the receiver's answer (1 KB at most)"),
  nextAttemptAt: z.string().nullable(),
});

const deliveryDetailSchema = deliverySchema.extend({
  body: z.string().describe('the signed JSON body: {type, timestamp, data}'),
  attemptLog: z.array(attemptSchema),
});

const rotateBody = z
  .strictObject({
    expirePrevious: z
      .boolean()
      .default(false)
      .describe(
        'stop signing with the old secret at once (default: it signs beside the new one for 24 hours)',
      ),
  })
  .default({ expirePrevious: false });

/**
 * Outbound webhooks (`/webhook-endpoints`, `/webhook-deliveries`; `/webhooks/…` is for events
 * Beton receives). Everyone in the workspace reads endpoints and the delivery log — never a secret;
 * admins create, change, rotate, test and redeliver, and those writes are audited.
 */
export const outboundWebhookRoutes: FastifyPluginAsyncZod = async (app) => {
  const rt = app.runtime;
  const db = () => rt.db.kysely;
  const audit = (
    request: Parameters<typeof actorOf>[0],
    action: string,
    targetId: string,
    details: Record<string, unknown> = {},
  ) => {
    const actor = actorOf(request);
    return recordAudit(
      db(),
      actor.workspaceId,
      auditActorOf(actor),
      action,
      { targetType: 'webhook_endpoint', targetId, details },
      rt.clock,
    );
  };

  app.get(
    '/webhook-endpoints',
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: 'Outbound webhook endpoints of this workspace (secrets never shown)',
        response: { 200: z.object({ items: z.array(endpointSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await listEndpoints(db(), actorOf(request).workspaceId) }),
  );

  app.post(
    '/webhook-endpoints',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Register an endpoint; answers its signing secret this once',
        body: endpointInput,
        response: { 201: withSecret, ...errorResponses },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const created = await createEndpoint(rt, actor.workspaceId, request.body, actor.userId);
      await audit(request, 'webhook_endpoint.create', created.endpoint.id, {
        url: created.endpoint.url,
        eventTypes: created.endpoint.eventTypes,
      });
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/webhook-endpoints/:id',
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: 'One endpoint',
        params: idParams,
        response: { 200: endpointSchema, 404: errorSchema, ...errorResponses },
      },
    },
    async (request) => findEndpoint(db(), actorOf(request).workspaceId, request.params.id),
  );

  app.patch(
    '/webhook-endpoints/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Change an endpoint; enabled: true re-enables one Beton disabled',
        params: idParams,
        body: endpointPatch,
        response: { 200: endpointSchema, 404: errorSchema, ...errorResponses },
      },
    },
    async (request) => {
      const endpoint = await updateEndpoint(
        rt,
        actorOf(request).workspaceId,
        request.params.id,
        request.body,
      );
      await audit(request, 'webhook_endpoint.update', endpoint.id, { ...request.body });
      return endpoint;
    },
  );

  app.delete(
    '/webhook-endpoints/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Remove an endpoint with its delivery log',
        params: idParams,
        response: { 204: z.null(), 404: errorSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      await deleteEndpoint(db(), actorOf(request).workspaceId, request.params.id);
      await audit(request, 'webhook_endpoint.delete', request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/webhook-endpoints/:id/rotate-secret',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Make a new signing secret (answered this once); the old one signs beside it for 24 h',
        params: idParams,
        body: rotateBody,
        response: { 200: withSecret, 404: errorSchema, ...errorResponses },
      },
    },
    async (request) => {
      const rotated = await rotateEndpointSecret(rt, actorOf(request).workspaceId, request.params.id, {
        expirePrevious: request.body.expirePrevious,
      });
      await audit(request, 'webhook_endpoint.rotate_secret', request.params.id, {
        expirePrevious: request.body.expirePrevious,
      });
      return rotated;
    },
  );

  app.post(
    '/webhook-endpoints/:id/test',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Queue a signed webhook.test event to the endpoint (one attempt; see its delivery)',
        params: idParams,
        response: { 202: deliveryDetailSchema, 404: errorSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const delivery = await sendTestEvent(rt, actorOf(request).workspaceId, request.params.id);
      await audit(request, 'webhook_endpoint.test', request.params.id, { deliveryId: delivery.id });
      return reply.code(202).send(delivery);
    },
  );

  app.get(
    '/webhook-deliveries',
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: 'The delivery log, newest first (filter by endpoint or status; page with before)',
        querystring: deliveryQuery,
        response: { 200: z.object({ items: z.array(deliverySchema) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await listDeliveries(db(), actorOf(request).workspaceId, request.query) }),
  );

  app.get(
    '/webhook-deliveries/:id',
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: 'One delivery with its body and every attempt (status code, duration, error, next try)',
        params: idParams,
        response: { 200: deliveryDetailSchema, 404: errorSchema, ...errorResponses },
      },
    },
    async (request) => findDelivery(db(), actorOf(request).workspaceId, request.params.id),
  );

  app.post(
    '/webhook-deliveries/:id/redeliver',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Send a delivery again now (same body and webhook-id)',
        params: idParams,
        response: { 202: deliverySchema, 404: errorSchema, 409: errorSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const delivery = await redeliver(rt, actorOf(request).workspaceId, request.params.id);
      await audit(request, 'webhook_delivery.redeliver', delivery.endpointId, { deliveryId: delivery.id });
      return reply.code(202).send(delivery);
    },
  );
};
