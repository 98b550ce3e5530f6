/**
 * What accepted Segment calls change: `group` writes the group (its traits: name, domain…) and ties
 * the user to it; `identify` writes the person (email, name, title); `track`, `page` and `screen`
 * add one to the usage day of the account, event and UTC day of the call's own timestamp (late
 * calls land on their day). A call's account is `context.groupId`, else the user's group from a
 * group call (earlier in the same request, or stored); calls with neither are counted unattributed.
 */
import type { IngestApplyContext, IngestChanges, IngestMessage } from '../capabilities/ingest.js';
import { idText } from './calls.js';
import type { EventsGroup, EventsUsageDay, EventsUser } from './types.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

/** Usage event names for the calls that are not `track`. */
const PAGE_EVENT = '$pageview';
const SCREEN_EVENT = '$screen';
/** A timestamp more than this far ahead of Beton's clock is taken as now (a sender's wrong clock). */
const FUTURE_SLACK_MS = 86_400_000;

/** The UTC day of a call: its timestamp, unless missing or far in the future. */
export function dayOf(call: Obj, now: Date): string {
  const at = typeof call.timestamp === 'string' ? Date.parse(call.timestamp) : Number.NaN;
  const when = Number.isNaN(at) || at > now.getTime() + FUTURE_SLACK_MS ? now.getTime() : at;
  return new Date(when).toISOString().slice(0, 10);
}

/** The user record's id: the userId, else the anonymous id (prefixed so the two never meet). */
const userKey = (call: Obj): string => idText(call.userId) ?? `anon:${idText(call.anonymousId)}`;

/**
 * The record changes of fresh calls, in order.
 *
 * @example const changes = await applyCalls(messages, ctx);
 */
export async function applyCalls(
  messages: readonly IngestMessage[],
  ctx: IngestApplyContext,
): Promise<IngestChanges> {
  const now = ctx.now.toISOString();
  const users = new Map<string, EventsUser>();
  const groups = new Map<string, EventsGroup>();
  const changes: IngestChanges = { upserts: [], increments: [], unattributed: 0 };

  const userOf = async (key: string): Promise<EventsUser | null> => {
    if (users.has(key)) return users.get(key)!;
    const stored = (await ctx.record('users', key)) as EventsUser | undefined;
    if (stored) users.set(key, stored);
    return stored ?? null;
  };
  const touchUser = async (call: Obj, patch: Partial<EventsUser>) => {
    const key = userKey(call);
    const before = await userOf(key);
    const traits = { ...(before?.traits ?? {}), ...(patch.traits ?? {}) };
    const next: EventsUser = {
      id: key,
      userId: idText(call.userId),
      email: str(traits.email) ?? before?.email ?? null,
      name: str(traits.name) ?? before?.name ?? null,
      title: str(traits.title) ?? before?.title ?? null,
      groupId: patch.groupId ?? before?.groupId ?? null,
      traits,
      firstSeenAt: before?.firstSeenAt ?? now,
      lastSeenAt: now,
    };
    users.set(key, next);
  };

  for (const { call: type, body: call } of messages) {
    if (type === 'identify') {
      await touchUser(call, { traits: obj(call.traits) });
    } else if (type === 'group') {
      const groupId = idText(call.groupId)!;
      const before =
        groups.get(groupId) ?? ((await ctx.record('groups', groupId)) as EventsGroup | undefined);
      const traits = { ...(before?.traits ?? {}), ...obj(call.traits) };
      groups.set(groupId, {
        groupId,
        name: str(traits.name) ?? before?.name ?? null,
        domain: str(traits.domain) ?? str(traits.website) ?? before?.domain ?? null,
        traits,
        firstSeenAt: before?.firstSeenAt ?? now,
      });
      await touchUser(call, { groupId });
    } else if (type === 'track' || type === 'page' || type === 'screen') {
      const event =
        type === 'track' ? String(call.event).trim() : type === 'page' ? PAGE_EVENT : SCREEN_EVENT;
      const groupId =
        idText(obj(call.context).groupId) ??
        idText(obj(obj(call.context).traits).groupId) ??
        (await userOf(userKey(call)))?.groupId ??
        null;
      if (!groupId) {
        changes.unattributed += 1;
        continue;
      }
      const day = dayOf(call, ctx.now);
      const usage: EventsUsageDay = { group_key: groupId, day, event, count: 1 };
      changes.increments.push({
        stream: 'usage_daily',
        externalId: `${groupId}|${day}|${event}`,
        field: 'count',
        by: 1,
        payload: usage,
      });
    }
    // alias: acknowledged (its id is remembered); Beton keys people by userId and email.
  }
  for (const user of users.values()) {
    if (user.lastSeenAt === now)
      changes.upserts.push({ stream: 'users', externalId: user.id, payload: user });
  }
  for (const group of groups.values())
    changes.upserts.push({ stream: 'groups', externalId: group.groupId, payload: group });
  return changes;
}
