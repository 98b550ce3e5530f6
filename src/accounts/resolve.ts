import type { Kysely } from 'kysely';
import type { DB } from '../db/index.js';
import { toJson } from '../db/index.js';
import { type Claim, claimOf, LINKED_STREAMS, type LinkMethod } from './claims.js';
import { normalizeEmail } from './domains.js';
import { type ChangedRecord, changedRecords, companyGroupTypes } from './source.js';
import { chunks, ensureAccounts, mapGroupKeys } from './store.js';

/**
 * Identity resolution, incrementally: every identity-bearing record that changed since the last
 * pass is resolved to an account (or recorded as unresolved, with why), and records that attach
 * through another one (an invoice through its customer, a survey answer through its group or the
 * person's email) follow when that one moves. A person's manual link or unlink always wins.
 */

export interface LinkRow {
  workspace_id: string;
  integration: string;
  stream: string;
  external_id: string;
  account_id: string | null;
  status: 'linked' | 'unresolved' | 'unlinked';
  method: LinkMethod | 'none';
  via: string | null;
  conflict_json: string | null;
  payload_hash: string;
  linked_at: string;
}

export interface ResolveResult {
  /** Accounts whose linked records changed. */
  touched: Set<string>;
  /** Group keys now mapped to another account: their usage must move. */
  rekeyed: Map<string, { from: string; to: string }>;
  linksWritten: number;
  /** Newest changed_at seen. */
  latestChange: string | null;
}

interface Context {
  db: Kysely<DB>;
  workspaceId: string;
  now: string;
  groupTypes: Set<number> | null;
  result: ResolveResult;
  changedCustomers: Set<string>;
  changedEmails: Set<string>;
}

async function existingLinks(ctx: Context, integration: string, stream: string, ids: string[]) {
  const out = new Map<string, LinkRow>();
  for (const chunk of chunks(ids)) {
    const rows = await ctx.db
      .selectFrom('account_links')
      .selectAll()
      .where('workspace_id', '=', ctx.workspaceId)
      .where('integration', '=', integration)
      .where('stream', '=', stream)
      .where('external_id', 'in', chunk)
      .execute();
    for (const r of rows) out.set(r.external_id, r as LinkRow);
  }
  return out;
}

async function overridesFor(ctx: Context, integration: string, stream: string, ids: string[]) {
  const out = new Map<string, string | null>();
  for (const chunk of chunks(ids)) {
    const rows = await ctx.db
      .selectFrom('account_link_overrides')
      .select(['external_id', 'account_id'])
      .where('workspace_id', '=', ctx.workspaceId)
      .where('integration', '=', integration)
      .where('stream', '=', stream)
      .where('external_id', 'in', chunk)
      .execute();
    for (const r of rows) out.set(r.external_id, r.account_id);
  }
  return out;
}

/** Account of each Stripe customer id (null when the customer is known but unresolved). */
async function customerAccounts(ctx: Context, customerIds: Iterable<string>) {
  const out = new Map<string, string | null>();
  for (const chunk of chunks([...new Set(customerIds)])) {
    const rows = await ctx.db
      .selectFrom('account_links')
      .select(['external_id', 'account_id', 'status'])
      .where('workspace_id', '=', ctx.workspaceId)
      .where('integration', '=', 'stripe')
      .where('stream', '=', 'customers')
      .where('external_id', 'in', chunk)
      .execute();
    for (const r of rows) out.set(r.external_id, r.status === 'linked' ? r.account_id : null);
  }
  return out;
}

/** Account of the PostHog person with each email. */
async function personAccounts(ctx: Context, emails: Iterable<string>) {
  const out = new Map<string, string>();
  for (const chunk of chunks([...new Set(emails)])) {
    const rows = await ctx.db
      .selectFrom('account_links')
      .select(['via', 'account_id'])
      .where('workspace_id', '=', ctx.workspaceId)
      .where('via', 'in', chunk)
      .where('integration', '=', 'posthog')
      .where('stream', '=', 'persons')
      .where('status', '=', 'linked')
      .orderBy('external_id')
      .execute();
    // Several persons may share an email: the first by id decides, deterministically.
    for (const r of rows) if (r.via && r.account_id && !out.has(r.via)) out.set(r.via, r.account_id);
  }
  return out;
}

async function writeLinks(ctx: Context, rows: LinkRow[]) {
  for (const chunk of chunks(rows, 400)) {
    await ctx.db
      .insertInto('account_links')
      .values(chunk)
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'integration', 'stream', 'external_id']).doUpdateSet((eb) => ({
          account_id: eb.ref('excluded.account_id'),
          status: eb.ref('excluded.status'),
          method: eb.ref('excluded.method'),
          via: eb.ref('excluded.via'),
          conflict_json: eb.ref('excluded.conflict_json'),
          payload_hash: eb.ref('excluded.payload_hash'),
          linked_at: eb.ref('excluded.linked_at'),
        })),
      )
      .execute();
  }
  ctx.result.linksWritten += rows.length;
}

