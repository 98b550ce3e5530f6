import { accountIdFor } from '../accounts/index.js';
import { type SignalSnooze, withAccountSnoozes } from '../alerts/index.js';
import { AppError, badRequest } from '../core/errors.js';
import { type AccountPerson, accountPeople, sortPeople } from '../people/index.js';
import { accountDetail } from '../scoring/index.js';
import type { McpContext } from './context.js';

/**
 * One account as `GET /api/v1/accounts/:id` serves it (snoozes included), plus its people as
 * `GET /api/v1/accounts/:id/people` serves them (most recently seen first).
 */
export type AccountPicture = Awaited<ReturnType<typeof withAccountSnoozes<AccountDetail>>> & {
  people: AccountPerson[];
};
type AccountDetail = Awaited<ReturnType<typeof accountDetail>>;

/** Recent signals and people shown in a brief (the structured answer has them all). */
const BRIEF_SIGNALS = 10;
const BRIEF_PEOPLE = 15;

const num = (n: number | null | undefined) => (n === null || n === undefined ? 'n/a' : String(Math.round(n)));

/**
 * The account an argument names: an account id (`acc_…`) as the API returns it, or a company
 * domain (accounts are keyed by domain in their workspace).
 *
 * @example
 * accountIdOf(ctx, 'acme.io'); // 'acc_…' of acme.io in the caller's workspace
 */
export function accountIdOf(ctx: McpContext, account: string): string {
  const value = account.trim();
  if (/^acc_[0-9a-f]+$/i.test(value)) return value;
  const domain = value
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/^www\./, '')
    .replace(/\/.*$/, '');
  if (!/^[a-z0-9.-]+\.[a-z]{2,}$/.test(domain)) {
    throw badRequest(
      `"${account}" is neither an account id (acc_…) nor a company domain (acme.io); search_accounts finds both.`,
    );
  }
  return accountIdFor(ctx.actor.workspaceId, domain);
}

/**
 * One account's picture in the caller's workspace: scores, explanation, signals, people, linked
 * records, 30 days of history; a tool error saying how to find it when the workspace has no such
 * account.
 *
 * @example
 * const picture = await accountPicture(ctx, 'acme.io');
 */
export async function accountPicture(ctx: McpContext, account: string): Promise<AccountPicture> {
  const db = ctx.rt.db.kysely;
  const ws = ctx.actor.workspaceId;
  const id = await requireAccount(ctx, account);
  const now = ctx.rt.clock.now();
  const detail = await withAccountSnoozes(
    db,
    ws,
    now,
    await accountDetail(db, ws, id, { historyDays: 30, now }),
  );
  const people = await accountPeople(db, ws, id, ctx.rt.integrations);
  return { ...detail, people: sortPeople(people, 'lastSeenAt', 'desc') };
}

/**
 * The id of the account an argument names, when the caller's workspace has it; otherwise a tool
 * error saying how to find it (the same words whether another workspace has it or nobody does).
 *
 * @example
 * const id = await requireAccount(ctx, 'acme.io');
 */
export async function requireAccount(ctx: McpContext, account: string): Promise<string> {
  const id = accountIdOf(ctx, account);
  const found = await ctx.rt.db.kysely
    .selectFrom('accounts')
    .select('id')
    .where('workspace_id', '=', ctx.actor.workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!found) throw accountNotFound(account);
  return id;
}

/** The tool error for an account the caller's workspace does not have, with what to try next. */
export const accountNotFound = (account: string) =>
  new AppError(
    404,
    'not_found',
    `Account "${account.trim()}" was not found in this workspace. search_accounts with q (part of its name or domain) finds accounts and their ids (acc_…).`,
  );

const daysAgo = (n: number) => (n === 0 ? 'today' : n === 1 ? '1 day ago' : `${n} days ago`);

/** How many records of each integration and stream are linked, in the order the links come. */
function recordCounts(links: AccountPicture['links']): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const l of links) {
    const streams = out.get(l.integration) ?? new Map<string, number>();
    streams.set(l.stream, (streams.get(l.stream) ?? 0) + 1);
    out.set(l.integration, streams);
  }
  return out;
}

