import { cursorPages } from '../paging.js';
import type { Page, StreamDefinition, StreamReadContext } from '../sdk.js';
import { type PostHogClient, QUERY_MAX_ROWS } from './client.js';
import { surveyQuery, usageQuery } from './queries.js';
import type {
  PostHogEventDefinition,
  PostHogGroup,
  PostHogGroupType,
  PostHogPerson,
  PostHogQueryResponse,
  SurveyResponseRecord,
  UsageDailyRecord,
} from './types.js';

/** Days re-read before the cursor on every run: PostHog keeps ingesting late events for a while. */
export const LATE_DAYS = 2;
/** How far back the first run reads usage. */
export const DEFAULT_BACKFILL_DAYS = 180;
/** Rows a usage window aims at, under the 50,000 a call may return, so most windows take one call. */
export const TARGET_ROWS_PER_CALL = 40_000;
/** Persons per page (PostHog's default is 100; larger pages spend fewer calls of the analytics budget). */
export const PERSONS_PAGE = 1_000;

/**
 * A day-windowed pass: `next` is the first day not known complete (today is never complete);
 * `window` is a window being paged with OFFSET; `rowsPerDay` sizes the next window.
 */
export interface DailyState {
  next: string;
  window?: { from: string; to: string; offset: number };
  rowsPerDay?: number;
}

const DAY_MS = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const addDays = (day: string, n: number) => dayOf(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS);
/** The earlier of two `YYYY-MM-DD` days (they sort as text). */
const earlierDay = (a: string, b: string) => [a, b].sort()[0]!;
const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

/**
 * Read [cursor − 2 days, today] (or the backfill on the first run) in day windows sized to fit a
 * call, paging a window with OFFSET when it holds more rows than one answer.
 */
async function* dailyWindows<T>(
  client: PostHogClient,
  state: DailyState | null,
  ctx: StreamReadContext,
  spec: {
    backfillDays: number;
    defaultWindowDays: number;
    query: (offset: number) => string;
    values: Record<string, unknown>;
    map: (response: PostHogQueryResponse) => T[];
  },
): AsyncGenerator<Page<T, DailyState>> {
  const today = dayOf(ctx.clock.now().getTime());
  const end = addDays(today, 1);
  let from =
    state?.window?.from ?? (state ? addDays(state.next, -LATE_DAYS) : addDays(today, -spec.backfillDays));
  let windowTo = state?.window?.to;
  let offset = state?.window?.offset ?? 0;
  let rowsPerDay = state?.rowsPerDay;
  let cursor = state?.next ?? from;
  while (from < end) {
    ctx.signal.throwIfAborted();
    const span = rowsPerDay
      ? Math.max(1, Math.min(31, Math.floor(TARGET_ROWS_PER_CALL / rowsPerDay)))
      : spec.defaultWindowDays;
    const to = windowTo ?? earlierDay(addDays(from, span), end);
    const values = { ...spec.values, from: `${from} 00:00:00`, to: `${to} 00:00:00` };
    const response = await client.query(spec.query(offset), values, ctx.signal);
    const records = spec.map(response);
    const full = response.hasMore === true || response.results.length >= QUERY_MAX_ROWS;
    if (full) {
      offset += response.results.length;
      windowTo = to;
      yield {
        records,
        state: { next: cursor, window: { from, to, offset }, ...(rowsPerDay ? { rowsPerDay } : {}) },
      };
      continue;
    }
    rowsPerDay = Math.max(
      1,
      Math.round((offset + response.results.length) / Math.max(1, daysBetween(from, to))),
    );
    // Today is still being written: the cursor never moves past it.
    cursor = earlierDay(to, today);
    from = to;
    windowTo = undefined;
    offset = 0;
    yield { records, state: { next: cursor, rowsPerDay }, done: from >= end };
  }
}

/** Column positions by name, so a reordered answer cannot shift values between fields. */
function columnIndex(response: PostHogQueryResponse, names: string[]): number[] {
  return names.map((name, k) => {
    const i = response.columns.indexOf(name);
    return i >= 0 ? i : k;
  });
}

/** `usage_daily`: the connection's settings (`usageEvents`, `backfillDays`) come with the client. */
export const usageDailyStream: StreamDefinition<PostHogClient, UsageDailyRecord, DailyState> = {
  description:
    'Daily usage per company (group key) per event, aggregated inside PostHog with HogQL; pageviews of /pricing and /upgrade split out.',
  externalId: (r) => `${r.group_key}|${r.day}|${r.event}`,
  cursor: 'date',
  deletes: 'none',
  read(client, state, ctx) {
    const { usageEvents, backfillDays } = client.syncOptions;
    const explicitEvents = (usageEvents?.length ?? 0) > 0;
    return dailyWindows(client, state, ctx, {
      backfillDays: backfillDays ?? DEFAULT_BACKFILL_DAYS,
      defaultWindowDays: 7,
      query: (offset) => usageQuery({ explicitEvents, offset, limit: QUERY_MAX_ROWS }),
      values: explicitEvents ? { events: usageEvents } : {},
      map: (response) => {
        const [g, d, n, c, p] = columnIndex(response, ['group_key', 'day', 'name', 'count', 'persons']);
        return response.results.map((row) => ({
          group_key: String(row[g!]),
          day: String(row[d!]).slice(0, 10),
          event: String(row[n!]),
          count: Number(row[c!]),
          persons: Number(row[p!]),
        }));
      },
    });
  },
};