/** Record the move of a link in the touched set and the cascades it triggers. */
function noteChange(ctx: Context, before: LinkRow | undefined, after: LinkRow, contentChanged: boolean) {
  const moved = before?.account_id !== after.account_id || before?.status !== after.status;
  if (moved && before?.account_id) ctx.result.touched.add(before.account_id);
  if ((moved || contentChanged) && after.account_id) ctx.result.touched.add(after.account_id);
  if (!moved) return;
  if (after.integration === 'stripe' && after.stream === 'customers')
    ctx.changedCustomers.add(after.external_id);
  if (after.integration === 'posthog' && after.stream === 'persons' && after.via)
    ctx.changedEmails.add(after.via);
  if (after.integration === 'posthog' && after.stream === 'persons' && before?.via)
    ctx.changedEmails.add(before.via);
}

function row(
  ctx: Context,
  r: { integration: string; stream: string; externalId: string; payloadHash: string },
  fields: Pick<LinkRow, 'account_id' | 'status' | 'method' | 'via' | 'conflict_json'>,
): LinkRow {
  return {
    workspace_id: ctx.workspaceId,
    integration: r.integration,
    stream: r.stream,
    external_id: r.externalId,
    payload_hash: r.payloadHash,
    linked_at: ctx.now,
    ...fields,
  };
}

async function resolveBatch(ctx: Context, integration: string, stream: string, batch: ChangedRecord[]) {
  for (const r of batch)
    if (!ctx.result.latestChange || r.changedAt > ctx.result.latestChange)
      ctx.result.latestChange = r.changedAt;
  const ids = batch.map((r) => r.externalId);
  const existing = await existingLinks(ctx, integration, stream, ids);
  const overrides = await overridesFor(ctx, integration, stream, ids);
  // An unchanged payload that resolved before needs nothing (a sync's overlap re-reads records).
  const work = batch.filter((r) => {
    const link = existing.get(r.externalId);
    return !link || link.payload_hash !== r.payloadHash || link.status === 'unresolved';
  });
  if (work.length === 0) return;

  const claims = work.map((r) => {
    const payload = JSON.parse(r.payloadJson) as unknown;
    return { r, payload, claim: claimOf(integration, stream, payload, ctx.groupTypes) };
  });
  const domains = claims.flatMap(({ claim }) => (claim.kind === 'domain' ? [claim.domain] : []));
  const accounts = await ensureAccounts(ctx.db, ctx.workspaceId, domains, ctx.now);
  const customers = await customerAccounts(
    ctx,
    claims.flatMap(({ claim }) => (claim.kind === 'customer' ? [claim.customerId] : [])),
  );
  const groupKeys = await mapGroupKeys(
    ctx.db,
    ctx.workspaceId,
    claims.flatMap(({ claim }) =>
      claim.kind === 'group_or_email' && claim.groupKey ? [claim.groupKey] : [],
    ),
    ctx.now,
  );
  const emails = claims.flatMap(({ claim }) =>
    claim.kind === 'email'
      ? [claim.email]
      : claim.kind === 'group_or_email' && claim.email
        ? [claim.email]
        : [],
  );
  const persons = await personAccounts(ctx, emails);

  const rows: LinkRow[] = [];
  const groupMappings: { key: string; accountId: string }[] = [];
  for (const { r, payload, claim } of claims) {
    const before = existing.get(r.externalId);
    const via = viaOf(integration, stream, payload, claim);
    let fields: Pick<LinkRow, 'account_id' | 'status' | 'method' | 'via' | 'conflict_json'>;
    if (overrides.has(r.externalId)) {
      const target = overrides.get(r.externalId)!;
      fields = target
        ? { account_id: target, status: 'linked', method: 'manual', via, conflict_json: null }
        : { account_id: null, status: 'unlinked', method: 'manual', via, conflict_json: null };
    } else {
      fields = resolveClaim(claim, via, { accounts, customers, groupKeys, persons });
    }
    const next = row(ctx, r, fields);
    rows.push(next);
    noteChange(ctx, before, next, before?.payload_hash !== r.payloadHash);
    if (integration === 'posthog' && stream === 'groups' && next.status === 'linked') {
      const key = (payload as { group_key?: unknown }).group_key;
      if (typeof key === 'string' && key) groupMappings.push({ key, accountId: next.account_id! });
    }
  }
  await writeLinks(ctx, rows);
  await writeGroupMappings(ctx, groupMappings);
}

