import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { chunks } from '../accounts/index.js';
import { badRequest, conflict, notFound } from '../core/index.js';
import type { DB, DigestsTable } from '../db/index.js';
import { fromJson, toJson } from '../db/index.js';
import { type AlertCard, cardText } from '../integrations/index.js';
import { GRADES } from '../scoring/index.js';
import { builtInDetector, loadSignals } from '../signals/index.js';
import { accountUrl } from './message.js';
import { localMinutes } from './quiet-hours.js';
import { timeZone } from './rules.js';
import { activeSnoozes, snoozeKey } from './snooze.js';

/**
 * Digests: a daily or weekly summary of what changed — accounts with new signals, accounts whose
 * grade rose (escalating), every grade change, the top churn risks, and the alerts a rule's cap
 * held back — to a messaging channel and/or by e-mail. A period with nothing new sends nothing
 * (its run is recorded as `empty`). One run per (digest, period end) at most: the unique key
 * decides which worker sends it.
 */

export const digestSpec = z.strictObject({
  frequency: z.enum(['daily', 'weekly']).default('daily'),
  hour: z.number().int().min(0).max(23).default(8).describe('local hour the digest goes out'),
  weekday: z
    .number()
    .int()
    .min(0)
    .max(6)
    .default(1)
    .describe('weekly digests: 0 Sunday … 6 Saturday (local)'),
  timeZone: timeZone.default('UTC'),
  channelId: z.string().trim().min(1).max(200).optional().describe('a messaging channel id'),
  emails: z.array(z.string().email()).max(50).default([]).describe('e-mail recipients'),
  topChurnRisks: z.number().int().min(0).max(50).default(5),
  scope: z
    .enum(['workspace', 'owner'])
    .default('workspace')
    .describe(
      'workspace: one digest to channelId and/or emails; owner: each account owner gets a digest of only their accounts (nothing new for them: nothing sent)',
    ),
  ownerVia: z
    .array(z.enum(['message', 'email']))
    .max(2)
    .default([])
    .describe("owner digests: a direct message to each owner, an e-mail to the owner's address, or both"),
});
export type DigestSpec = z.infer<typeof digestSpec>;
const digestName = z.string().trim().min(1).max(120);
/** Why a digest could not be delivered anywhere, or null when it can. */
export function digestWithoutRecipients(d: Pick<DigestSpec, 'scope' | 'channelId' | 'emails' | 'ownerVia'>) {
  if (d.scope === 'owner')
    return d.ownerVia.length > 0 ? null : 'an owner digest needs ownerVia: message, email, or both';
  return d.channelId || d.emails.length > 0 ? null : 'a channelId, one e-mail address, or both';
}

export const digestInput = digestSpec
  .extend({ name: digestName, enabled: z.boolean().default(true) })
  .superRefine((d, ctx) => {
    const missing = digestWithoutRecipients(d);
    if (missing) ctx.addIssue({ code: 'custom', message: missing });
  });
export const digestPatch = digestSpec
  .partial()
  .extend({ name: digestName.optional(), enabled: z.boolean().optional() });

export interface Digest extends DigestSpec {
  id: string;
  name: string;
  enabled: boolean;
  lastPeriodEnd: string | null;
  createdAt: string;
  updatedAt: string;
}

const toDigest = (row: DigestsTable): Digest => ({
  ...digestSpec.parse(fromJson<unknown>(row.digest_json, {})),
  id: row.id,
  name: row.name,
  enabled: Boolean(row.enabled),
  lastPeriodEnd: row.last_period_end,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});
const specOf = (d: DigestSpec): DigestSpec => ({
  frequency: d.frequency,
  hour: d.hour,
  weekday: d.weekday,
  timeZone: d.timeZone,
  ...(d.channelId ? { channelId: d.channelId } : {}),
  emails: d.emails,
  topChurnRisks: d.topChurnRisks,
  scope: d.scope,
  ownerVia: d.ownerVia,
});

export async function listDigests(db: Kysely<DB>, workspaceId: string): Promise<Digest[]> {
  const rows = await db
    .selectFrom('digests')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('name')
    .execute();
  return rows.map(toDigest);
}

