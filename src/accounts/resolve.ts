import type { Kysely } from 'kysely';
import type { DB } from '../db/index.js';
import { toJson } from '../db/index.js';
import type { IntegrationRegistry } from '../integrations/registry.js';
import { type Claim, claimOf, type LinkMethod, linkedStreams } from './claims.js';
import { type FactsLookup, factsLookup, shippedRegistry } from './registry.js';
import { type ChangedRecord, changedRecords, identityContexts } from './source.js';
import { chunks, ensureAccounts, mapGroupKeys } from './store.js';

/**
 * Identity resolution, incrementally: every identity-bearing record that changed since the last
 * pass is resolved to an account (or recorded as unresolved, with why), and records that attach
 * through another one (an invoice through its customer, a survey answer through its group or the
 * person's email) follow when that one moves. A person's manual link or unlink always wins. What a
 * record claims, and which streams others refer to, comes from the streams' identity mappers.
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
  registry: IntegrationRegistry;
  lookup: FactsLookup;
  /** What each claiming stream's mapper built from its sibling stream, by `integration/stream`. */
  contexts: Map<string, unknown>;
  /** Streams other records find by customer id, per integration. */
  customerStreams: Map<string, string[]>;
  /** Streams other records find by a person's email. */
  personStreams: { integration: string; stream: string }[];
  result: ResolveResult;
  /** Customers whose link moved, per integration. */
  changedCustomers: Map<string, Set<string>>;
  changedEmails: Set<string>;
}

async function newContext(
  db: Kysely<DB>,
  workspaceId: string,
  now: string,
  registry: IntegrationRegistry,
): Promise<Context> {
  const customerStreams = new Map<string, string[]>();
  const personStreams: { integration: string; stream: string }[] = [];
  for (const s of linkedStreams(registry)) {
    const anchor = s.facts.identity?.anchor;
    if (anchor === 'customer')
      customerStreams.set(s.integration, [...(customerStreams.get(s.integration) ?? []), s.stream]);
    if (anchor === 'person') personStreams.push({ integration: s.integration, stream: s.stream });
  }
  return {
    db,
    workspaceId,
    now,
    registry,
    lookup: factsLookup(registry),
    contexts: await identityContexts(db, workspaceId, registry),
    customerStreams,
    personStreams,
    result: { touched: new Set(), rekeyed: new Map(), linksWritten: 0, latestChange: null },
    changedCustomers: new Map(),
    changedEmails: new Set(),
  };
}

/** Who people are found in, for messages: "Acme person", "Acme or Other person", or "person". */
function personLabel(ctx: Context): string {
  const names = [...new Set(ctx.personStreams.map((s) => ctx.lookup.label(s.integration)))];
  return names.length > 0 ? `${names.join(' or ')} person` : 'person';
}

const noteCustomer = (ctx: Context, integration: string, customerId: string) => {
  const set = ctx.changedCustomers.get(integration) ?? new Set<string>();
  set.add(customerId);
  ctx.changedCustomers.set(integration, set);
};

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

/** Account of each of an integration's customer ids (null when the customer is known but unresolved). */
async function customerAccounts(ctx: Context, integration: string, customerIds: Iterable<string>) {
  const out = new Map<string, string | null>();
  const streams = ctx.customerStreams.get(integration) ?? [];
  if (streams.length === 0) return out;
  for (const chunk of chunks([...new Set(customerIds)])) {
    const rows = await ctx.db
      .selectFrom('account_links')
      .select(['external_id', 'account_id', 'status'])
      .where('workspace_id', '=', ctx.workspaceId)
      .where('integration', '=', integration)
      .where('stream', 'in', streams)
      .where('external_id', 'in', chunk)
      .execute();
    for (const r of rows) out.set(r.external_id, r.status === 'linked' ? r.account_id : null);
  }
  return out;
}

