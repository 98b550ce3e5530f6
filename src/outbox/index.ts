/**
 * The outbox: events written in the transaction that made them true, read by consumers (alerts,
 * outbound webhooks) through per-consumer cursors. Depends only on src/db, so every domain folder
 * (scoring, push, sync) can record events.
 */
export {
  type ConsumeOptions,
  consumeOutbox,
  drainOutbox,
  listOutboxEvents,
  outboxPosition,
} from './consume.js';
export {
  type GradeChangedPayload,
  type NewOutboxEvent,
  type OccurrenceEventPayload,
  OUTBOX_EVENT_TYPES,
  type OutboxEvent,
  type OutboxEventType,
} from './events.js';
export { type OccurrenceChanges, occurrenceEventWrites, recordOccurrenceEvents } from './occurrences.js';
export {
  eventWrites,
  holdWriterLock,
  OUTBOX_CHANNEL,
  recordEvent,
  recordEvents,
  startEventWrite,
} from './record.js';