export async function findDigest(db: Kysely<DB>, workspaceId: string, idOrName: string): Promise<Digest> {
  const row = await db
    .selectFrom('digests')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
    .executeTakeFirst();
  if (!row) throw notFound(`Digest "${idOrName}"`);
  return toDigest(row);
}

/** @example await createDigest(db, ws, { name: 'Monday', frequency: 'weekly', weekday: 1, hour: 8, emails: ['cs@acme.test'] }, userId, now) */
export async function createDigest(
  db: Kysely<DB>,
  workspaceId: string,
  input: z.input<typeof digestInput>,
  actorId: string | null,
  now: Date,
): Promise<Digest> {
  const parsed = digestInput.safeParse(input);
  if (!parsed.success)
    throw badRequest('The digest is not valid; fix the fields listed in details.', parsed.error.issues);
  const taken = await db
    .selectFrom('digests')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('name', '=', parsed.data.name)
    .executeTakeFirst();
  if (taken) throw conflict(`A digest named "${parsed.data.name}" already exists; choose another name.`);
  const at = now.toISOString();
  const row: DigestsTable = {
    id: `dig_${randomUUID().replaceAll('-', '')}`,
    workspace_id: workspaceId,
    name: parsed.data.name,
    enabled: parsed.data.enabled ? 1 : 0,
    digest_json: toJson(specOf(parsed.data)),
    // The first digest covers what happens from now on.
    last_period_end: at,
    created_by: actorId,
    created_at: at,
    updated_at: at,
  };
  await db.insertInto('digests').values(row).execute();
  return toDigest(row);
}

