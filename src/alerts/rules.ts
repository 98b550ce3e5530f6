import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { badRequest, conflict, notFound } from '../core/index.js';
import type { AlertRulesTable, DB } from '../db/index.js';
import { fromJson, toJson } from '../db/index.js';
import { accountFilter, GRADES, type Grade } from '../scoring/index.js';

/**
 * Alert rules: which occurrences alert, where, and when. Several per workspace; admins write them,
 * everyone reads them. The spec is stored as JSON and read back through the schema, so a default
 * added later applies to old rules.
 */

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM (24-hour)');

/** An IANA time zone Node knows (Europe/Berlin, America/New_York, UTC). */
export const timeZone = z
  .string()
  .min(1)
  .max(64)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'an IANA time zone such as Europe/Berlin or America/New_York');

export const alertDestination = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('channel'),
    channelId: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .describe('the channel id, as GET /api/v1/integrations/{name}/channels lists'),
  }),
  z
    .strictObject({ kind: z.literal('owner') })
    .describe(
      "a direct message to the account's owner in the CRM, found on the messaging service by e-mail; an account without an owner, or an owner the service does not know, fails the alert with the reason",
    ),
]);
export type AlertDestination = z.infer<typeof alertDestination>;

export const alertRuleSpec = z.strictObject({
  signals: z
    .strictObject({
      keys: z.array(z.string().min(1).max(120)).max(100).default([]),
      directions: z
        .array(z.enum(['expansion', 'churn', 'timing']))
        .max(3)
        .default([]),
    })
    .default({ keys: [], directions: [] })
    .describe('signal keys or directions that alert; both empty: every signal'),
  minGrade: z
    .enum(GRADES as [Grade, ...Grade[]])
    .optional()
    .describe('the account grade at least this'),
  minScore: z.number().min(0).max(100).optional().describe('the account score at least this'),
  filter: accountFilter.partial().optional().describe('accounts must also match this accounts-list filter'),
  segmentId: z.string().min(1).max(200).optional().describe('accounts must also match this saved segment'),
  destination: alertDestination,
  quietHours: z
    .strictObject({ timeZone, start: clockTime, end: clockTime })
    .optional()
    .describe('alerts that fall in these hours wait until they end'),
  capPerRun: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .optional()
    .describe('at most this many alerts from one score run; the rest go into the next digest'),
  cooldownHours: z
    .number()
    .min(0)
    .max(24 * 90)
    .default(24)
    .describe('an occurrence that closes and opens again alerts again only after this long'),
});
export type AlertRuleSpec = z.infer<typeof alertRuleSpec>;

const ruleName = z.string().trim().min(1).max(120);
export const alertRuleInput = alertRuleSpec.extend({ name: ruleName, enabled: z.boolean().default(true) });
export type AlertRuleInput = z.input<typeof alertRuleInput>;
export const alertRulePatch = alertRuleSpec
  .partial()
  .extend({ name: ruleName.optional(), enabled: z.boolean().optional() });

