/**
 * What the outbox carries. Each type names something that happened and is written in the
 * transaction that made it happen (see record.ts), so a consumer sees it exactly when it is true.
 */
export const OUTBOX_EVENT_TYPES = [
  'signal.opened',
  'signal.closed',
  'account.grade_changed',
  'push.completed',
  'sync.failed',
] as const;
export type OutboxEventType = (typeof OUTBOX_EVENT_TYPES)[number];

/** A new event: the subject is what it is about (an occurrence id, an account id, a run id). */
export interface NewOutboxEvent {
  workspaceId: string;
  type: OutboxEventType;
  subject: string;
  payload: Record<string, unknown>;
}

/** A stored event as consumers read it. */
export interface OutboxEvent {
  id: number;
  workspaceId: string;
  type: OutboxEventType;
  subject: string;
  payload: Record<string, unknown>;
  createdAt: string;
}

/** `signal.opened` / `signal.closed`: the occurrence as it stood when it opened or closed. */
export interface OccurrenceEventPayload {
  occurrenceId: number;
  accountId: string;
  signalKey: string;
  strength: number;
  explanation: string;
  firstSeenAt: string;
  lastSeenAt: string;
  /** True when a closed occurrence opened again inside its dedupe window. */
  reopened?: boolean;
}

/** `account.grade_changed`: the visible grade moved (an account's first score is not a change). */
export interface GradeChangedPayload {
  accountId: string;
  from: string;
  to: string;
  score: number;
  previousScore: number | null;
  runId: string | null;
}