export async function updateDigest(
  db: Kysely<DB>,
  workspaceId: string,
  idOrName: string,
  patch: z.input<typeof digestPatch>,
  now: Date,
): Promise<Digest> {
  const parsed = digestPatch.safeParse(patch);
  if (!parsed.success)
    throw badRequest('The change is not valid; fix the fields listed in details.', parsed.error.issues);
  const current = await findDigest(db, workspaceId, idOrName);
  const { name, enabled, ...spec } = parsed.data;
  const merged = digestSpec.parse({
    ...specOf(current),
    ...Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)),
  });
  const missing = digestWithoutRecipients(merged);
  if (missing) throw badRequest(`The digest has nobody to go to: ${missing}.`);
  await db
    .updateTable('digests')
    .set({
      name: name ?? current.name,
      enabled: (enabled ?? current.enabled) ? 1 : 0,
      digest_json: toJson(specOf(merged)),
      updated_at: now.toISOString(),
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', current.id)
    .execute();
  return findDigest(db, workspaceId, current.id);
}

export async function deleteDigest(db: Kysely<DB>, workspaceId: string, idOrName: string): Promise<Digest> {
  const d = await findDigest(db, workspaceId, idOrName);
  await db.deleteFrom('digests').where('workspace_id', '=', workspaceId).where('id', '=', d.id).execute();
  return d;
}

// --- schedule -----------------------------------------------------------------------------------

const STEP_MS = 15 * 60_000;
const weekdayOf = (at: Date, tz: string) =>
  ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(
    new Intl.DateTimeFormat('en-US', { timeZone: tz, weekday: 'short' }).format(at),
  );

/**
 * The latest scheduled moment at or before `now` (the digest's local hour, on its weekday when
 * weekly), found by stepping back a quarter hour at a time (time zones are offset by quarters).
 */
export function lastScheduledAt(spec: DigestSpec, now: Date): Date {
  let t = Math.floor(now.getTime() / STEP_MS) * STEP_MS;
  const limit = t - 8 * 86_400_000;
  for (; t > limit; t -= STEP_MS) {
    const at = new Date(t);
    if (localMinutes(at, spec.timeZone) !== spec.hour * 60) continue;
    if (spec.frequency === 'weekly' && weekdayOf(at, spec.timeZone) !== spec.weekday) continue;
    return at;
  }
  return new Date(limit);
}

// --- content ------------------------------------------------------------------------------------

export interface DigestAccount {
  accountId: string;
  name: string;
  domain: string;
  grade: string | null;
  score: number | null;
  churnRisk?: number;
  detail: string;
  url: string;
}

export interface DigestSummary {
  periodStart: string;
  periodEnd: string;
  counts: {
    newAccounts: number;
    newSignals: number;
    escalating: number;
    gradeChanges: number;
    heldBack: number;
  };
  newAccounts: DigestAccount[];
  escalating: DigestAccount[];
  topChurnRisks: DigestAccount[];
  /** Nothing opened, no grade moved, nothing held back: no digest goes out. */
  empty: boolean;
}

const LIST = 10;
const rank = (g: string) => GRADES.indexOf(g as never);

/** What the outbox says happened in a period, per account. */
export interface DigestPeriod {
  /** Accounts with signals that opened, and which. */
  opened: Map<string, Set<string>>;
  /** Signals opened per account. */
  signals: Map<string, number>;
  /** Accounts whose grade changed: from the first grade to the last. */
  moved: Map<string, { from: string; to: string }>;
}

/**
 * The signal openings and grade changes between `start` and `end`, read from the outbox once (a
 * per-owner digest summarises it once per owner). Openings of a snoozed account+signal are left out.
 *
 * @example const period = await readDigestPeriod(db, ws, start, end);
 */
export async function readDigestPeriod(
  db: Kysely<DB>,
  workspaceId: string,
  start: string,
  end: string,
): Promise<DigestPeriod> {
  const events = await db
    .selectFrom('outbox_events')
    .select(['type', 'subject', 'payload_json'])
    .where('workspace_id', '=', workspaceId)
    .where('type', 'in', ['signal.opened', 'account.grade_changed'])
    .where('created_at', '>=', start)
    .where('created_at', '<', end)
    .execute();
  const period: DigestPeriod = { opened: new Map(), signals: new Map(), moved: new Map() };
  const payloads = events.map((e) => ({
    type: e.type,
    p: JSON.parse(e.payload_json) as { accountId: string; signalKey?: string; from?: string; to?: string },
  }));
  // An account+signal snoozed at the period's end is left out of the new signals, as out of alerts.
  const snoozed = await activeSnoozes(
    db,
    workspaceId,
    new Date(end),
    payloads.filter((e) => e.type === 'signal.opened').map((e) => e.p.accountId),
  );
  for (const { type, p } of payloads) {
    if (type === 'signal.opened') {
      if (snoozed.has(snoozeKey(p.accountId, p.signalKey!))) continue;
      period.signals.set(p.accountId, (period.signals.get(p.accountId) ?? 0) + 1);
      let set = period.opened.get(p.accountId);
      if (!set) {
        set = new Set();
        period.opened.set(p.accountId, set);
      }
      set.add(p.signalKey!);
    } else {
      const first = period.moved.get(p.accountId);
      period.moved.set(p.accountId, { from: first?.from ?? p.from!, to: p.to! });
    }
  }
  return period;
}

/**
 * The owners (e-mails) of the accounts a period touched or whose alerts a rule's cap held back:
 * who a per-owner digest may have news for.
 */
export async function digestOwners(
  db: Kysely<DB>,
  workspaceId: string,
  period: DigestPeriod,
): Promise<DigestOwner[]> {
  const owners = new Map<string, string | null>();
  const add = (rows: { owner_email: string | null; owner_name: string | null }[]) => {
    for (const r of rows)
      if (r.owner_email) owners.set(r.owner_email, owners.get(r.owner_email) ?? r.owner_name);
  };
  for (const ids of chunks([...new Set([...period.opened.keys(), ...period.moved.keys()])]))
    add(
      await db
        .selectFrom('accounts')
        .select(['owner_email', 'owner_name'])
        .distinct()
        .where('workspace_id', '=', workspaceId)
        .where('id', 'in', ids)
        .where('owner_email', 'is not', null)
        .execute(),
    );
  add(
    await db
      .selectFrom('alerts as al')
      .innerJoin('accounts as a', (j) =>
        j.onRef('a.workspace_id', '=', 'al.workspace_id').onRef('a.id', '=', 'al.account_id'),
      )
      .select(['a.owner_email', 'a.owner_name'])
      .distinct()
      .where('al.workspace_id', '=', workspaceId)
      .where('al.status', '=', 'digest')
      .where('al.digest_run_id', 'is', null)
      .where('a.owner_email', 'is not', null)
      .execute(),
  );
  return [...owners].map(([email, name]) => ({ email, name })).sort((x, y) => x.email.localeCompare(y.email));
}

/** Of these accounts, the ones `owner` owns. */
async function ownedAmong(db: Kysely<DB>, workspaceId: string, owner: string, ids: string[]) {
  const out = new Set<string>();
  for (const chunk of chunks(ids)) {
    const rows = await db
      .selectFrom('accounts')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('owner_email', '=', owner)
      .where('id', 'in', chunk)
      .execute();
    for (const r of rows) out.add(r.id);
  }
  return out;
}

const only = <V>(map: Map<string, V>, keep: Set<string>) => new Map([...map].filter(([id]) => keep.has(id)));

/**
 * What happened in a workspace between `start` and `end`, read from the outbox and current scores;
 * with `owner`, only the accounts that owner owns (lists, counts and the alerts held back).
 *
 * @example const s = await buildDigest(db, ws, { start, end, topChurnRisks: 5, publicUrl });
 */
export async function buildDigest(
  db: Kysely<DB>,
  workspaceId: string,
  o: {
    start: string;
    end: string;
    topChurnRisks: number;
    publicUrl?: string | undefined;
    owner?: string;
    period?: DigestPeriod;
  },
): Promise<DigestSummary> {
  let { opened, moved, signals } = o.period ?? (await readDigestPeriod(db, workspaceId, o.start, o.end));
  if (o.owner) {
    const owned = await ownedAmong(db, workspaceId, o.owner, [
      ...new Set([...opened.keys(), ...moved.keys()]),
    ]);
    opened = only(opened, owned);
    moved = only(moved, owned);
    signals = only(signals, owned);
  }
  let newSignals = 0;
  for (const n of signals.values()) newSignals += n;
  const escalatingIds = [...moved].filter(([, m]) => rank(m.to) < rank(m.from)).map(([id]) => id);
  let held = db
    .selectFrom('alerts as al')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('al.workspace_id', '=', workspaceId)
    .where('al.status', '=', 'digest')
    .where('al.digest_run_id', 'is', null);
  if (o.owner)
    held = held
      .innerJoin('accounts as a', (j) =>
        j.onRef('a.workspace_id', '=', 'al.workspace_id').onRef('a.id', '=', 'al.account_id'),
      )
      .where('a.owner_email', '=', o.owner);
  const heldBack = await held.executeTakeFirst();

  const signalDefs = new Map((await loadSignals(db, workspaceId)).map((s) => [s.key, s]));
  const titleOf = (key: string) => signalDefs.get(key)?.detector.title ?? builtInDetector(key)?.title ?? key;
  const base = () => {
    const q = db
      .selectFrom('accounts as a')
      .leftJoin('account_scores as s', (j) =>
        j.onRef('s.workspace_id', '=', 'a.workspace_id').onRef('s.account_id', '=', 'a.id'),
      )
      .select(['a.id', 'a.name', 'a.domain', 's.grade', 's.score', 's.churn_risk'])
      .where('a.workspace_id', '=', workspaceId);
    return o.owner ? q.where('a.owner_email', '=', o.owner) : q;
  };
  const top = async (ids: string[]) =>
    ids.length === 0
      ? []
      : base()
          .where('a.id', 'in', ids.slice(0, 5000))
          .orderBy(sql`coalesce(s.score, 0)`, 'desc')
          .orderBy('a.id')
          .limit(LIST)
          .execute();
  const toAccount = (r: Awaited<ReturnType<typeof top>>[number], detail: string): DigestAccount => ({
    accountId: r.id,
    name: r.name,
    domain: r.domain,
    grade: r.grade ?? null,
    score: r.score === null ? null : Number(r.score),
    ...(r.churn_risk === null ? {} : { churnRisk: Number(r.churn_risk) }),
    detail,
    url: accountUrl(o.publicUrl, r.id),
  });
  const newAccounts = (await top([...opened.keys()])).map((r) =>
    toAccount(r, [...(opened.get(r.id) ?? [])].map(titleOf).join(', ')),
  );
  const escalating = (await top(escalatingIds)).map((r) => {
    const m = moved.get(r.id)!;
    return toAccount(r, `${m.from} → ${m.to}`);
  });
  const churn =
    o.topChurnRisks === 0
      ? []
      : await base()
          .where('s.churn_risk', '>', 0)
          .orderBy('s.churn_risk', 'desc')
          .orderBy('a.id')
          .limit(o.topChurnRisks)
          .execute();
  const counts = {
    newAccounts: opened.size,
    newSignals,
    escalating: escalatingIds.length,
    gradeChanges: moved.size,
    heldBack: Number(heldBack?.n ?? 0),
  };
  return {
    periodStart: o.start,
    periodEnd: o.end,
    counts,
    newAccounts,
    escalating,
    topChurnRisks: churn.map((r) => toAccount(r, `churn risk ${Math.round(Number(r.churn_risk))}`)),
    empty: counts.newAccounts + counts.gradeChanges + counts.heldBack === 0,
  };
}

const day = (iso: string) => iso.slice(0, 10);

/** Whom an owner's digest is for. */
export interface DigestOwner {
  email: string;
  name: string | null;
}

/**
 * The digest as a card (for a messaging channel or an owner's direct message; its text is the plain
 * form). An owner's card is titled for them and links to their accounts.
 */
export function digestCard(
  name: string,
  s: DigestSummary,
  publicUrl: string | undefined,
  owner?: DigestOwner,
): AlertCard {
  const c = s.counts;
  const lines = [
    `${c.newAccounts} accounts with new signals (${c.newSignals} signals), ${c.escalating} escalating, ${c.gradeChanges} grade changes${c.heldBack ? `, ${c.heldBack} alerts held back by a rule's cap` : ''}.`,
  ];
  const section = (title: string, list: DigestAccount[]) => {
    if (list.length === 0) return;
    lines.push(`${title}: ${list.map((a) => `${a.name} (${a.grade ?? '–'}; ${a.detail})`).join('; ')}`);
  };
  section('New', s.newAccounts);
  section('Escalating', s.escalating);
  section('Top churn risks', s.topChurnRisks);
  const accounts = `${(publicUrl ?? '').replace(/\/+$/, '')}/accounts`;
  return {
    title: `${name}${owner ? ` for ${owner.name ?? owner.email}` : ''}: ${day(s.periodStart)} – ${day(s.periodEnd)}`,
    lines,
    links: [
      owner
        ? {
            label: 'Open your accounts in Beton',
            url: `${accounts}?owner=${encodeURIComponent(owner.email)}`,
          }
        : { label: 'Open accounts in Beton', url: accounts },
    ],
    alertRef: `digest:${name}`,
  };
}

const escapeHtml = (t: string) =>
  t.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );

