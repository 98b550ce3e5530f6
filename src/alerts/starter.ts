import type { ConnectionDeps } from '../connections/index.js';
import { openMessenger } from './messenger.js';
import { type AlertRule, createAlertRule, listAlertRules } from './rules.js';

/**
 * A first rule for a workspace that has a messaging integration and no rule yet: every signal to
 * the first channel the bot is in (the demo uses it, so `npm start` shows alerts flowing). Null
 * when there is no messaging integration, no channel the bot can post to, or a rule already.
 *
 * @example await starterAlertRule(rt, ws, new Date())
 */
export async function starterAlertRule(
  deps: ConnectionDeps,
  workspaceId: string,
  now: Date,
): Promise<AlertRule | null> {
  if ((await listAlertRules(deps.db.kysely, workspaceId)).length > 0) return null;
  let channels: Awaited<ReturnType<Awaited<ReturnType<typeof openMessenger>>['messenger']['listChannels']>>;
  try {
    channels = await (await openMessenger(deps, workspaceId)).messenger.listChannels();
  } catch {
    return null;
  }
  const channel = channels.find((c) => c.isMember && !c.isArchived && !c.isPrivate);
  if (!channel) return null;
  return createAlertRule(
    deps.db.kysely,
    workspaceId,
    {
      name: `Signals to #${channel.name}`,
      signals: { keys: [], directions: ['expansion', 'churn'] },
      destination: { kind: 'channel', channelId: channel.id },
      capPerRun: 25,
    },
    null,
    now.toISOString(),
  );
}
