import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

/**
 * The OpenAPI document, generated from the zod schemas on each route, at `/api/openapi.json`,
 * and its viewer at `/docs`.
 */
export async function registerOpenApi(app: FastifyInstance, version: string, opts: { https: boolean }) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Beton API',
        version,
        description:
          'Revenue signals for product-led SaaS. Authenticate with a session cookie (web app) or `Authorization: Bearer beton_…` (API key). Every answer is scoped to one workspace; errors are `{error:{code,message,details?}}`.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'A Beton API key (beton_…)' },
          session: { type: 'apiKey', in: 'cookie', name: 'beton.session_token' },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { validatorUrl: null },
    staticCSP: true,
    // Plain-http installs (the embedded default) must not be told to upgrade to https.
    transformStaticCSP: (header) =>
      opts.https ? header : header.replace(/\s*upgrade-insecure-requests;?/, ''),
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
