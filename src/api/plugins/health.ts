import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { metrics } from '../../core/metrics.js';
import { checkWritable, pendingMigrations, StorageError } from '../../db/index.js';
import type { Runtime } from '../../runtime/index.js';

/**
 * Liveness, readiness and metrics, outside `/api/v1` and without authentication (they reveal no
 * workspace data). `/readyz` answers 503 while the database is unreachable, cannot write (a full
 * disk, a read-only file: see checkWritable) or is behind on migrations, so a load balancer holds
 * traffic back.
 */
export function registerHealth(app: FastifyInstance, rt: Runtime) {
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness' } }, async () => ({
    status: 'ok',
  }));

  app.get('/readyz', { schema: { tags: ['operations'], summary: 'Readiness' } }, async (_request, reply) => {
    try {
      await sql`select 1`.execute(rt.db.kysely);
    } catch (e) {
      rt.logger.warn({ err: e }, 'readiness: database unreachable');
      return reply.status(503).send({ status: 'unavailable', database: 'unreachable' });
    }
    const write = await checkWritable(rt.db);
    if (!write.writable) {
      rt.logger.warn({ err: write.error }, 'readiness: database cannot write');
      return reply.status(503).send({
        status: 'unavailable',
        database: 'cannot_write',
        reason: write.error.message,
        ...(write.error instanceof StorageError ? { code: write.error.code } : {}),
      });
    }
    const pending = await pendingMigrations(rt.db.kysely);
    if (pending.length > 0) {
      return reply.status(503).send({ status: 'unavailable', database: 'ok', pendingMigrations: pending });
    }
    return { status: 'ready', database: 'ok', pendingMigrations: [] };
  });

  app.get(
    '/metrics',
    { schema: { tags: ['operations'], summary: 'Prometheus metrics' } },
    async (_r, reply) => reply.type(metrics.contentType).send(await metrics.metrics()),
  );
}
