import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';

/**
 * One gate for the NUL character (U+0000) in anything a request carries into Beton: the path, the
 * query string and the body (parsed JSON, or a raw body kept for its signature: a webhook's JSON, an
 * interaction's form fields). Postgres text cannot hold NUL, so without this gate such input reached
 * the database and answered 500 — on the unauthenticated webhook path too. No value Beton stores
 * may contain it, so it is refused before any route runs, in the one error shape, on SQLite and
 * Postgres alike.
 *
 * @example
 * registerNulCharacterGuard(app); // before the routes: GET /api/v1/accounts/a%00b → 400 invalid_character
 */
export function registerNulCharacterGuard(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    // `%00` is the only way a NUL reaches a URL (Node refuses a raw one in the request line).
    if (/%00/i.test(request.url) || request.url.includes('\u0000')) throw refusal('the URL');
  });
  app.addHook('preValidation', async (request) => {
    if (bodyHasNul(request)) throw refusal('the body');
  });
}

function refusal(where: string): AppError {
  return new AppError(
    400,
    'invalid_character',
    `The request holds a NUL character (\\u0000) in ${where}; no text Beton stores may contain one. Remove it and try again.`,
  );
}

function bodyHasNul(request: FastifyRequest): boolean {
  const body = request.body;
  if (body === undefined || body === null) return false;
  if (Buffer.isBuffer(body) || typeof body === 'string')
    return rawHasNul(body, request.headers['content-type']);
  return valueHasNul(body);
}

const FORM_ENCODED = /^\s*application\/x-www-form-urlencoded\b/i;

/**
 * A raw body (kept unparsed so a signature can cover its bytes): a NUL byte, a JSON document whose
 * strings decode to one, or — form-encoded, as a signed interaction is — a field whose name or value
 * decodes to one (`%00`, or a JSON field such as Slack's `payload` holding a `\u0000` escape).
 */
function rawHasNul(body: Buffer | string, contentType: string | undefined): boolean {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (textHasNul(text)) return true;
  if (!FORM_ENCODED.test(contentType ?? '')) return false;
  for (const [name, value] of new URLSearchParams(text)) {
    if (textHasNul(name) || textHasNul(value)) return true;
  }
  return false;
}

/**
 * Text holding NUL itself, or JSON whose strings decode to one. Parsed only when the text holds a
 * `\u0000` escape, so ordinary bodies cost one scan.
 */
function textHasNul(text: string): boolean {
  if (text.includes('\u0000')) return true;
  if (!/\\u0000/i.test(text)) return false;
  try {
    return valueHasNul(JSON.parse(text));
  } catch {
    return false; // Not JSON: the route answers its own 400 for that.
  }
}

/** Any string value or key holding NUL, walked without recursion (bodies may nest deeply). */
function valueHasNul(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return true;
    } else if (Array.isArray(value)) {
      for (const item of value) stack.push(item);
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (key.includes('\u0000')) return true;
        stack.push(item);
      }
    }
  }
  return false;
}
