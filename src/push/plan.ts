import { createHash } from 'node:crypto';
import { desiredValues } from './mapping.js';
import type {
  AttributePlan,
  DestinationAttribute,
  DestinationRecord,
  FieldChange,
  FieldMapping,
  KeptField,
  LastWrite,
  PlanItem,
  PushAccount,
  PushPlan,
  PushPlanSummary,
  PushSignal,
  PushValue,
} from './types.js';

/** Stable hash of the values Beton wants on a record: key order does not matter. */
export function valuesHash(values: Record<string, PushValue>): string {
  const canonical = JSON.stringify(
    Object.keys(values)
      .sort()
      .map((k) => [k, values[k] ?? null]),
  );
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

/** The matching key of an account: its bare lower-case domain, or null when it has none. */
export function recordKey(domain: string | null | undefined): string | null {
  if (!domain) return null;
  const d = domain
    .trim()
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, '')
    .replace(/[/?#].*$/, '')
    .replace(/^www\./, '');
  return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(d) ? d : null;
}

/** Which attributes to create, and which exist with a type Beton cannot write. */
export function planAttributes(
  mapping: readonly FieldMapping[],
  existing: DestinationAttribute[],
): AttributePlan {
  const bySlug = new Map(existing.map((a) => [a.slug, a]));
  const create: FieldMapping[] = [];
  const conflicts: AttributePlan['conflicts'] = [];
  for (const m of mapping) {
    const found = bySlug.get(m.attribute);
    if (!found) create.push(m);
    else if (found.type !== m.type)
      conflicts.push({ attribute: m.attribute, expected: m.type, actual: found.type });
  }
  return { create, conflicts };
}

/** The first pass: what changed since the last successful write (no destination reads needed). */
export interface Candidate {
  account: PushAccount;
  key: string;
  desired: Record<string, PushValue>;
  hash: string;
  previous: LastWrite | null;
  retry?: { reason: string; attempts: number };
  notes: PushSignal[];
}

export interface DiffInput {
  accounts: PushAccount[];
  mapping: readonly FieldMapping[];
  lastWrites: ReadonlyMap<string, LastWrite>;
  openRejects: ReadonlyMap<string, { reason: string; attempts: number }>;
  /** Signal occurrence ids that already have a note; undefined = notes are off. */
  notedSignals?: ReadonlySet<string>;
  /** Ignore the last writes and compare every record (a full re-push). */
  full?: boolean;
}

export interface DiffResult {
  /** Records whose values differ from the last successful write (or were never written). */
  changed: Candidate[];
  /** Records that only need notes. */
  notesOnly: Candidate[];
  unchanged: PlanItem[];
  rejects: PlanItem[];
}

/**
 * Split accounts into changed, unchanged and rejected by comparing each one's desired values with
 * the hash of the last successful write to its record.
 *
 * @example
 * const { changed, unchanged } = diffAccounts({ accounts, mapping, lastWrites, openRejects });
 */
export function diffAccounts(input: DiffInput): DiffResult {
  const result: DiffResult = { changed: [], notesOnly: [], unchanged: [], rejects: [] };
  const seen = new Set<string>();
  for (const account of input.accounts) {
    const key = recordKey(account.domain);
    const reject = (reason: string, k = key ?? `account:${account.accountId}`) =>
      result.rejects.push(item(account, k, 'reject', { reason, hash: '', desired: {}, previous: null }));
    if (!key) {
      reject(
        `no usable company domain (${JSON.stringify(account.domain)}): the CRM matches companies by domain`,
      );
      continue;
    }
    if (seen.has(key)) {
      reject(
        `another account already pushes to ${key}; link the duplicate accounts to one`,
        `${key}#${account.accountId}`,
      );
      continue;
    }
    seen.add(key);
    const mapped = desiredValues(account, input.mapping);
    if (!mapped.ok) {
      reject(mapped.reason);
      continue;
    }
    const hash = valuesHash(mapped.values);
    const previous = input.lastWrites.get(key) ?? null;
    const notes = input.notedSignals
      ? (account.signals ?? []).filter((s) => s.priority === 'high' && !input.notedSignals!.has(s.id))
      : [];
    const retry = input.openRejects.get(key);
    const candidate: Candidate = {
      account,
      key,
      desired: mapped.values,
      hash,
      previous,
      notes,
      ...(retry ? { retry } : {}),
    };
    if (!input.full && !retry && previous?.hash === hash) {
      if (notes.length > 0 && previous.recordId) result.notesOnly.push(candidate);
      else
        result.unchanged.push(item(account, key, 'unchanged', { ...candidate, recordId: previous.recordId }));
      continue;
    }
    result.changed.push(candidate);
  }
  return result;
}

const isEmpty = (v: PushValue | undefined) => v === null || v === undefined || v === '';

/**
 * Decide, field by field, what to write into the record as it is now, under each field's policy.
 * A record the destination does not have yet is a create (every non-empty value is written).
 */
export function planRecord(
  candidate: Candidate,
  current: DestinationRecord | undefined,
  mapping: readonly FieldMapping[],
): PlanItem {
  const changes: FieldChange[] = [];
  const kept: KeptField[] = [];
  for (const m of mapping) {
    const wanted = candidate.desired[m.attribute] ?? null;
    if (!current) {
      if (!isEmpty(wanted)) changes.push({ attribute: m.attribute, before: null, after: wanted });
      continue;
    }
    const now = current.values[m.attribute];
    const before = now?.value ?? null;
    if (before === wanted || (isEmpty(before) && isEmpty(wanted))) continue;
    if (m.policy === 'only_if_empty' && !isEmpty(before)) {
      kept.push({ attribute: m.attribute, current: before, wanted, reason: 'not_empty' });
    } else if (m.policy === 'never_overwrite_human' && !isEmpty(before) && now?.author === 'person') {
      kept.push({ attribute: m.attribute, current: before, wanted, reason: 'set_by_person' });
    } else {
      changes.push({ attribute: m.attribute, before, after: wanted });
    }
  }
  const action = !current ? 'create' : changes.length > 0 ? 'update' : 'unchanged';
  return item(candidate.account, candidate.key, action, {
    ...candidate,
    recordId: current?.recordId ?? null,
    changes,
    kept,
  });
}

function item(
  account: PushAccount,
  key: string,
  action: PlanItem['action'],
  extra: Partial<PlanItem> & Pick<PlanItem, 'hash' | 'desired' | 'previous'>,
): PlanItem {
  return {
    key,
    accountId: account.accountId,
    name: account.name,
    action,
    recordId: extra.recordId ?? null,
    changes: extra.changes ?? [],
    kept: extra.kept ?? [],
    hash: extra.hash,
    desired: extra.desired,
    previous: extra.previous,
    notes: extra.notes ?? [],
    ...(extra.reason ? { reason: extra.reason } : {}),
    ...(extra.retry ? { retry: extra.retry } : {}),
  };
}

/** Counts for the plan header (and the dry-run answer). */
export function summarise(
  items: readonly PlanItem[],
  attributes: AttributePlan,
  accounts: number,
): PushPlanSummary {
  const count = (a: PlanItem['action']) => items.filter((i) => i.action === a).length;
  const creates = count('create');
  const updates = count('update');
  const notes = items.reduce((n, i) => n + i.notes.length, 0);
  return {
    accounts,
    creates,
    updates,
    unchanged: count('unchanged'),
    rejects: count('reject'),
    retries: items.filter((i) => i.retry).length,
    keptFields: items.reduce((n, i) => n + i.kept.length, 0),
    notes,
    writes: creates + updates + notes + attributes.create.length,
  };
}

/** Assemble the plan document from its parts, items ordered creates, updates, rejects, unchanged. */
export function assemblePlan(
  destination: string,
  generatedAt: string,
  attributes: AttributePlan,
  items: PlanItem[],
  accounts: number,
): PushPlan {
  const order: Record<PlanItem['action'], number> = { create: 0, update: 1, reject: 2, unchanged: 3 };
  const byKey = (a: PlanItem, b: PlanItem) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  const sorted = [...items].sort((a, b) => order[a.action] - order[b.action] || byKey(a, b));
  return {
    destination,
    generatedAt,
    attributes,
    summary: summarise(sorted, attributes, accounts),
    items: sorted,
  };
}
