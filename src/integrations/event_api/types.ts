/** A group (an account) as the group calls described it; traits merged over time. */
export interface EventsGroup {
  groupId: string;
  name: string | null;
  domain: string | null;
  traits: Record<string, unknown>;
  firstSeenAt: string;
}

/** A user as identify and group calls described them; `id` is the userId or `anon:<anonymousId>`. */
export interface EventsUser {
  id: string;
  userId: string | null;
  email: string | null;
  name: string | null;
  title: string | null;
  /** The group of the user's latest group call. */
  groupId: string | null;
  traits: Record<string, unknown>;
  firstSeenAt: string;
  lastSeenAt: string;
}

/** Calls of one account, event and UTC day; id `<group_key>|<day>|<event>`. */
export interface EventsUsageDay {
  group_key: string;
  day: string;
  event: string;
  count: number;
}
