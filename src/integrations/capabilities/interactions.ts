import type { FeedbackVerdict, SentMessage } from './messaging.js';

/**
 * The `interactions` capability: a chat service posts what people did with a message's buttons
 * (Useful, Not useful, Snooze) to `POST /api/v1/integrations/<name>/interactions`. The platform
 * finds the connection whose signing secret verifies the request, refuses anything unverified
 * (401, nothing recorded), hands the action to the alerts' feedback, and updates the message.
 *
 * The integration only knows its service's format: how a request is signed (`verify`, over the
 * exact bytes received) and where the verdict, the alert and the person are in it (`parse`).
 *
 * @example
 * interactions: {
 *   description: 'Feedback buttons on alerts',
 *   secretField: 'signingSecret',
 *   verify: ({ body, headers, secret, now }) => verifyAcmeSignature(body, headers, secret, now),
 *   parse: (body) => parseAcmeAction(body),
 * }
 */
export interface InteractionsCapability {
  /** What the service sends here, for the docs. */
  description: string;
  /** The `secret()` credential field holding the key the service signs its requests with. */
  secretField: string;
  /**
   * Optional: what can be refused without any secret (signature headers missing, timestamp stale).
   * The platform runs it before loading a single connection, so floods of junk cost nothing.
   * Throws `InteractionRefusedError` like `verify`.
   */
  screen?(request: InteractionRequest & { now: Date }): void;
  /**
   * Check the request's signature with one connection's secret; throw `InteractionRefusedError`
   * when it does not hold (wrong signature, stale or missing timestamp). Compare in constant time.
   */
  verify(request: InteractionRequest & { secret: string; now: Date }): void;
  /**
   * The feedback action in a verified request, or null when the request is something else the
   * service sends (acknowledged, nothing done). Throws `InteractionRefusedError` on a malformed body.
   */
  parse(request: InteractionRequest): InteractionAction | null;
}

/** A request as the HTTP layer received it. */
export interface InteractionRequest {
  /** The exact bytes received: the signature covers them. */
  body: Buffer;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string | undefined>>;
}

/** A person's verdict on an alert, in the platform's terms. */
export interface InteractionAction {
  verdict: FeedbackVerdict;
  /** The alert the button belonged to (the card's `alertRef`). */
  alertRef: string;
  actor: { id: string; name?: string };
  /**
   * The service's account (workspace, team) the action came from; when a connection's stored
   * health details name a `teamId`, it must be this one.
   */
  teamId: string;
  /** The message the button was on, so it can be updated with the outcome. */
  message?: SentMessage;
}

/** A request that is not verifiably from the service, or not readable: answered 401 or 400. */
export class InteractionRefusedError extends Error {
  constructor(
    message: string,
    /** `unverified` → 401 (nothing recorded); `malformed` → 400. */
    readonly reason: 'unverified' | 'malformed',
  ) {
    super(message);
    this.name = 'InteractionRefusedError';
  }
}