/** "Ada Lovelace, VP Engineering <ada@acme.io>", from what is known of a person. */
function personLine(p: AccountPerson): string {
  const who = p.name ?? p.email ?? p.key;
  const title = p.title ? `, ${p.title}` : '';
  const email = p.email && p.email !== who ? ` <${p.email}>` : '';
  const facts = [
    p.lastSeenAt ? `last seen ${p.lastSeenAt.slice(0, 10)}` : null,
    p.nps.length > 0 ? `NPS ${p.nps.map((n) => `${n.score} (${n.at.slice(0, 10)})`).join(', ')}` : null,
    p.signals.length > 0 ? `in signals: ${[...new Set(p.signals.map((s) => s.title))].join(', ')}` : null,
  ].filter((f) => f !== null);
  return `- ${who}${title}${email}${facts.length > 0 ? ` · ${facts.join(' · ')}` : ''}`;
}

/** "- usage_drop: no alerts until 2027-01-07, snoozed by Ana on 2026-12-08 — note". */
export function snoozeLine(z: SignalSnooze): string {
  return `- ${z.signal}: no alerts until ${z.until.slice(0, 10)}, snoozed by ${z.by.name ?? z.by.id ?? 'someone'} on ${z.snoozedAt.slice(0, 10)}${z.note ? ` — ${z.note}` : ''}`;
}

/**
 * The account brief in Markdown: grade and scores, the summary, the drivers of expansion and churn
 * risk with their evidence, recent signals, the people there and linked records — what an assistant
 * needs to answer "why is this account where it is?".
 *
 * @example
 * const markdown = accountBrief(await accountPicture(ctx, 'acme.io'));
 */
export function accountBrief(p: AccountPicture): string {
  const a = p.account;
  const lines = [`# ${a.name} (${a.domain})`, ''];
  if (a.owner) {
    const who = a.owner.name ? `${a.owner.name} <${a.owner.email}>` : a.owner.email;
    lines.push(`Owner: ${who}${a.owner.source ? ` (in ${a.owner.source})` : ''}`, '');
  }
  const s = p.scores;
  if (s) {
    lines.push(
      `Grade ${s.grade} · score ${num(s.score)} · health ${num(s.health)} · expansion ${num(s.expansion)} · churn risk ${num(s.churnRisk)} · fit ${num(s.fit)} (scored ${s.scoredAt.slice(0, 10)})`,
      '',
      s.explanation.summary,
    );
    for (const [heading, part] of [
      ['Expansion drivers', s.explanation.expansion],
      ['Churn-risk drivers', s.explanation.churnRisk],
    ] as const) {
      lines.push('', `## ${heading} (${num(part.score)})`);
      if (part.drivers.length === 0) lines.push('- none');
      for (const d of part.drivers) {
        lines.push(
          `- ${d.title}: ${Math.round(d.share)}% of the score, fired ${daysAgo(d.ageDays)}${d.explanation ? ` — ${d.explanation}` : ''}`,
        );
      }
    }
    if (s.explanation.fit.reason) lines.push('', `Fit: ${s.explanation.fit.reason}`);
  } else {
    lines.push('Not scored yet: the next score run scores it.');
  }
  lines.push('', '## Recent signals');
  if (p.signals.length === 0) lines.push('- none');
  for (const o of p.signals.slice(0, BRIEF_SIGNALS)) {
    lines.push(`- ${o.occurredAt.slice(0, 10)} ${o.title} (${o.direction ?? 'other'}): ${o.explanation}`);
  }
  if (p.signals.length > BRIEF_SIGNALS) lines.push(`- … ${p.signals.length - BRIEF_SIGNALS} older`);
  if (p.snoozes.length > 0) {
    lines.push('', '## Snoozed alerts');
    for (const z of p.snoozes) lines.push(snoozeLine(z));
  }
  lines.push('', `## People (${p.people.length})`);
  if (p.people.length === 0) lines.push('- none known');
  for (const person of p.people.slice(0, BRIEF_PEOPLE)) lines.push(personLine(person));
  if (p.people.length > BRIEF_PEOPLE) lines.push(`- … ${p.people.length - BRIEF_PEOPLE} more`);
  lines.push('', `## Linked source records (${p.links.length})`);
  if (p.links.length === 0) lines.push('- none');
  for (const [integration, streams] of recordCounts(p.links)) {
    lines.push(`- ${integration}: ${[...streams].map(([stream, n]) => `${n} ${stream}`).join(', ')}`);
  }
  const manual = p.links.filter((l) => l.manual).length;
  if (manual > 0) lines.push(`- ${manual} linked by hand`);
  lines.push('', `Account id: ${a.id}`);
  return lines.join('\n');
}
