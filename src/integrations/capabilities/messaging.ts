import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';

/**
 * The `messaging` capability: a chat service Beton posts alerts and digests to (Slack today). The
 * platform's alerts (src/alerts) decide what to send, when and to whom, keep the outbox and the
 * delivery history, pace and retry; the integration only adapts these calls to its API.
 *
 * Failures are thrown as `MessagingError` with the service's own error code (`not_in_channel`,
 * `channel_not_found`, …), so the history shows the reason a person can act on; `retryAfterMs`
 * is set when the service asked to wait (a 429), `permanent` when retrying cannot help.
 *
 * @example
 * messaging: {
 *   description: 'Alerts and digests as channel messages or direct messages to owners.',
 *   pacePerTargetPerSecond: 1,
 *   open: (client) => acmeMessenger(client),
 * }
 */
// biome-ignore lint/suspicious/noExplicitAny: the client and settings types differ per integration.
export interface MessagingCapability<TClient = any, TSettings = any> {
  /** What is sent where, for the docs and the settings card. */
  description: string;
  /** The service's sustained pace per channel or person, so senders stay under it. */
  pacePerTargetPerSecond: number;
  /** The messenger over one connection's client. */
  open(client: TClient, ctx: MessagingContext<TSettings>): Messenger;
}

export interface MessagingContext<TSettings> {
  workspaceId: string;
  connectionId: string;
  settings: TSettings;
  logger: Logger;
  clock: Clock;
}

/** A place a message can go: a channel, or a person (a direct message). */
export type MessageTarget = { kind: 'channel'; id: string } | { kind: 'person'; id: string };

/** A message: rich blocks in the service's own format, always with a plain-text fallback. */
export interface OutgoingMessage {
  text: string;
  /** The service's rich layout (Slack Block Kit blocks), or absent for plain text. */
  blocks?: unknown[];
  /**
   * What the message stands for, attached to it where people do not see it (Slack: message
   * metadata), so `findPosted` can find it again. A messenger without `findPosted` may ignore it.
   */
  ref?: MessageRef;
}

/** The identity a message carries: which alert it is, and which try posted it. */
export interface MessageRef {
  /** The kind of thing the message is, in snake_case (`beton_alert`). */
  kind: string;
  /** Its id (the alert's). */
  id: string;
  /** The try that posts it: a message found later tells which try reached the service. */
  attemptId: string;
}

/** A message `findPosted` found: where it lives, and the try that posted it. */
export interface PostedMessage extends SentMessage {
  attemptId: string | null;
}

/** Where a sent message lives, so it can be updated (feedback buttons answered). */
export interface SentMessage {
  channel: string;
  ts: string;
}

export interface MessagingChannel {
  id: string;
  name: string;
  isPrivate: boolean;
  isArchived: boolean;
  /** Whether the bot is in it (it must be, to post). */
  isMember: boolean;
}

export interface Messenger {
  /** Every channel the connection can see, all pages read. */
  listChannels(): Promise<MessagingChannel[]>;
  /** The person with this e-mail on the service, or null when there is none. */
  findPersonByEmail(email: string): Promise<{ id: string; name?: string } | null>;
  /** Post to a channel or a person, attaching `message.ref` when the service can carry it. */
  post(target: MessageTarget, message: OutgoingMessage): Promise<SentMessage>;
  update(sent: SentMessage, message: OutgoingMessage): Promise<void>;
  /**
   * Optional: the message this connection posted to `target` since `since` that carries the ref
   * (`kind` and `id`), or null when there is none. Senders ask before posting again a message whose
   * earlier try has an unknown outcome (the worker died after the service accepted it, an answer
   * never came), so it is not posted twice. Without it such a message is posted again: at least
   * once, not exactly once. `since` is when that try began (minus a margin for clock skew); read
   * every page of the target's history from there.
   */
  findPosted?(
    target: MessageTarget,
    ref: Pick<MessageRef, 'kind' | 'id'>,
    since: Date,
  ): Promise<PostedMessage | null>;
  /**
   * The card in the service's rich layout (with its text fallback). Absent: senders post
   * `cardText(card)` as plain text.
   */
  renderCard?(card: AlertCard): OutgoingMessage;
}

/** A verdict a person gives on an alert with the card's buttons. */
export type FeedbackVerdict = 'useful' | 'not_useful' | 'snooze';

/**
 * An alert or digest as the platform composes it, independent of any service's layout: the
 * messenger's `renderCard` turns it into blocks; `cardText` is the plain-text form.
 */
export interface AlertCard {
  /** The headline, e.g. the account's name and the signal. */
  title: string;
  subtitle?: string;
  /** Sentences, in order (the explanation, the drivers). */
  lines: string[];
  fields?: { label: string; value: string }[];
  links: { label: string; url: string }[];
  /** Feedback buttons; each carries `alertRef` back with the verdict. */
  actions?: { verdict: FeedbackVerdict; label: string }[];
  /** Identifies the alert when a button is pressed (opaque to the service). */
  alertRef: string;
}

/** The plain-text form of a card: the fallback of every rich message, and the message where none. */
export function cardText(card: AlertCard): string {
  const parts = [card.subtitle ? `${card.title} (${card.subtitle})` : card.title, ...card.lines];
  for (const field of card.fields ?? []) parts.push(`${field.label}: ${field.value}`);
  for (const link of card.links) parts.push(`${link.label}: ${link.url}`);
  return parts.join('\n');
}

/** A failure the service reported, named by its own error code. */
export class MessagingError extends Error {
  constructor(
    /** The service's code, e.g. `not_in_channel`. */
    readonly code: string,
    message: string,
    readonly options: {
      retryAfterMs?: number;
      permanent: boolean;
      /**
       * The service answered and took nothing (an `ok:false`, a 4xx, a 429): the message surely
       * was not posted. Leave it unset when the answer never came (a timeout, a lost connection, a
       * 5xx): the message may have been posted, and a sender looks before posting it again.
       */
      refused?: boolean;
    },
  ) {
    super(message);
    this.name = 'MessagingError';
  }
}
