import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listAudit } from '../../audit/index.js';
import { actorOf } from '../plugins/auth.js';
import { errorResponses } from '../schemas.js';

/** The workspace's audit log, newest first (admin). */
export const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/audit-log',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['audit'],
        summary: 'Audit log entries, newest first; page with `before` = the last id seen',
        querystring: z.strictObject({
          limit: z.coerce.number().int().min(1).max(500).default(50),
          before: z
            .string()
            .regex(/^[0-9a-f-]{36}$/, 'an entry id')
            .optional(),
          action: z.string().max(100).optional(),
        }),
        response: {
          200: z.object({
            entries: z.array(
              z.object({
                id: z.string(),
                actorType: z.string(),
                actorId: z.string().nullable(),
                action: z.string(),
                targetType: z.string().nullable(),
                targetId: z.string().nullable(),
                details: z.record(z.string(), z.unknown()).nullable(),
                createdAt: z.string(),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => ({
      entries: await listAudit(app.runtime.db, actorOf(request).workspaceId, request.query),
    }),
  );
};
