import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { packageRoot } from '../../core/package-root.js';

/** `web/dist` at the project root. */
export const defaultWebDist = path.join(packageRoot, 'web/dist');

const NOT_SPA = /^\/(api|docs|healthz|readyz|metrics)(\/|$|\?)/;

const SOURCE_MAP = /\.map$/i;

/**
 * Serve the built web app when `web/dist/index.html` exists. Any other GET that is not an API path
 * answers index.html, so the app's client-side routes survive a reload. Returns the not-found
 * fallback to install, or undefined when there is no build.
 *
 * Source maps (`*.map`, which Vite emits for debugging) are served only outside production: in
 * production they would hand anyone the app's original source and comments; there they answer 404.
 *
 * @example
 * registerNotFound(app, await registerSpa(app, 'web/dist', { sourceMaps: false }));
 */
export async function registerSpa(
  app: FastifyInstance,
  root = defaultWebDist,
  opts: { sourceMaps?: boolean } = {},
): Promise<((request: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined) | undefined> {
  if (!fs.existsSync(path.join(root, 'index.html'))) return undefined;
  const sourceMaps = opts.sourceMaps ?? true;
  await app.register(fastifyStatic, {
    root,
    wildcard: true,
    index: ['index.html'],
    ...(sourceMaps ? {} : { allowedPath: (pathName: string) => !SOURCE_MAP.test(pathName) }),
  });
  return (request, reply) => {
    if (request.method !== 'GET' || NOT_SPA.test(request.url)) return undefined;
    // A refused source map is a missing file, not a client-side route.
    if (!sourceMaps && SOURCE_MAP.test(request.url.split('?')[0]!)) return undefined;
    return reply.type('text/html; charset=utf-8').sendFile('index.html');
  };
}
