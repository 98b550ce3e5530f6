import { type ConnectionDeps, connectionClient, openConnection, providerFor } from '../connections/index.js';
import type { MessageTarget, Messenger } from '../integrations/index.js';

/**
 * The workspace's messaging service, found as push finds its destination: the integration the
 * workspace chose for the `messaging` capability, else the only connected one offering it.
 */
export interface OpenMessenger {
  integration: string;
  messenger: Messenger;
  /** The service's pace per channel or person. */
  pacePerTargetPerSecond: number;
}

/** @example const { messenger } = await openMessenger(rt, ws); await messenger.listChannels(); */
export async function openMessenger(deps: ConnectionDeps, workspaceId: string): Promise<OpenMessenger> {
  const name = await providerFor(deps, workspaceId, 'messaging');
  const capability = deps.integrations.require(name).messaging;
  if (!capability) throw new Error(`${name} offers no messaging capability.`);
  const open = await openConnection(deps, workspaceId, name);
  const parsed = open.integration.settings.safeParse(open.settings);
  const messenger = capability.open(connectionClient(deps, open), {
    workspaceId,
    connectionId: open.connectionId,
    settings: parsed.success ? parsed.data : open.settings,
    logger: deps.logger,
    clock: deps.clock,
  });
  return { integration: name, messenger, pacePerTargetPerSecond: capability.pacePerTargetPerSecond };
}

/** A target as one comparable string (the key deliveries are serialised and paced by). */
export const targetKey = (t: MessageTarget) => `${t.kind}:${t.id}`;
export function parseTargetKey(key: string): MessageTarget {
  const at = key.indexOf(':');
  const kind = key.slice(0, at);
  if (kind !== 'channel' && kind !== 'person') throw new Error(`Not a message target: ${key}`);
  return { kind, id: key.slice(at + 1) };
}
