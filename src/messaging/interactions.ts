import { type FeedbackInput, recordFeedback } from '../alerts/index.js';
import { type ConnectionDeps, type OpenConnection, openConnectionById } from '../connections/index.js';
import { AppError, notFound } from '../core/errors.js';
import { fromJson } from '../db/index.js';
import {
  type InteractionAction,
  InteractionRefusedError,
  type OutgoingMessage,
} from '../integrations/index.js';
import type { Runtime } from '../runtime/index.js';
import { messengerOf } from './open.js';

/** What an interaction is answered with. */
export interface InteractionOutcome {
  ok: true;
  /** A verdict was stored (false: a verified request that carried no feedback action). */
  recorded: boolean;
  /** The message the button was on was replaced with the outcome before the answer went out. */
  messageUpdated: boolean;
}

/** The service expects an answer within 3 s: the message update waits at most this long. */
const UPDATE_WAIT_MS = 2_000;

/** Where the feedback goes (`recordFeedback` of src/alerts); a parameter so tests can observe it. */
export type FeedbackRecorder = (
  rt: Runtime,
  input: FeedbackInput,
  opts: { messenger: ReturnType<typeof messengerOf> },
) => Promise<{ message?: OutgoingMessage }>;

/**
 * Accept a signed interaction (a feedback button pressed) for any integration with the
 * `interactions` capability. The request names no workspace: it is the connection whose signing
 * secret verifies the exact bytes (and whose service team, when its health details name one, is
 * the payload's). Anything unverified is refused with 401 and nothing is recorded. The verdict goes
 * to the alerts' feedback; the message is then updated with the outcome.
 *
 * @example
 * await acceptInteraction(rt, { integration: name, body: rawBody, headers });
 */
export async function acceptInteraction(
  rt: Runtime,
  request: { integration: string; body: Buffer; headers: Readonly<Record<string, string | undefined>> },
  record: FeedbackRecorder = recordFeedback,
): Promise<InteractionOutcome> {
  const integration = rt.integrations.get(request.integration);
  const capability = integration?.interactions;
  if (!integration || !capability) {
    throw notFound(
      `Interactions endpoint for "${request.integration}" (no such integration takes button presses)`,
    );
  }
  const refused = (reason: string) =>
    new AppError(
      401,
      'unauthorized',
      `Refused: ${reason} Check that the app's signing secret is the one stored in Beton (PUT /api/v1/integrations/${integration.name}).`,
    );

  try {
    capability.screen?.({ body: request.body, headers: request.headers, now: rt.clock.now() });
  } catch (error) {
    if (error instanceof InteractionRefusedError) throw refused(error.message);
    throw error;
  }
  const verified = await verifiedConnections(rt, integration.name, (open) => {
    const secret = open.credentials[capability.secretField];
    if (typeof secret !== 'string' || secret === '') return false;
    try {
      capability.verify({ body: request.body, headers: request.headers, secret, now: rt.clock.now() });
      return true;
    } catch (error) {
      if (error instanceof InteractionRefusedError) return false;
      throw error;
    }
  });
  if (verified.length === 0) throw refused('the request is not signed by a connected app.');

  let action: InteractionAction | null;
  try {
    action = capability.parse({ body: request.body, headers: request.headers });
  } catch (error) {
    if (error instanceof InteractionRefusedError) throw new AppError(400, 'bad_request', error.message);
    throw error;
  }
  if (!action) return { ok: true, recorded: false, messageUpdated: false };
  const teamId = action.teamId;
  const connection = verified.find((c) => c.teamId === teamId) ?? verified.find((c) => c.teamId === null);
  if (!connection) throw refused(`team ${teamId} is not the team of the connected app.`);

  const messenger = messengerOf(rt, connection.open);
  const result = await record(
    rt,
    {
      workspaceId: connection.open.workspaceId,
      alertRef: action.alertRef,
      verdict: action.verdict,
      actor: action.actor,
    },
    { messenger },
  );
  const sent = action.message;
  if (!result.message || !sent) return { ok: true, recorded: true, messageUpdated: false };
  const message = result.message;
  const update = messenger.update(sent, message).then(
    () => true,
    (error: unknown) => {
      rt.logger.warn(
        { integration: integration.name, workspaceId: connection.open.workspaceId, err: String(error) },
        'could not update the message a feedback button was pressed on',
      );
      return false;
    },
  );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), UPDATE_WAIT_MS);
  });
  const messageUpdated = await Promise.race([update, late]);
  clearTimeout(timer);
  return { ok: true, recorded: true, messageUpdated };
}

/** The connections of `integration` whose secret verifies the request, with their service team. */
async function verifiedConnections(
  deps: ConnectionDeps,
  integration: string,
  verifies: (open: OpenConnection) => boolean,
): Promise<{ open: OpenConnection; teamId: string | null }[]> {
  // The one lookup not scoped by workspace: the signature is what names the workspace.
  const rows = await deps.db.kysely
    .selectFrom('connections')
    .select(['id', 'workspace_id', 'health_json'])
    .where('integration', '=', integration)
    .execute();
  const found: { open: OpenConnection; teamId: string | null }[] = [];
  for (const row of rows) {
    const open = await openConnectionById(deps, row.workspace_id, row.id, { allowErrored: true });
    if (!verifies(open)) continue;
    const details = fromJson<{ details?: { teamId?: unknown } } | null>(row.health_json, null)?.details;
    found.push({ open, teamId: typeof details?.teamId === 'string' ? details.teamId : null });
  }
  return found;
}
