import type { Kysely } from 'kysely';
import { factsLookup, linkedRecords, shippedRegistry } from '../accounts/index.js';
import { notFound } from '../core/index.js';
import type { DB } from '../db/index.js';
import type { IntegrationRegistry } from '../integrations/registry.js';
import type { NpsAnswer } from '../model/index.js';
import { listOccurrences, loadSignals } from '../signals/index.js';
import { type AccountPerson, mergePeople, type SignalPart, type SourcedPerson } from './merge.js';

/** How many of an account's latest signal occurrences are searched for the people they name. */
const OCCURRENCES_READ = 500;

const emailsIn = (evidence: Record<string, unknown>): string[] =>
  Array.isArray(evidence.emails) ? evidence.emails.filter((e): e is string => typeof e === 'string') : [];

/**
 * The people at one account: every linked record whose stream declares `people` (a product's
 * users) or `contacts` (a CRM's people, a billing e-mail) in its facts, its NPS answers, and the
 * signal occurrences whose evidence names them. Throws not found for an account of another
 * workspace.
 *
 * @example
 * const people = await accountPeople(db, ws, 'acc_1');
 * people.find((p) => p.conflicts.length > 0)?.conflicts[0]?.values; // [{value:'CTO', sources:['CRM']}, …]
 */
export async function accountPeople(
  db: Kysely<DB>,
  workspaceId: string,
  accountId: string,
  registry: IntegrationRegistry = shippedRegistry(),
): Promise<AccountPerson[]> {
  const account = await db
    .selectFrom('accounts')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', accountId)
    .executeTakeFirst();
  if (!account) throw notFound('Account');
  const lookup = factsLookup(registry);
  const order = new Map(registry.list().map((i, n) => [i.name, n]));
  const records = (await linkedRecords(db, workspaceId, [accountId])).get(accountId) ?? [];
  const people: SourcedPerson[] = [];
  const nps: NpsAnswer[] = [];
  for (const r of records) {
    if (r.deletedAt) continue;
    const facts = lookup.facts(r.integration, r.stream);
    if (!facts) continue;
    const source = { integration: r.integration, source: lookup.label(r.integration), stream: r.stream };
    if (facts.people) people.push({ ...source, fact: facts.people(r.payload) });
    const contact = facts.contacts?.(r.payload);
    if (contact) people.push({ ...source, fact: contact });
    const answer = facts.feedback?.(r.payload);
    if (answer) nps.push(answer);
  }
  // Registry order, so that a tie between two sources' values goes the same way every time.
  people.sort(
    (a, b) =>
      (order.get(a.integration) ?? 0) - (order.get(b.integration) ?? 0) ||
      a.stream.localeCompare(b.stream) ||
      a.fact.id.localeCompare(b.fact.id),
  );
  const titles = new Map((await loadSignals(db, workspaceId)).map((s) => [s.key, s.detector.title]));
  const occurrences = await listOccurrences(db, workspaceId, { accountId, limit: OCCURRENCES_READ });
  const parts: SignalPart[] = occurrences.items
    .map((o) => ({
      occurrenceId: o.id,
      key: o.key,
      title: titles.get(o.key) ?? o.key,
      occurredAt: o.occurredAt,
      emails: emailsIn(o.evidence),
    }))
    .filter((o) => o.emails.length > 0);
  return mergePeople(people, nps, parts);
}