export interface AlertRule extends AlertRuleSpec {
  id: string;
  name: string;
  enabled: boolean;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toAlertRule(row: AlertRulesTable): AlertRule {
  const parsed = alertRuleSpec.safeParse(fromJson<unknown>(row.rule_json, {}));
  if (!parsed.success) throw new Error(`Alert rule ${row.id} holds an unreadable spec; edit or delete it.`);
  return {
    ...parsed.data,
    id: row.id,
    name: row.name,
    enabled: Boolean(row.enabled),
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const specOf = (rule: AlertRuleSpec): AlertRuleSpec => {
  const {
    signals,
    minGrade,
    minScore,
    filter,
    segmentId,
    destination,
    quietHours,
    capPerRun,
    cooldownHours,
  } = rule;
  return {
    signals,
    minGrade,
    minScore,
    filter,
    segmentId,
    destination,
    quietHours,
    capPerRun,
    cooldownHours,
  };
};

/** @example (await listAlertRules(db, ws)).filter((r) => r.enabled) */
export async function listAlertRules(db: Kysely<DB>, workspaceId: string): Promise<AlertRule[]> {
  const rows = await db
    .selectFrom('alert_rules')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('name')
    .execute();
  return rows.map(toAlertRule);
}

/** One rule by id or name (404 when the workspace has neither). */
export async function findAlertRule(
  db: Kysely<DB>,
  workspaceId: string,
  idOrName: string,
): Promise<AlertRule> {
  const row = await db
    .selectFrom('alert_rules')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
    .orderBy('id')
    .executeTakeFirst();
  if (!row) throw notFound(`Alert rule "${idOrName}"`);
  return toAlertRule(row);
}

async function assertNameFree(db: Kysely<DB>, workspaceId: string, name: string, except?: string) {
  let q = db
    .selectFrom('alert_rules')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('name', '=', name);
  if (except) q = q.where('id', '<>', except);
  if (await q.executeTakeFirst())
    throw conflict(`An alert rule named "${name}" already exists; choose another name or update that rule.`);
}

async function assertSegment(db: Kysely<DB>, workspaceId: string, segmentId: string | undefined) {
  if (!segmentId) return;
  const found = await db
    .selectFrom('segments')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', segmentId)
    .executeTakeFirst();
  if (!found)
    throw badRequest(`No segment ${segmentId} in this workspace; pick one from GET /api/v1/segments.`);
}

/**
 * Save a rule; it applies to occurrences that open from now on.
 *
 * @example await createAlertRule(db, ws, { name: 'Churn to #cs', signals: { directions: ['churn'] }, destination: { kind: 'channel', channelId: 'C1' } }, userId, now)
 */
export async function createAlertRule(
  db: Kysely<DB>,
  workspaceId: string,
  input: AlertRuleInput,
  actorId: string | null,
  now: string,
): Promise<AlertRule> {
  const parsed = alertRuleInput.safeParse(input);
  if (!parsed.success)
    throw badRequest('The alert rule is not valid; fix the fields listed in details.', parsed.error.issues);
  await assertNameFree(db, workspaceId, parsed.data.name);
  await assertSegment(db, workspaceId, parsed.data.segmentId);
  const row: AlertRulesTable = {
    id: `alr_${randomUUID().replaceAll('-', '')}`,
    workspace_id: workspaceId,
    name: parsed.data.name,
    enabled: parsed.data.enabled ? 1 : 0,
    rule_json: toJson(specOf(parsed.data)),
    created_by: actorId,
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('alert_rules').values(row).execute();
  return toAlertRule(row);
}

/** Change some of a rule's fields (the rest stay). */
export async function updateAlertRule(
  db: Kysely<DB>,
  workspaceId: string,
  idOrName: string,
  patch: z.input<typeof alertRulePatch>,
  now: string,
): Promise<AlertRule> {
  const parsed = alertRulePatch.safeParse(patch);
  if (!parsed.success)
    throw badRequest('The change is not valid; fix the fields listed in details.', parsed.error.issues);
  const current = await findAlertRule(db, workspaceId, idOrName);
  const { name, enabled, ...spec } = parsed.data;
  if (name && name !== current.name) await assertNameFree(db, workspaceId, name, current.id);
  const merged = alertRuleSpec.parse({ ...specOf(current), ...stripUndefined(spec) });
  await assertSegment(db, workspaceId, merged.segmentId);
  await db
    .updateTable('alert_rules')
    .set({
      name: name ?? current.name,
      enabled: (enabled ?? current.enabled) ? 1 : 0,
      rule_json: toJson(specOf(merged)),
      updated_at: now,
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', current.id)
    .execute();
  return findAlertRule(db, workspaceId, current.id);
}

const stripUndefined = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** Delete a rule; its alert history stays (it names the rule by id). */
export async function deleteAlertRule(
  db: Kysely<DB>,
  workspaceId: string,
  idOrName: string,
): Promise<AlertRule> {
  const rule = await findAlertRule(db, workspaceId, idOrName);
  await db
    .deleteFrom('alert_rules')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', rule.id)
    .execute();
  return rule;
}
