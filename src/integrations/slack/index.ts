import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import { baseUrlSetting, defineIntegration, secret } from '../sdk.js';
import { SlackApiError, SlackClient } from './client.js';
import { slackInteractions } from './interactions.js';
import { slackMessaging } from './messenger.js';
import { SLACK_BOT_SCOPES } from './scopes.js';

export { escapeMrkdwn, FEEDBACK_ACTION_PREFIX, renderAlertCard } from './blocks.js';
export { CHANNELS_PAGE_SIZE, HISTORY_PAGE_SIZE, SlackApiError, SlackClient, slackTs } from './client.js';
export {
  parseSlackInteraction,
  SIGNATURE_TOLERANCE_SECONDS,
  slackSignature,
  verifySlackRequest,
} from './interactions.js';
export { slackMessenger, toMessagingError } from './messenger.js';
export { SLACK_BOT_SCOPES } from './scopes.js';
export type * from './types.js';

/** Codes of `auth.test` that mean the token itself is wrong: the user must fix it. */
const TOKEN_REFUSED = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
]);

/**
 * Slack: alerts and digests posted by a bot to channels or as direct messages, with feedback buttons
 * (Slack interactivity, signed with the app's signing secret). Nothing is synced from Slack.
 */
export default defineIntegration({
  name: 'slack',
  displayName: 'Slack',
  description:
    'Alerts and digests in Slack channels or direct messages, with Useful / Not useful / Snooze buttons.',
  category: 'messaging',
  roles: ['messaging'],
  docs: {
    keyUrl: 'https://api.slack.com/apps',
    scopes: [...SLACK_BOT_SCOPES],
    setup: 'docs/integrations/slack.md',
  },
  credentials: z.object({
    botToken: secret(
      z.string().trim().startsWith('xoxb-', "a bot token (xoxb-…) from the app's OAuth & Permissions page"),
    ),
    signingSecret: secret(
      z
        .string()
        .trim()
        .regex(/^[0-9a-f]{16,128}$/i, "the app's signing secret (Basic Information → App Credentials)"),
    ),
  }),
  settings: z.object({ baseUrl: baseUrlSetting('https://slack.com/api') }),
  // Slack's tiers are per method (Tier 3 ≈ 50/min for conversations.list); chat.postMessage is
  // paced per channel by the sender (messaging.pacePerTargetPerSecond). This caps the token overall.
  rateLimit: { perSecond: 25, burst: 10, concurrency: 8 },
  defaultBaseUrl: 'https://slack.com/api',
  simulator: () => import('./simulator/index.js'),
  auth: (credentials) => ({ authorization: `Bearer ${credentials.botToken}` }),
  client: (ctx) => new SlackClient(ctx.http),
  validate: async (client) => {
    try {
      const me = await client.authTest();
      return { accountLabel: me.team, details: { teamId: me.team_id, url: me.url, botUserId: me.user_id } };
    } catch (error) {
      if (error instanceof SlackApiError && TOKEN_REFUSED.has(error.code)) {
        throw new AppError(
          400,
          'invalid_credentials',
          `Slack refused the bot token (${error.code}): copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page, reinstalling the app if it was removed.`,
          { reason: error.code },
        );
      }
      throw error;
    }
  },
  // The team id in the health details routes button presses to this connection.
  health: async (client) => {
    const me = await client.authTest();
    return { status: 'ok', details: { teamId: me.team_id, team: me.team, url: me.url } };
  },
  messaging: slackMessaging,
  interactions: slackInteractions,
});
