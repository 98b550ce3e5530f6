/**
 * Segment's HTTP tracking API calls as Beton accepts them (API_FACTS: Segment-compatible event
 * ingest): `track`, `identify`, `group`, `page` (and `screen`, `alias`, which senders may batch),
 * each with a `messageId`, a `userId` or `anonymousId` and an optional ISO `timestamp`.
 */
import { type IngestLimits, type IngestMessage, malformedCall } from '../capabilities/ingest.js';

/** Call types accepted inside a batch; the single-call paths are the first four. */
export const CALL_TYPES = ['track', 'identify', 'group', 'page', 'screen', 'alias'] as const;
const LONGEST_ID = 255;
const LONGEST_EVENT = 200;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
/** An id as Segment's libraries send it: a string, or a number they did not stringify. */
export const idText = (v: unknown): string | null =>
  typeof v === 'string' && v.trim() !== ''
    ? v.trim()
    : typeof v === 'number' && Number.isFinite(v)
      ? String(v)
      : null;

/**
 * The messages of one request: a single call at `/v1/<type>`, or `{ batch: [...] }` at `/v1/batch`.
 * Throws `malformedCall` naming the first bad call and why.
 *
 * @example parseCalls('batch', { batch: [{ type: 'track', event: 'login', userId: 'u1', messageId: 'm1' }] }, limits)
 */
export function parseCalls(path: string, body: Obj, limits: IngestLimits): IngestMessage[] {
  if (path !== 'batch') return [checkCall(body, path, 'The call', limits, false)];
  const batch = body.batch;
  if (!Array.isArray(batch)) throw malformedCall('The batch has no "batch" array of calls');
  return batch.map((item, i) => {
    if (!isObj(item)) throw malformedCall(`Batch call ${i} is not an object`);
    const type = item.type;
    if (typeof type !== 'string' || !(CALL_TYPES as readonly string[]).includes(type)) {
      throw malformedCall(
        `Batch call ${i} has type ${JSON.stringify(type).slice(0, 60)}; expected one of ${CALL_TYPES.join(', ')}`,
      );
    }
    return checkCall(item, type, `Batch call ${i}`, limits, true);
  });
}

function checkCall(
  call: Obj,
  type: string,
  where: string,
  limits: IngestLimits,
  inBatch: boolean,
): IngestMessage {
  const bytes = Buffer.byteLength(JSON.stringify(call));
  if (bytes > limits.callBytes) {
    throw malformedCall(
      `${where} is ${bytes} bytes, over the ${limits.callBytes}-byte limit per call`,
      inBatch ? 400 : 413,
    );
  }
  const messageId = idText(call.messageId);
  if (!messageId)
    throw malformedCall(`${where} has no "messageId" (it is what keeps a retry from counting twice)`);
  if (messageId.length > LONGEST_ID)
    throw malformedCall(`${where} has a messageId longer than ${LONGEST_ID} characters`);
  const userId = idText(call.userId);
  const anonymousId = idText(call.anonymousId);
  if (!userId && !anonymousId) throw malformedCall(`${where} has neither "userId" nor "anonymousId"`);
  if ((userId?.length ?? 0) > LONGEST_ID || (anonymousId?.length ?? 0) > LONGEST_ID) {
    throw malformedCall(`${where} has a userId or anonymousId longer than ${LONGEST_ID} characters`);
  }
  if (call.timestamp !== undefined && call.timestamp !== null) {
    if (typeof call.timestamp !== 'string' || Number.isNaN(Date.parse(call.timestamp))) {
      throw malformedCall(`${where} has a "timestamp" that is not an ISO 8601 date`);
    }
  }
  if (type === 'track') {
    const event = call.event;
    if (typeof event !== 'string' || event.trim() === '')
      throw malformedCall(`${where} (track) has no "event" name`);
    if (event.length > LONGEST_EVENT)
      throw malformedCall(`${where} has an event name over ${LONGEST_EVENT} characters`);
  }
  if (type === 'group') {
    const groupId = idText(call.groupId);
    if (!groupId) throw malformedCall(`${where} (group) has no "groupId"`);
    if (groupId.length > LONGEST_ID)
      throw malformedCall(`${where} has a groupId longer than ${LONGEST_ID} characters`);
  }
  for (const field of ['traits', 'properties', 'context'] as const) {
    if (call[field] !== undefined && call[field] !== null && !isObj(call[field])) {
      throw malformedCall(`${where} has "${field}" that is not an object`);
    }
  }
  return { messageId, call: type, body: call };
}
