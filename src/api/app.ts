import { randomUUID } from 'node:crypto';
import helmet from '@fastify/helmet';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  LogController,
  type RouteOptions,
} from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { trustProxyOf } from '../core/config.js';
import { httpRequestDuration, httpRequestsTotal } from '../core/metrics.js';
import { packageVersion } from '../core/package-root.js';
import type { Runtime } from '../runtime/index.js';
import { type Access, decorateRequestActor, registerApiAuth } from './plugins/auth.js';
import { registerBetterAuth } from './plugins/better-auth.js';
import {
  frameworkErrorHandler,
  MAX_PARAM_LENGTH,
  registerErrorHandler,
  registerNotFound,
} from './plugins/errors.js';
import { registerHealth } from './plugins/health.js';
import { registerMcp } from './plugins/mcp.js';
import { registerNulCharacterGuard } from './plugins/nul-characters.js';
import { registerOpenApi } from './plugins/openapi.js';
import { registerSpa } from './plugins/spa.js';
import { apiRoutes } from './routes/index.js';
import { ingestRootRoutes } from './routes/ingest.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The runtime this app serves (database, keyring, auth, and later jobs and integrations). */
    runtime: Runtime;
    /** Every route the app serves, in registration order (see `RouteEntry`). */
    routeTable: readonly RouteEntry[];
  }
}

/**
 * One method of one route as registered: what the security suites and tools walk instead of a hand
 * list, so a route added later is covered by them without anyone remembering to add it.
 */
export interface RouteEntry {
  method: string;
  /** The full path with its parameters, e.g. `/api/v1/sync-runs/:id`. */
  url: string;
  /** Who may call it (`config.access`); set on every `/api/v1` route. */
  access: Access | undefined;
  /** Left out of the OpenAPI document (`schema.hide`). */
  hidden: boolean;
}

export interface BuildAppOptions {
  /** Directory of the built web app; default `web/dist` (served only if it exists). */
  webDist?: string;
  /** Log each request (default true; the logger's level still applies). */
  logRequests?: boolean;
}

const PROBES = /^\/(healthz|readyz|metrics)(\?|$)/;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The HTTP server: Fastify with zod schemas at every route edge, one error shape, request ids,
 * security headers, OpenAPI and the docs viewer, health and metrics, better-auth at `/api/auth`,
 * Beton's API at `/api/v1` (routes listed in `routes/index.ts`), and the web app when built.
 * Call `listen` on the result; `close` it before the runtime.
 *
 * @example
 * const app = await buildApp(rt);
 * await app.listen({ host: rt.config.HOST, port: rt.config.PORT });
 */
export async function buildApp(rt: Runtime, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const https = rt.config.BETON_PUBLIC_URL?.startsWith('https://') ?? false;
  const app = Fastify({
    loggerInstance: rt.logger as FastifyBaseLogger,
    // Fastify's own per-request lines pass raw request objects; Beton logs one plain line per
    // request itself (below), after the logger's secret scrubbing.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: rt.config.BETON_BODY_LIMIT,
    // Only the configured proxies' X-Forwarded-For counts: `request.ip` keys the sign-in limit.
    trustProxy: trustProxyOf(rt.config),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: frameworkErrorHandler,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('runtime', rt);
  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      routeTable.push({
        method,
        url: route.url,
        access: (route.config as { access?: Access } | undefined)?.access,
        hidden: (route.schema as { hide?: boolean } | undefined)?.hide === true,
      });
    }
  });
  decorateRequestActor(app);
  registerErrorHandler(app);
  registerNulCharacterGuard(app);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    httpRequestsTotal.inc(labels);
    httpRequestDuration.observe(labels, reply.elapsedTime / 1000);
    if (opts.logRequests !== false && !PROBES.test(request.url)) {
      request.log.info(
        {
          method: request.method,
          url: request.url,
          statusCode: reply.statusCode,
          ms: Math.round(reply.elapsedTime),
          ip: request.ip,
        },
        'request',
      );
    }
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Mantine and the docs viewer set inline styles.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    hsts: https,
    crossOriginEmbedderPolicy: false,
  });

  await registerOpenApi(app, packageVersion, { https });
  registerHealth(app, rt);
  registerBetterAuth(app, rt);
  await app.register(
    async (v1) => {
      registerApiAuth(v1, rt);
      for (const routes of apiRoutes) await v1.register(routes);
    },
    { prefix: '/api/v1' },
  );
  // Senders configured with Beton's host post to /v1/<call> (integrations with the ingest capability).
  await app.register(ingestRootRoutes);
  await registerMcp(app, rt);
  registerNotFound(
    app,
    await registerSpa(app, opts.webDist, { sourceMaps: rt.config.NODE_ENV !== 'production' }),
  );
  return app;
}
