import { z } from 'zod';

const DAY_OR_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** 2025-02-28 is, 2025-02-30 is not (Date would roll it over to March). */
const realDay = (day: string) => {
  const t = Date.parse(`${day}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === day;
};

/**
 * A time argument as assistants write it: a day (2026-01-31, meaning its start in UTC) or an ISO
 * time with its zone (2026-01-31T12:00:00Z). Read it with `isoTime`.
 *
 * @example
 * input: z.strictObject({ since: dayOrTime('occurrences at or after it').optional() })
 */
export const dayOrTime = (meaning: string) =>
  z
    .string()
    .regex(DAY_OR_TIME, 'a day (2026-01-31) or an ISO time with its zone (2026-01-31T12:00:00Z)')
    .refine((v) => realDay(v.slice(0, 10)) && !Number.isNaN(Date.parse(v)), 'not a real date')
    .describe(`A day (YYYY-MM-DD, from its start in UTC) or an ISO time: ${meaning}`);

/** The UTC ISO time a `dayOrTime` argument names (a day: its midnight UTC). */
export const isoTime = (value: string) =>
  new Date(value.length === 10 ? `${value}T00:00:00Z` : value).toISOString();