export const surveyResponsesStream: StreamDefinition<PostHogClient, SurveyResponseRecord, DailyState> = {
  description:
    'NPS answers: `survey sent` events with a numeric $survey_response, with the person and company.',
  primaryKey: 'uuid',
  cursor: 'date',
  deletes: 'none',
  read(client, state, ctx) {
    return dailyWindows(client, state, ctx, {
      backfillDays: client.syncOptions.backfillDays ?? DEFAULT_BACKFILL_DAYS,
      defaultWindowDays: 31,
      query: (offset) => surveyQuery({ offset, limit: QUERY_MAX_ROWS }),
      values: {},
      map: (response) =>
        response.results.flatMap((row) => {
          const score = Number(row[6]);
          // Other surveys answer with text; only numeric answers are NPS scores.
          if (row[6] === null || row[6] === '' || !Number.isFinite(score)) return [];
          return [
            {
              uuid: String(row[0]),
              timestamp: String(row[1]),
              distinct_id: String(row[2]),
              person_email: row[3] === null || row[3] === undefined ? null : String(row[3]),
              group_key: row[4] === null || row[4] === undefined ? '' : String(row[4]),
              survey_id: String(row[5] ?? ''),
              score,
            },
          ];
        }),
    });
  },
};

/** Group types, e.g. `company` at index 0. */
export const groupTypesStream: StreamDefinition<PostHogClient, PostHogGroupType, null> = {
  description: 'Group types of the project (which index holds companies).',
  externalId: (r) => String(r.group_type_index),
  cursor: 'none',
  deletes: 'full-refresh',
  async *read(client, _state, ctx) {
    yield { records: await client.groupTypes(ctx.signal), state: null, done: true };
  },
};

/** Every group of every type; for the company type the key is the company's domain. */
export const groupsStream: StreamDefinition<
  PostHogClient,
  PostHogGroup,
  { typeIndex: number; cursor?: string }
> = {
  description: 'Groups (companies): key, properties (name, domain, plan, …), created_at.',
  externalId: (r) => `${r.group_type_index}:${r.group_key}`,
  cursor: 'none',
  deletes: 'full-refresh',
  async *read(client, state, ctx) {
    const types = (await client.groupTypes(ctx.signal)).map((t) => t.group_type_index).sort((a, b) => a - b);
    const remaining = types.filter((t) => t >= (state?.typeIndex ?? 0));
    if (remaining.length === 0) {
      yield { records: [], state: { typeIndex: 0 }, done: true };
      return;
    }
    for (const [k, typeIndex] of remaining.entries()) {
      const lastType = k === remaining.length - 1;
      for await (const page of cursorPages({
        what: `groups cursor (type ${typeIndex})`,
        ...(typeIndex === state?.typeIndex && state.cursor ? { start: state.cursor } : {}),
        fetch: async (cursor) => {
          const answer = await client.groups(typeIndex, cursor, ctx.signal);
          return { items: answer.results, next: answer.next?.cursor };
        },
        signal: ctx.signal,
      })) {
        if (page.next === null) {
          yield {
            records: page.items,
            state: { typeIndex: typeIndex + 1 },
            ...(lastType ? { done: true } : {}),
          };
        } else {
          yield { records: page.items, state: { typeIndex, cursor: page.next } };
        }
      }
    }
  },
};

/** Every person, following `next` (guarded against a `next` that repeats a page). */
export const personsStream: StreamDefinition<PostHogClient, PostHogPerson, { offset: number }> = {
  description: 'Persons: email, name, title, department, company domain, created and last seen.',
  primaryKey: 'id',
  cursor: 'none',
  deletes: 'full-refresh',
  async *read(client, state, ctx) {
    for await (const page of cursorPages({
      what: 'persons next link',
      start: state?.offset ?? 0,
      fetch: async (offset = 0) => {
        const answer = await client.persons(offset, PERSONS_PAGE, ctx.signal);
        return { items: answer.results, next: answer.next?.offset };
      },
      signal: ctx.signal,
    })) {
      if (page.next === null) {
        yield { records: page.items, state: { offset: (page.cursor ?? 0) + page.items.length }, done: true };
      } else {
        yield { records: page.items, state: { offset: page.next } };
      }
    }
  },
};

/** Event names the project has seen (for custom signals and the events picker). */
export const eventDefinitionsStream: StreamDefinition<
  PostHogClient,
  PostHogEventDefinition,
  { offset: number }
> = {
  description: 'Event names seen in the project, with when each was last seen.',
  primaryKey: 'name',
  cursor: 'none',
  deletes: 'full-refresh',
  async *read(client, state, ctx) {
    for await (const page of cursorPages({
      what: 'event definitions next link',
      start: state?.offset ?? 0,
      fetch: async (offset = 0) => {
        const answer = await client.eventDefinitions(offset, 100, ctx.signal);
        return { items: answer.results, next: answer.next?.offset };
      },
      signal: ctx.signal,
    })) {
      const records = page.items.map((d) => ({
        name: d.name,
        last_seen_at: d.last_seen_at ?? null,
        volume_30_day: d.volume_30_day ?? null,
      }));
      if (page.next === null) {
        yield { records, state: { offset: (page.cursor ?? 0) + page.items.length }, done: true };
      } else {
        yield { records, state: { offset: page.next } };
      }
    }
  },
};
