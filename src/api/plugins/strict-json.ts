import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { badRequest } from '../../core/errors.js';

/**
 * The first key that appears twice in one object of a JSON text, or null. JSON.parse keeps the
 * last value silently, so `{"role":"viewer","role":"owner"}` would pass a reviewer who reads the
 * first one; routes that grant roles refuse it instead.
 *
 * @example
 * duplicateKey('{"role":"viewer","role":"owner"}'); // 'role'
 */
export function duplicateKey(text: string): string | null {
  // A stack of the keys seen in each open object (null for an open array).
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (expectKey && top) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.has(key)) return key;
        top.add(key);
        expectKey = false;
      }
      i = end;
    } else if (ch === '{') {
      stack.push(new Set());
      expectKey = true;
    } else if (ch === '[') {
      stack.push(null);
    } else if (ch === '}' || ch === ']') {
      stack.pop();
    } else if (ch === ',') {
      expectKey = stack[stack.length - 1] !== null && stack.length > 0;
    }
  }
  return null;
}

/**
 * Parse JSON bodies in this plugin's routes (members, invitations, API keys: the ones that grant
 * roles) refusing duplicate keys with 400 `bad_request`, besides what Fastify's own parser refuses
 * (malformed JSON, prototype poisoning). Call once at the top of a route plugin; Fastify scopes
 * the parser to that plugin.
 *
 * @example
 * export const memberRoutes: FastifyPluginAsyncZod = async (app) => {
 *   rejectDuplicateJsonKeys(app);
 *   …
 * };
 */
export function rejectDuplicateJsonKeys(app: FastifyInstance) {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') {
      // Fastify's own answer for this case, mapped by the error handler.
      const error = Object.assign(
        new Error('Body cannot be empty when content-type is set to application/json'),
        {
          code: 'FST_ERR_CTP_EMPTY_JSON_BODY',
          statusCode: 400,
        },
      );
      done(error, undefined);
      return;
    }
    let value: unknown;
    try {
      value = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
    } catch (e) {
      done(Object.assign(e as Error, { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }), undefined);
      return;
    }
    const repeated = duplicateKey(text);
    if (repeated !== null) {
      done(
        badRequest(
          `The JSON body repeats the key "${repeated}"; send each field once (a repeated key would hide which value applies).`,
        ),
        undefined,
      );
      return;
    }
    done(null, value);
  });
}