/** The digest as an e-mail: an HTML part with tables and links, and the same as text. */
export function digestEmail(
  name: string,
  s: DigestSummary,
  publicUrl: string | undefined,
  owner?: DigestOwner,
) {
  const card = digestCard(name, s, publicUrl, owner);
  const table = (title: string, list: DigestAccount[]) =>
    list.length === 0
      ? ''
      : `<h3>${escapeHtml(title)}</h3><table cellpadding="4"><tr><th align="left">Account</th><th>Grade</th><th align="left">Why</th></tr>${list
          .map(
            (a) =>
              `<tr><td><a href="${escapeHtml(a.url)}">${escapeHtml(a.name)}</a></td><td>${escapeHtml(a.grade ?? '–')}</td><td>${escapeHtml(a.detail)}</td></tr>`,
          )
          .join('')}</table>`;
  const html = `<!doctype html><html><body><h2>${escapeHtml(card.title)}</h2><p>${escapeHtml(card.lines[0]!)}</p>${table(
    'Accounts with new signals',
    s.newAccounts,
  )}${table('Escalating', s.escalating)}${table('Top churn risks', s.topChurnRisks)}</body></html>`;
  const text = [
    cardText(card),
    ...s.newAccounts.map((a) => `  new: ${a.name} ${a.url}`),
    ...s.escalating.map((a) => `  escalating: ${a.name} ${a.url}`),
    ...s.topChurnRisks.map((a) => `  churn risk: ${a.name} ${a.url}`),
  ].join('\n');
  return { subject: card.title, html, text };
}
