import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { isAppError } from '../../core/errors.js';
import { storageErrorOf } from '../../db/storage-errors.js';

/** The one error shape every API answer uses. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown; requestId?: string };
}

export interface FieldError {
  path: string;
  message: string;
}

/** Fastify's own client errors, by code, with the answer Beton gives for each. */
const FASTIFY_CLIENT_ERRORS: Record<string, { status: number; code: string; message?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'malformed_json' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'malformed_json',
    message:
      'The body is empty but Content-Type is application/json; send a JSON document or no Content-Type.',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'bad_request' },
};

/** The code for a 4xx some plugin raised itself (e.g. @fastify/static's 403 on a path outside its root). */
function clientErrorCode(status: number): string {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 405) return 'method_not_allowed';
  if (status === 413) return 'payload_too_large';
  if (status === 429) return 'rate_limited';
  return 'bad_request';
}

function fieldErrors(error: {
  validation: { instancePath: string; message?: string; keyword: string; params: Record<string, unknown> }[];
  validationContext?: string;
}): FieldError[] {
  const where = error.validationContext ?? 'body';
  const out: FieldError[] = [];
  for (const v of error.validation) {
    const base = [where, ...v.instancePath.split('/').filter(Boolean)].join('.');
    if (v.keyword === 'unrecognized_keys' && Array.isArray(v.params.keys)) {
      for (const key of v.params.keys) out.push({ path: `${base}.${key}`, message: 'is not a known field' });
    } else {
      out.push({ path: base, message: v.message ?? 'is invalid' });
    }
  }
  return out;
}

function send(reply: FastifyReply, status: number, error: ErrorBody['error']) {
  return reply
    .status(status)
    .type('application/json; charset=utf-8')
    .send({ error } satisfies ErrorBody);
}

/**
 * Map every error to `{error:{code,message,details?}}` in one place: validation → 400 with field
 * errors, malformed JSON → 400, oversized body → 413, AppError → its status, anything unexpected →
 * 500 with the request id and no internals. Install before any route plugin (children inherit it).
 */
export function registerErrorHandler(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const details = fieldErrors(error as Parameters<typeof fieldErrors>[0]);
      const first = details[0];
      return send(reply, 400, {
        code: 'validation_failed',
        message: first
          ? `Invalid request: ${first.path} ${first.message}${details.length > 1 ? ` (and ${details.length - 1} more)` : ''}.`
          : 'Invalid request.',
        details,
      });
    }
    if (isAppError(error)) {
      if (error.status >= 500) request.log.error({ err: error }, 'request failed');
      return send(reply, error.status, {
        code: error.code,
        message: error.message,
        ...(error.details !== undefined ? { details: error.details } : {}),
        ...(error.status >= 500 ? { requestId: request.id } : {}),
      });
    }
    const known = error.code ? FASTIFY_CLIENT_ERRORS[error.code] : undefined;
    if (known) {
      return send(reply, known.status, { code: known.code, message: known.message ?? error.message });
    }
    if (
      !isResponseSerializationError(error) &&
      error.statusCode &&
      error.statusCode >= 400 &&
      error.statusCode < 500
    ) {
      return send(reply, error.statusCode, {
        code: clientErrorCode(error.statusCode),
        message: error.message,
      });
    }
    // A full or read-only disk met outside Kysely (prepared statements, a thread): say so.
    const db = request.server.runtime?.db;
    const storage = storageErrorOf(error, db?.dialect === 'sqlite' ? db.describe : undefined);
    if (storage) {
      request.log.error({ err: error }, 'storage failure');
      return send(reply, storage.status, {
        code: storage.code,
        message: storage.message,
        requestId: request.id,
      });
    }
    request.log.error({ err: error }, 'unexpected error');
    return send(reply, 500, {
      code: 'internal',
      message: `Something went wrong on the server; the log has the details under request id ${request.id}.`,
      requestId: request.id,
    });
  });
}

/** Longest path parameter the router accepts (ids such as a record's external id run to 500 characters). */
export const MAX_PARAM_LENGTH = 500;

/**
 * Errors the router raises before any route or error handler runs (Fastify's `frameworkErrors`):
 * a malformed %-escape in the path, or a path segment longer than `MAX_PARAM_LENGTH`. Answered in
 * the one error shape, without echoing the path back.
 */
export function frameworkErrorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return send(reply, 414, {
      code: 'uri_too_long',
      message: `A path segment is longer than ${MAX_PARAM_LENGTH} characters; no id is that long.`,
    });
  }
  if (error.code === 'FST_ERR_BAD_URL') {
    return send(reply, 400, {
      code: 'bad_request',
      message: 'The URL path is not valid: it holds a malformed %-escape.',
    });
  }
  return send(reply, 500, {
    code: 'internal',
    message: `Something went wrong on the server; the log has the details under request id ${reply.request.id}.`,
    requestId: reply.request.id,
  });
}

/** Unknown routes answer 404 in the same shape (after `fallback`, e.g. the web app's index.html). */
export function registerNotFound(
  app: FastifyInstance,
  fallback?: (request: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined,
) {
  app.setNotFoundHandler(
    (request, reply) =>
      fallback?.(request, reply) ??
      send(reply, 404, {
        code: 'route_not_found',
        message: `No route ${request.method} ${request.url.split('?')[0]}. The API is described at /api/openapi.json.`,
      }),
  );
}
