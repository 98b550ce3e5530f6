/** Slack Web API shapes, as Slack sends them (only the fields Beton reads). */

/** Every answer is HTTP 200 with `ok`; a failure names its error code. */
export interface SlackAnswer {
  ok: boolean;
  error?: string;
  /** With `missing_scope`: the scope the method needs, and those the token has. */
  needed?: string;
  provided?: string;
  warning?: string;
}

export interface SlackAuthTest extends SlackAnswer {
  url: string;
  team: string;
  team_id: string;
  user: string;
  user_id: string;
  bot_id?: string;
}

export interface SlackChannel {
  id: string;
  name: string;
  is_private?: boolean;
  is_archived?: boolean;
  is_member?: boolean;
}

export interface SlackConversationsPage extends SlackAnswer {
  channels: SlackChannel[];
  response_metadata?: { next_cursor?: string };
}

export interface SlackUser {
  id: string;
  name?: string;
  real_name?: string;
  profile?: { email?: string; real_name?: string; display_name?: string };
}

export interface SlackUserAnswer extends SlackAnswer {
  user: SlackUser;
}

export interface SlackPostAnswer extends SlackAnswer {
  channel: string;
  ts: string;
}

/** The body of `chat.postMessage` / `chat.update`. */
export interface SlackMessageArgs {
  channel: string;
  text: string;
  blocks?: unknown[];
  ts?: string;
  unfurl_links?: boolean;
  unfurl_media?: boolean;
  /** App data on the message, not shown to people; read back with `conversations.history`. */
  metadata?: SlackMetadata;
}

/** Message metadata: an app-defined event type and a free-form payload. */
export interface SlackMetadata {
  event_type: string;
  /** Returned by `conversations.history` only with `include_all_metadata=true`. */
  event_payload?: Record<string, unknown>;
}

/** A message as `conversations.history` returns it (the fields Beton reads). */
export interface SlackHistoryMessage {
  type: string;
  ts: string;
  text?: string;
  user?: string;
  bot_id?: string;
  app_id?: string;
  metadata?: SlackMetadata;
}

/** One page of `conversations.history`, newest message first. */
export interface SlackHistoryPage extends SlackAnswer {
  messages: SlackHistoryMessage[];
  has_more?: boolean;
  response_metadata?: { next_cursor?: string };
}

/** `conversations.open`: the direct-message channel with a person. */
export interface SlackOpenAnswer extends SlackAnswer {
  channel: { id: string };
}

/** The `payload` of a `block_actions` interaction (the fields Beton reads). */
export interface SlackBlockActionsPayload {
  type: string;
  team?: { id?: string; domain?: string };
  user?: { id?: string; name?: string; username?: string };
  channel?: { id?: string };
  container?: { channel_id?: string; message_ts?: string };
  message?: { ts?: string };
  response_url?: string;
  actions?: { action_id?: string; value?: string; block_id?: string }[];
}
