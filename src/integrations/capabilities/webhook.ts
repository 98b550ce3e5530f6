import { AppError } from '../../core/errors.js';

/**
 * The `webhook` capability: a service pushes signed events to
 * `POST /api/v1/webhooks/<name>/<connectionId>`; the integration verifies the signature and says
 * what each event changes in its synced records. The platform does the rest (src/sync/webhooks.ts):
 * finds the connection and its signing secret, refuses replays and events older than one already
 * applied to the same object, writes the record upserts and deletes with the dedupe row in one
 * transaction, and records signed events it had to refuse as malformed.
 *
 * @example
 * webhook: {
 *   description: 'Signed Acme events keep contacts fresh between syncs.',
 *   secretField: 'webhookSecret',
 *   missingSecret: () => new AppError(400, 'webhook_secret_missing', 'Add the credential webhookSecret.'),
 *   verify: ({ body, headers, secret }) => {
 *     if (!hmacMatches(body, headers['acme-signature'], secret)) throw invalidSignature('Acme', 'the HMAC differs');
 *     return parseWebhookJson(body);
 *   },
 *   map: (event) => ({ id: event.id, type: event.type, createdAt: event.ts, objectId: event.contact.id,
 *     changes: [{ stream: 'contacts', externalId: event.contact.id, payload: event.contact, deleted: false }] }),
 * }
 */
export interface WebhookCapability {
  /** What the deliveries keep fresh, for the docs and the API reference. */
  description: string;
  /** The credential field holding the endpoint's signing secret. */
  secretField: string;
  /** The error a delivery meets when the connection has no signing secret: says how to add it. */
  missingSecret(): AppError;
  /**
   * Check the signature over the exact bytes received and parse the body. Throws
   * `invalidSignature(...)` when it does not verify (answered 400, not recorded: anyone can send
   * junk), `malformedEvent(...)` when it verifies but is not an event (answered 400 and recorded).
   */
  verify(request: WebhookRequest): unknown;
  /** What a verified event changes. Throws `malformedEvent(...)` when it lacks what events carry. */
  map(event: unknown): WebhookEvent;
}

/** One delivery as received. */
export interface WebhookRequest {
  /** The raw body: signatures cover its exact bytes. */
  body: Buffer;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The connection's signing secret. */
  secret: string;
  /** Beton's clock, for the signature's age. */
  now: Date;
}

/** A verified event, mapped. */
export interface WebhookEvent {
  /** The service's event id: a delivery of an id seen before is acknowledged and ignored. */
  id: string;
  type: string;
  /** When the service created the event (unix seconds): an older event never overwrites a newer one. */
  createdAt: number;
  /** The object the event is about, for that ordering; null when none. */
  objectId: string | null;
  /** Record upserts and deletes, in the integration's streams; empty = acknowledged, not stored. */
  changes: WebhookRecordChange[];
}

export interface WebhookRecordChange {
  stream: string;
  externalId: string;
  payload: unknown;
  /** The service deleted the object: the record is marked deleted (its payload kept). */
  deleted: boolean;
}

/** A signed delivery that is not an event as the service sends them. */
export class MalformedWebhookEventError extends AppError {
  override name = 'MalformedWebhookEventError';
}

/**
 * The 400 for a delivery whose signature does not verify.
 *
 * @example
 * throw invalidSignature('Acme', 'the Acme-Signature header is missing');
 */
export function invalidSignature(displayName: string, reason: string): AppError {
  return new AppError(400, 'invalid_signature', `The ${displayName} signature did not verify: ${reason}`);
}

/**
 * The 400 for a correctly signed delivery that is not an event: recorded with the connection's
 * rejected events, not applied.
 *
 * @example
 * if (typeof event.id !== 'string') throw malformedEvent('Acme', 'it has no string "id"');
 */
export function malformedEvent(displayName: string, reason: string): MalformedWebhookEventError {
  return new MalformedWebhookEventError(
    400,
    'malformed_event',
    `The ${displayName} event is signed but malformed: ${reason}. It was recorded and not applied; nothing needs doing unless it keeps happening (then check what sends to this endpoint).`,
  );
}

/** Deepest JSON nesting a webhook body may have: real events nest a dozen levels at most. */
export const MAX_WEBHOOK_DEPTH = 64;

/**
 * Parse a verified body as a JSON object no deeper than `MAX_WEBHOOK_DEPTH` (deeper would
 * overflow the stack when it is stored). Throws `malformedEvent` otherwise.
 *
 * @example
 * const event = parseWebhookJson(request.body, 'Acme') as { id?: unknown };
 */
export function parseWebhookJson(body: Buffer, displayName: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw malformedEvent(displayName, 'the body is not JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw malformedEvent(displayName, `the body is ${Array.isArray(parsed) ? 'an array' : 'not an object'}`);
  }
  if (depthOf(parsed) > MAX_WEBHOOK_DEPTH) {
    throw malformedEvent(displayName, `the body nests deeper than ${MAX_WEBHOOK_DEPTH} levels`);
  }
  return parsed as Record<string, unknown>;
}

/** Nesting depth of a parsed JSON value, walked without recursion (a deep one must not overflow). */
function depthOf(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) max = depth;
    if (max > MAX_WEBHOOK_DEPTH) return max;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return max;
}
