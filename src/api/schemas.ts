import { z } from 'zod';
import { ROLES } from '../auth/index.js';

/**
 * Schemas shared by route files. Request bodies use `z.strictObject` so unknown fields are a 400;
 * responses list every field they return so the OpenAPI document is complete.
 */
export const errorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
    requestId: z.string().optional(),
  }),
});

/** Error answers to attach to a route's `response` (add 404/409/… where the route can give them). */
export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
} as const;

export const roleSchema = z.enum(ROLES);

export const workspaceSchema = z.object({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  createdAt: z.string(),
});

export const idParams = z.strictObject({ id: z.string().min(1).max(200) });

/** A pending invitation (never its token). */
export const invitationSchema = z.object({
  id: z.string(),
  email: z.string(),
  role: roleSchema,
  invitedBy: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string(),
});

/** A snooze in force on one account and signal (src/alerts/snooze.ts). */
export const snoozeSchema = z
  .object({
    accountId: z.string(),
    signal: z.string(),
    until: z.string().describe('alerts come again after this moment'),
    snoozedAt: z.string(),
    by: z.object({
      type: z
        .enum(['user', 'api_key', 'cli', 'chat'])
        .describe('a member, an API key, the local CLI, or a button on an alert card (chat)'),
      id: z.string().nullable(),
      name: z.string().nullable().describe('who snoozed, as they were named then'),
    }),
    note: z.string().nullable(),
  })
  .describe("this account's alerts for this signal are held until `until`");
