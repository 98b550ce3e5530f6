import type { Kysely } from 'kysely';
import { dayNumber, factsAt, loadWindowedUsage, parseHistory, WindowedUsage } from '../accounts/index.js';
import type { DB } from '../db/index.js';
import { customDetector } from './custom.js';
import { parseCustomSignal } from './store.js';

/**
 * Which accounts a custom-signal definition would match right now, before it is saved. Runs the
 * same detector the score run would, over the same usage windows; the event names reach SQL only
 * as bound parameters.
 *
 * @example
 * const { matching, accounts } = await previewCustomSignal(db, ws, { name: 'x', direction: 'expansion',
 *   events: ['export_clicked'], operator: 'gte', threshold: 10, windowDays: 7 }, new Date());
 */
export async function previewCustomSignal(
  db: Kysely<DB>,
  workspaceId: string,
  input: unknown,
  now: Date,
  limit = 50,
) {
  const definition = parseCustomSignal(input);
  const detector = customDetector({ ...definition, id: 'preview', key: 'custom:preview' });
  const asOfDay = dayNumber(now) - 1;
  const usage = await loadWindowedUsage(
    db,
    workspaceId,
    null,
    asOfDay,
    [definition.windowDays],
    definition.events,
  );
  const accounts = await db
    .selectFrom('accounts')
    .select(['id', 'domain', 'name'])
    .where('workspace_id', '=', workspaceId)
    .execute();
  const empty = parseHistory(null);
  const matches: { id: string; name: string; domain: string; total: number; explanation: string }[] = [];
  for (const account of accounts) {
    const view = usage.get(account.id) ?? new WindowedUsage(asOfDay, [definition.windowDays], []);
    const facts = factsAt(
      { accountId: account.id, domain: account.domain, history: empty, usage: view },
      now,
      true,
    );
    const found = detector.detect(facts, {});
    if (found)
      matches.push({
        id: account.id,
        name: account.name,
        domain: account.domain,
        total: Number(found.evidence.total),
        explanation: found.explanation,
      });
  }
  matches.sort((a, b) => b.total - a.total || a.domain.localeCompare(b.domain));
  return {
    definition,
    accountsTotal: accounts.length,
    matching: matches.length,
    accounts: matches.slice(0, limit),
  };
}
