import { AppError } from '../../core/errors.js';

/**
 * The `ingest` capability: a sender pushes calls to Beton over HTTP, authenticated by a write key
 * Beton generates per connection (HTTP Basic, the key as user name). The platform (src/ingest) does
 * the rest: mounts `POST /v1/<call>` and `POST /api/v1/ingest/<call>` for the calls declared here,
 * checks the key (stored as SHA-256, revocable), the size limits and the per-key rate, refuses a
 * message id seen before on the connection, and writes what the integration says the fresh calls
 * change — records and counters — in one short transaction before answering 200. Malformed calls
 * answer 400 with the reason and are counted on the connection.
 *
 * @example
 * ingest: {
 *   description: 'Acme sends events here.',
 *   calls: ['event', 'batch'],
 *   limits: { callBytes: 32 * 1024, requestBytes: 500 * 1024, requestsPerSecond: 100 },
 *   parse: (call, body) => [{ messageId: String((body as { id: string }).id), call }],
 *   apply: async (messages) => ({ upserts: [], increments: [], unattributed: 0 }),
 * }
 */
export interface IngestCapability {
  /** What the sender pushes and what it becomes, for the docs and the API reference. */
  description: string;
  /** The call names accepted as the last path segment: `/v1/<call>`, `/api/v1/ingest/<call>`. */
  calls: readonly string[];
  limits: IngestLimits;
  /**
   * The messages one request body carries (already parsed JSON). Throws `malformedCall(...)` with
   * the reason when it is not what senders send; the whole request is then refused and counted.
   */
  parse(call: string, body: unknown, limits: IngestLimits): IngestMessage[];
  /** What the fresh messages (never seen on the connection) change. Runs inside the write transaction. */
  apply(messages: readonly IngestMessage[], ctx: IngestApplyContext): Promise<IngestChanges>;
  /** What a sender is configured with (snippet for the web app and docs): `{url}` and `{key}` are filled in. */
  snippet?: string;
}

export interface IngestLimits {
  /** Largest single call, in bytes (JSON as received). */
  callBytes: number;
  /** Largest request body (a batch), in bytes. */
  requestBytes: number;
  /** Requests per second per write key (bursts of twice that are allowed). */
  requestsPerSecond: number;
}

/** One call of a request: its id (dedupe) and whatever the integration needs to apply it. */
export interface IngestMessage {
  messageId: string;
  call: string;
  body: Record<string, unknown>;
}

export interface IngestApplyContext {
  now: Date;
  workspaceId: string;
  connectionId: string;
  /** A stored record's payload of this integration (inside the transaction), or undefined. */
  record(stream: string, externalId: string): Promise<unknown>;
}

export interface IngestChanges {
  /** Records written whole (the integration merges with `record()` first when it needs to). */
  upserts: { stream: string; externalId: string; payload: unknown }[];
  /** Records whose numeric `field` grows by `by`; `payload` (with `field` = `by`) when new. */
  increments: { stream: string; externalId: string; field: string; by: number; payload: unknown }[];
  /** Accepted messages that could not be tied to anything (counted on the connection). */
  unattributed: number;
}

/** A request that is not what senders send: answered 400 with the reason and counted. */
export class MalformedCallError extends AppError {
  override name = 'MalformedCallError';
}

/**
 * The 400 for a call that is not well formed.
 *
 * @example
 * if (typeof body.event !== 'string') throw malformedCall('track call 3 has no "event" name');
 */
export function malformedCall(reason: string, status: 400 | 413 = 400): MalformedCallError {
  return new MalformedCallError(
    status,
    status === 413 ? 'payload_too_large' : 'malformed_call',
    `${reason}. The call was refused and counted as rejected on the connection; fix what the sender sends.`,
  );
}
