/**
 * The bot token scopes Beton asks for (docs/integrations/slack.md says why each): the settings card
 * lists them and the simulator grants them to its default token.
 */
export const SLACK_BOT_SCOPES = [
  'chat:write',
  'channels:read',
  'groups:read',
  'users:read',
  'users:read.email',
  'im:write',
  // Reading back a post whose answer was lost, so it is not sent twice (docs/alerts.md).
  'channels:history',
  'groups:history',
  'im:history',
] as const;