/** What a link keys on, so dependents can be found again: a person's or customer's email, an invoice's customer. */
function viaOf(integration: string, stream: string, payload: unknown, claim: Claim): string | null {
  if (claim.kind === 'customer') return claim.customerId;
  if (claim.kind === 'email') return claim.email;
  if (claim.kind === 'group_or_email') return claim.email ?? claim.groupKey;
  if (
    (integration === 'posthog' && stream === 'persons') ||
    (integration === 'stripe' && stream === 'customers')
  ) {
    const p = payload as { email?: unknown; properties?: { email?: unknown } };
    return normalizeEmail(p.properties?.email ?? p.email);
  }
  return null;
}

interface Lookups {
  accounts: Map<string, string>;
  customers: Map<string, string | null>;
  groupKeys: Map<string, string>;
  persons: Map<string, string>;
}

function resolveClaim(
  claim: Claim,
  via: string | null,
  lookups: Lookups,
): Pick<LinkRow, 'account_id' | 'status' | 'method' | 'via' | 'conflict_json'> {
  const unresolved = (method: LinkRow['method'], reason: string) =>
    ({ account_id: null, status: 'unresolved', method, via, conflict_json: toJson({ reason }) }) as const;
  switch (claim.kind) {
    case 'domain':
      return {
        account_id: lookups.accounts.get(claim.domain)!,
        status: 'linked',
        method: claim.method,
        via,
        conflict_json: claim.conflict ? toJson(claim.conflict) : null,
      };
    case 'customer': {
      const account = lookups.customers.get(claim.customerId);
      if (account)
        return { account_id: account, status: 'linked', method: 'customer', via, conflict_json: null };
      return unresolved(
        'customer',
        account === null
          ? 'its Stripe customer is not linked to an account'
          : 'its Stripe customer is not synced yet',
      );
    }
    case 'group_or_email': {
      const byGroup = claim.groupKey ? lookups.groupKeys.get(claim.groupKey) : undefined;
      if (byGroup)
        return { account_id: byGroup, status: 'linked', method: 'group_key', via, conflict_json: null };
      const byPerson = claim.email ? lookups.persons.get(claim.email) : undefined;
      if (byPerson)
        return { account_id: byPerson, status: 'linked', method: 'person_email', via, conflict_json: null };
      return unresolved('none', 'neither its group nor its respondent belongs to an account');
    }
    case 'email': {
      const byPerson = lookups.persons.get(claim.email);
      if (byPerson)
        return { account_id: byPerson, status: 'linked', method: 'person_email', via, conflict_json: null };
      return unresolved('none', `${claim.reason}; no PostHog person with that email`);
    }
    case 'none':
      return unresolved('none', claim.reason);
  }
}

async function writeGroupMappings(ctx: Context, mappings: { key: string; accountId: string }[]) {
  if (mappings.length === 0) return;
  const current = new Map<string, string>();
  for (const chunk of chunks(mappings.map((m) => m.key))) {
    const rows = await ctx.db
      .selectFrom('account_group_keys')
      .select(['group_key', 'account_id'])
      .where('workspace_id', '=', ctx.workspaceId)
      .where('group_key', 'in', chunk)
      .execute();
    for (const r of rows) current.set(r.group_key, r.account_id);
  }
  const changed = mappings.filter((m) => current.get(m.key) !== m.accountId);
  for (const m of changed) {
    const from = current.get(m.key);
    if (from) ctx.result.rekeyed.set(m.key, { from, to: m.accountId });
  }
  for (const chunk of chunks(changed, 400)) {
    await ctx.db
      .insertInto('account_group_keys')
      .values(
        chunk.map((m) => ({ workspace_id: ctx.workspaceId, group_key: m.key, account_id: m.accountId })),
      )
      .onConflict((oc) =>
        oc
          .columns(['workspace_id', 'group_key'])
          .doUpdateSet((eb) => ({ account_id: eb.ref('excluded.account_id') })),
      )
      .execute();
  }
}

/**
 * Dependents follow what they depend on: invoices and subscriptions their customer, customers and
 * survey answers matched by email the person with that email. Repeats until nothing moves.
 */
