import {
  type ConnectionDeps,
  connectionClient,
  type OpenConnection,
  openConnection,
} from '../connections/index.js';
import { AppError } from '../core/errors.js';
import { type MessagingChannel, MessagingError, type Messenger } from '../integrations/index.js';

/**
 * The messenger over one open connection of an integration with the `messaging` capability.
 *
 * @example
 * const messenger = messengerOf(rt, await openConnection(rt, ws, name));
 */
export function messengerOf(deps: ConnectionDeps, open: OpenConnection): Messenger {
  const capability = open.integration.messaging;
  if (!capability) {
    throw new AppError(404, 'not_found', `${open.integration.displayName} does not post messages.`);
  }
  const parsed = open.integration.settings.safeParse(open.settings);
  return capability.open(connectionClient(deps, open), {
    workspaceId: open.workspaceId,
    connectionId: open.connectionId,
    settings: parsed.success ? parsed.data : open.settings,
    logger: deps.logger,
    clock: deps.clock,
  });
}

/**
 * Every channel the workspace's connection to `name` can see (the channel picker of alert rules
 * and digests), all pages read. Not connected → 404 that says how to connect; the service's refusal
 * → 502 naming its code and what to do.
 *
 * @example
 * const channels = await listMessagingChannels(rt, ws, name); // [{ id, name, isMember, … }]
 */
export async function listMessagingChannels(
  deps: ConnectionDeps,
  workspaceId: string,
  name: string,
): Promise<MessagingChannel[]> {
  const open = await openConnection(deps, workspaceId, name);
  const messenger = messengerOf(deps, open);
  try {
    const channels = await messenger.listChannels();
    return channels.sort((a, b) => a.name.localeCompare(b.name));
  } catch (error) {
    if (error instanceof MessagingError) {
      throw new AppError(
        502,
        'upstream_error',
        `${open.integration.displayName} refused to list channels (${error.code}): ${error.message}`,
        { code: error.code },
      );
    }
    throw error;
  }
}