/** Account of the person with each email, in the streams people are found in. */
async function personAccounts(ctx: Context, emails: Iterable<string>) {
  const out = new Map<string, string>();
  if (ctx.personStreams.length === 0) return out;
  for (const chunk of chunks([...new Set(emails)])) {
    const rows = await ctx.db
      .selectFrom('account_links')
      .select(['via', 'account_id'])
      .where('workspace_id', '=', ctx.workspaceId)
      .where('via', 'in', chunk)
      .where((eb) =>
        eb.or(
          ctx.personStreams.map((s) =>
            eb.and([eb('integration', '=', s.integration), eb('stream', '=', s.stream)]),
          ),
        ),
      )
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
  const anchor = ctx.lookup.facts(after.integration, after.stream)?.identity?.anchor;
  if (anchor === 'customer') noteCustomer(ctx, after.integration, after.external_id);
  if (anchor === 'person' && after.via) ctx.changedEmails.add(after.via);
  if (anchor === 'person' && before?.via) ctx.changedEmails.add(before.via);
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

  const identity = ctx.lookup.facts(integration, stream)?.identity;
  const context = ctx.contexts.get(`${integration}/${stream}`) ?? null;
  const claims = work.map((r) => {
    const payload = JSON.parse(r.payloadJson) as unknown;
    return { r, payload, claim: claimOf(ctx.registry, integration, stream, payload, context) };
  });
  const domains = claims.flatMap(({ claim }) => (claim.kind === 'domain' ? [claim.domain] : []));
  const accounts = await ensureAccounts(ctx.db, ctx.workspaceId, domains, ctx.now);
  const customers = await customerAccounts(
    ctx,
    integration,
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
    const via = viaOf(identity?.email, payload, claim);
    let fields: Pick<LinkRow, 'account_id' | 'status' | 'method' | 'via' | 'conflict_json'>;
    if (overrides.has(r.externalId)) {
      const target = overrides.get(r.externalId)!;
      fields = target
        ? { account_id: target, status: 'linked', method: 'manual', via, conflict_json: null }
        : { account_id: null, status: 'unlinked', method: 'manual', via, conflict_json: null };
    } else {
      fields = resolveClaim(
        claim,
        via,
        { accounts, customers, groupKeys, persons },
        {
          customer: `${ctx.lookup.label(integration)} customer`,
          person: personLabel(ctx),
        },
      );
    }
    const next = row(ctx, r, fields);
    rows.push(next);
    noteChange(ctx, before, next, before?.payload_hash !== r.payloadHash);
    if (identity?.accountKey && next.status === 'linked') {
      const key = identity.accountKey(payload);
      if (key) groupMappings.push({ key, accountId: next.account_id! });
    }
  }
  await writeLinks(ctx, rows);
  await writeGroupMappings(ctx, groupMappings);
}

/** What a link keys on, so dependents can be found again: a person's or customer's email, an invoice's customer. */
function viaOf(
  emailOf: ((record: unknown) => string | null) | undefined,
  payload: unknown,
  claim: Claim,
): string | null {
  if (claim.kind === 'customer') return claim.customerId;
  if (claim.kind === 'email') return claim.email;
  if (claim.kind === 'group_or_email') return claim.email ?? claim.groupKey;
  return emailOf ? emailOf(payload) : null;
}

interface Lookups {
  accounts: Map<string, string>;
  customers: Map<string, string | null>;
  groupKeys: Map<string, string>;
  persons: Map<string, string>;
}

/** How messages name what a claim refers to: "Acme customer", "Acme person". */
interface Labels {
  customer: string;
  person: string;
}

/** A link that found no account, with the reason why. */
const unresolvedLink = (method: LinkRow['method'], reason: string, via: string | null) =>
  ({ account_id: null, status: 'unresolved', method, via, conflict_json: toJson({ reason }) }) as const;

function resolveClaim(
  claim: Claim,
  via: string | null,
  lookups: Lookups,
  labels: Labels,
): Pick<LinkRow, 'account_id' | 'status' | 'method' | 'via' | 'conflict_json'> {
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
      return unresolvedLink(
        'customer',
        account === null
          ? `its ${labels.customer} is not linked to an account`
          : `its ${labels.customer} is not synced yet`,
        via,
      );
    }
    case 'group_or_email': {
      const byGroup = claim.groupKey ? lookups.groupKeys.get(claim.groupKey) : undefined;
      if (byGroup)
        return { account_id: byGroup, status: 'linked', method: 'group_key', via, conflict_json: null };
      const byPerson = claim.email ? lookups.persons.get(claim.email) : undefined;
      if (byPerson)
        return { account_id: byPerson, status: 'linked', method: 'person_email', via, conflict_json: null };
      return unresolvedLink('none', 'neither its group nor its respondent belongs to an account', via);
    }
    case 'email': {
      const byPerson = lookups.persons.get(claim.email);
      if (byPerson)
        return { account_id: byPerson, status: 'linked', method: 'person_email', via, conflict_json: null };
      return unresolvedLink('none', `${claim.reason}; no ${labels.person} with that email`, via);
    }
    case 'none':
      return unresolvedLink('none', claim.reason, via);
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
    const customersByIntegration = [...ctx.changedCustomers].map(
      ([integration, ids]) => [integration, [...ids]] as const,
    );
    const emails = [...ctx.changedEmails];
    ctx.changedCustomers = new Map();
    ctx.changedEmails = new Set();
    const owners = new Map<string, string | null>();
    const ownerKey = (integration: string, id: string) => `${integration}\u0000${id}`;
    const persons = await personAccounts(ctx, emails);
    const updates: LinkRow[] = [];
    const dependents: LinkRow[] = [];
    for (const [integration, customers] of customersByIntegration) {
      for (const [id, owner] of await customerAccounts(ctx, integration, customers))
        owners.set(ownerKey(integration, id), owner);
      for (const chunk of chunks(customers)) {
        const rows = await ctx.db
          .selectFrom('account_links')
          .selectAll()
          .where('workspace_id', '=', ctx.workspaceId)
          .where('integration', '=', integration)
          .where('via', 'in', chunk)
          .where('method', '=', 'customer')
          .execute();
        dependents.push(...(rows as LinkRow[]));
      }
    }
    for (const chunk of chunks(emails)) {
      let q = ctx.db
        .selectFrom('account_links')
        .selectAll()
        .where('workspace_id', '=', ctx.workspaceId)
        .where('via', 'in', chunk)
        .where((eb) => eb.or([eb('method', '=', 'person_email'), eb('status', '=', 'unresolved')]));
      // People themselves are what the email finds, not its dependents.
      for (const s of ctx.personStreams)
        q = q.where((eb) =>
          eb.not(eb.and([eb('integration', '=', s.integration), eb('stream', '=', s.stream)])),
        );
      dependents.push(...((await q.execute()) as LinkRow[]));
    }
    for (const link of dependents) {
      let next: LinkRow | null = null;
      if (link.method === 'customer') {
        const owner = owners.get(ownerKey(link.integration, link.via!));
        next = owner
          ? { ...link, account_id: owner, status: 'linked', conflict_json: null }
          : {
              ...link,
              account_id: null,
              status: 'unresolved',
              conflict_json: toJson({
                reason: `its ${ctx.lookup.label(link.integration)} customer is not linked to an account`,
              }),
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
  options: {
    since: string | null;
    now: string;
    onBatch?: (stream: string, records: number) => void;
    registry?: IntegrationRegistry;
  },
): Promise<ResolveResult> {
  const registry = options.registry ?? shippedRegistry();
  const ctx = await newContext(db, workspaceId, options.now, registry);
  for (const { integration, stream } of linkedStreams(registry)) {
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
 * @example await reresolveRecord(db, ws, { integration: 'acme', stream: 'customers', externalId: 'cus_1' }, now)
 */
export async function reresolveRecord(
  db: Kysely<DB>,
  workspaceId: string,
  key: { integration: string; stream: string; externalId: string },
  now: string,
  registry: IntegrationRegistry = shippedRegistry(),
): Promise<ResolveResult> {
  const ctx = await newContext(db, workspaceId, now, registry);
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