async function cascade(ctx: Context) {
  for (let round = 0; round < 5 && (ctx.changedCustomers.size > 0 || ctx.changedEmails.size > 0); round++) {
    const customers = [...ctx.changedCustomers];
    const emails = [...ctx.changedEmails];
    ctx.changedCustomers = new Set();
    ctx.changedEmails = new Set();
    const owners = await customerAccounts(ctx, customers);
    const persons = await personAccounts(ctx, emails);
    const updates: LinkRow[] = [];
    const dependents: LinkRow[] = [];
    for (const chunk of chunks(customers)) {
      const rows = await ctx.db
        .selectFrom('account_links')
        .selectAll()
        .where('workspace_id', '=', ctx.workspaceId)
        .where('via', 'in', chunk)
        .where('method', '=', 'customer')
        .execute();
      dependents.push(...(rows as LinkRow[]));
    }
    for (const chunk of chunks(emails)) {
      const rows = await ctx.db
        .selectFrom('account_links')
        .selectAll()
        .where('workspace_id', '=', ctx.workspaceId)
        .where('via', 'in', chunk)
        .where((eb) => eb.or([eb('method', '=', 'person_email'), eb('status', '=', 'unresolved')]))
        .where('stream', '!=', 'persons')
        .execute();
      dependents.push(...(rows as LinkRow[]));
    }
    for (const link of dependents) {
      let next: LinkRow | null = null;
      if (link.method === 'customer') {
        const owner = owners.get(link.via!);
        next = owner
          ? { ...link, account_id: owner, status: 'linked', conflict_json: null }
          : {
              ...link,
              account_id: null,
              status: 'unresolved',
              conflict_json: toJson({ reason: 'its Stripe customer is not linked to an account' }),
            };
      } else {
        const owner = link.via ? persons.get(link.via) : undefined;
        if (owner)
          next = {
            ...link,
            account_id: owner,
            status: 'linked',
            method: 'person_email',
            conflict_json: null,
          };
        else if (link.method === 'person_email') {
          next = {
            ...link,
            account_id: null,
            status: 'unresolved',
            method: 'none',
            conflict_json: toJson({ reason: 'the person with this email is no longer linked' }),
          };
        }
      }
      if (!next || (next.account_id === link.account_id && next.status === link.status)) continue;
      next.linked_at = ctx.now;
      updates.push(next);
      noteChange(ctx, link, next, false);
    }
    await writeLinks(ctx, updates);
  }
}

/**
 * Resolve every identity record that changed since `since` (null: everything).
 *
 * @example
 * const { touched } = await resolveIdentities(db, ws, { since: watermark, now: isoNow(clock) });
 */
export async function resolveIdentities(
  db: Kysely<DB>,
  workspaceId: string,
  options: { since: string | null; now: string; onBatch?: (stream: string, records: number) => void },
): Promise<ResolveResult> {
  const ctx: Context = {
    db,
    workspaceId,
    now: options.now,
    groupTypes: await companyGroupTypes(db, workspaceId),
    result: { touched: new Set(), rekeyed: new Map(), linksWritten: 0, latestChange: null },
    changedCustomers: new Set(),
    changedEmails: new Set(),
  };
  for (const { integration, stream } of LINKED_STREAMS) {
    for await (const batch of changedRecords(db, workspaceId, integration, stream, options.since)) {
      await resolveBatch(ctx, integration, stream, batch);
      options.onBatch?.(`${integration}/${stream}`, batch.length);
    }
  }
  await cascade(ctx);
  return ctx.result;
}

/**
 * Re-resolve one record now (after a manual link or unlink), with its dependents.
 *
 * @example await reresolveRecord(db, ws, { integration: 'stripe', stream: 'customers', externalId: 'cus_1' }, now)
 */
export async function reresolveRecord(
  db: Kysely<DB>,
  workspaceId: string,
  key: { integration: string; stream: string; externalId: string },
  now: string,
): Promise<ResolveResult> {
  const ctx: Context = {
    db,
    workspaceId,
    now,
    groupTypes: await companyGroupTypes(db, workspaceId),
    result: { touched: new Set(), rekeyed: new Map(), linksWritten: 0, latestChange: null },
    changedCustomers: new Set(),
    changedEmails: new Set(),
  };
  const record = await db
    .selectFrom('records')
    .select(['id', 'external_id', 'payload_json', 'payload_hash', 'changed_at', 'synced_at', 'deleted_at'])
    .where('workspace_id', '=', workspaceId)
    .where('integration', '=', key.integration)
    .where('stream', '=', key.stream)
    .where('external_id', '=', key.externalId)
    .executeTakeFirst();
  if (!record) return ctx.result;
  // Forget the stored hash so the batch does not skip it as unchanged.
  await db
    .updateTable('account_links')
    .set({ payload_hash: '' })
    .where('workspace_id', '=', workspaceId)
    .where('integration', '=', key.integration)
    .where('stream', '=', key.stream)
    .where('external_id', '=', key.externalId)
    .execute();
  await resolveBatch(ctx, key.integration, key.stream, [
    {
      id: Number(record.id),
      integration: key.integration,
      stream: key.stream,
      externalId: record.external_id,
      payloadJson: record.payload_json,
      payloadHash: record.payload_hash,
      changedAt: record.changed_at,
      syncedAt: record.synced_at,
      deletedAt: record.deleted_at,
    },
  ]);
  await cascade(ctx);
  return ctx.result;
}
