import { accountIdFor } from '../accounts/index.js';
import { badRequest } from '../core/errors.js';
import { accountDetail } from '../scoring/index.js';
import type { McpContext } from './context.js';

/** One account as `accountDetail` answers it (what `GET /api/v1/accounts/:id` serves). */
export type AccountPicture = Awaited<ReturnType<typeof accountDetail>>;

/** Recent signals and linked records shown in a brief (the structured answer has them all). */
const BRIEF_SIGNALS = 10;
const BRIEF_LINKS = 20;

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
 * One account's picture in the caller's workspace: scores, explanation, signals, linked records,
 * 30 days of history. 404 (as a tool error) when the workspace has no such account.
 *
 * @example
 * const picture = await accountPicture(ctx, 'acme.io');
 */
export function accountPicture(ctx: McpContext, account: string): Promise<AccountPicture> {
  return accountDetail(ctx.rt.db.kysely, ctx.actor.workspaceId, accountIdOf(ctx, account), {
    historyDays: 30,
    now: ctx.rt.clock.now(),
  });
}

/**
 * The account brief in Markdown: grade and scores, the summary, the drivers of expansion and churn
 * risk with their evidence, recent signals and linked people and records — what an assistant
 * needs to answer "why is this account where it is?".
 *
 * @example
 * const markdown = accountBrief(await accountPicture(ctx, 'acme.io'));
 */
export function accountBrief(p: AccountPicture): string {
  const a = p.account;
  const lines = [`# ${a.name} (${a.domain})`, ''];
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
          `- ${d.title}: ${Math.round(d.share)}% of the score, fired ${d.ageDays} days ago${d.explanation ? ` — ${d.explanation}` : ''}`,
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
  lines.push('', '## Linked people and records');
  if (p.links.length === 0) lines.push('- none');
  for (const l of p.links.slice(0, BRIEF_LINKS)) {
    lines.push(
      `- ${l.integration} ${l.stream} ${l.externalId} (${l.method}${l.manual ? ', linked by hand' : ''})`,
    );
  }
  if (p.links.length > BRIEF_LINKS) lines.push(`- … ${p.links.length - BRIEF_LINKS} more`);
  lines.push('', `Account id: ${a.id}`);
  return lines.join('\n');
}
