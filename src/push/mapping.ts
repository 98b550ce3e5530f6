import { badRequest } from '../core/errors.js';
import {
  FIELD_POLICIES,
  type FieldMapping,
  type FieldPolicy,
  type PushAccount,
  type PushField,
  type PushValue,
} from './types.js';

/**
 * The fields Beton writes by default. Every one is editable by a person in the CRM, so each
 * defaults to `never_overwrite_human`: a rep who corrects a grade keeps the correction.
 */
export const DEFAULT_MAPPING: readonly FieldMapping[] = Object.freeze([
  {
    field: 'beton_health',
    attribute: 'beton_health',
    title: 'Beton health',
    description: 'Account health score from Beton (0–100, higher is healthier).',
    type: 'number',
    policy: 'never_overwrite_human',
  },
  {
    field: 'beton_expansion',
    attribute: 'beton_expansion',
    title: 'Beton expansion',
    description: 'Likelihood of expansion from Beton (0–100).',
    type: 'number',
    policy: 'never_overwrite_human',
  },
  {
    field: 'beton_churn_risk',
    attribute: 'beton_churn_risk',
    title: 'Beton churn risk',
    description: 'Churn risk from Beton (0–100, higher is riskier).',
    type: 'number',
    policy: 'never_overwrite_human',
  },
  {
    field: 'beton_fit',
    attribute: 'beton_fit',
    title: 'Beton fit',
    description: 'Fit with the ideal customer profile from Beton (0–100).',
    type: 'number',
    policy: 'never_overwrite_human',
  },
  {
    field: 'beton_grade',
    attribute: 'beton_grade',
    title: 'Beton grade',
    description: 'Beton grade: M100, M75, M50, M25 or M10.',
    type: 'text',
    policy: 'never_overwrite_human',
  },
  {
    field: 'beton_top_signals',
    attribute: 'beton_top_signals',
    title: 'Beton top signals',
    description: 'The signals that contributed most to the scores.',
    type: 'text',
    policy: 'never_overwrite_human',
  },
  {
    field: 'beton_scored_at',
    attribute: 'beton_scored_at',
    title: 'Beton scored at',
    description: 'When Beton last scored the account.',
    type: 'timestamp',
    policy: 'never_overwrite_human',
  },
] satisfies FieldMapping[]);

/** Workspace overrides: a field's policy, its attribute slug, or `false` to stop writing it. */
export type MappingOverrides = Partial<
  Record<PushField, { policy?: FieldPolicy; attribute?: string } | false>
>;

const SLUG = /^[a-z][a-z0-9_]{0,62}$/;

/**
 * The mapping for a workspace: the defaults with its overrides applied, checked for mistakes.
 *
 * @example
 * resolveMapping({ beton_grade: { policy: 'always' }, beton_top_signals: false });
 */
export function resolveMapping(overrides: MappingOverrides = {}): FieldMapping[] {
  for (const key of Object.keys(overrides)) {
    if (!DEFAULT_MAPPING.some((m) => m.field === key)) {
      throw badRequest(
        `Unknown push field "${key}". Fields: ${DEFAULT_MAPPING.map((m) => m.field).join(', ')}.`,
      );
    }
  }
  const mapping: FieldMapping[] = [];
  for (const base of DEFAULT_MAPPING) {
    const override = overrides[base.field];
    if (override === false) continue;
    const policy = override?.policy ?? base.policy;
    if (!FIELD_POLICIES.includes(policy)) {
      throw badRequest(`Policy "${policy}" for ${base.field} is not one of ${FIELD_POLICIES.join(', ')}.`);
    }
    const attribute = override?.attribute ?? base.attribute;
    if (!SLUG.test(attribute)) {
      throw badRequest(`Attribute slug "${attribute}" for ${base.field} must be snake case (a-z, 0-9, _).`);
    }
    mapping.push({ ...base, policy, attribute });
  }
  const slugs = mapping.map((m) => m.attribute);
  const twice = slugs.find((s, i) => slugs.indexOf(s) !== i);
  if (twice) throw badRequest(`Two push fields write the same attribute "${twice}".`);
  return mapping;
}

/** Check one value against its attribute type; returns the reason it cannot be written. */
function invalidReason(m: FieldMapping, value: PushValue): string | undefined {
  if (value === null) return undefined;
  switch (m.type) {
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : `${m.field} is not a number`;
    case 'text':
      return typeof value === 'string' ? undefined : `${m.field} is not text`;
    case 'timestamp':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value))
        ? undefined
        : `${m.field} is not a timestamp`;
  }
}

/** Numbers are rounded to 2 decimals and timestamps normalised, so an equal score hashes equal. */
function normalise(m: FieldMapping, value: PushValue): PushValue {
  if (value === null || value === undefined) return null;
  if (m.type === 'number' && typeof value === 'number') return Math.round(value * 100) / 100;
  if (m.type === 'timestamp' && typeof value === 'string') return new Date(value).toISOString();
  return value;
}

/**
 * The destination values an account maps to, or the reason it cannot be pushed.
 *
 * @example
 * desiredValues(account, resolveMapping()); // { ok: true, values: { beton_health: 72, … } }
 */
export function desiredValues(
  account: PushAccount,
  mapping: readonly FieldMapping[],
): { ok: true; values: Record<string, PushValue> } | { ok: false; reason: string } {
  const values: Record<string, PushValue> = {};
  for (const m of mapping) {
    const raw = account.fields[m.field] ?? null;
    const bad = invalidReason(m, raw);
    if (bad) return { ok: false, reason: `${bad} (got ${JSON.stringify(raw)})` };
    values[m.attribute] = normalise(m, raw);
  }
  return { ok: true, values };
}
