import { z } from 'zod';
import { type AccountListItem, accountListQuery, listAccounts, topMovers } from '../../scoring/index.js';
import { accountBrief, accountPicture } from '../brief.js';
import { defineTool } from './define.js';
import { segmentOf } from './segments.js';
import { dayOrTime, isoTime } from './time.js';

const num = (n: number | null) => (n === null ? 'n/a' : String(Math.round(n)));

function accountLine(a: AccountListItem): string {
  if (a.grade === null) return `- ${a.name} (${a.domain}): not scored yet · id ${a.id}`;
  const top = a.topSignals.map((s) => `${s.title} ${Math.round(s.share)}% (${s.direction})`).join(', ');
  const owner = a.owner ? `; owner ${a.owner.name ?? a.owner.email}` : '';
  return `- ${a.name} (${a.domain}): ${a.grade}, score ${num(a.score)} (health ${num(a.health)}, expansion ${num(a.expansion)}, churn risk ${num(a.churnRisk)}, fit ${num(a.fit)})${top ? `; drivers: ${top}` : ''}${owner} · id ${a.id}`;
}

/** The accounts list with the filters of `GET /api/v1/accounts` (segment included), through the same query. */
export const searchAccountsTool = defineTool({
  name: 'search_accounts',
  title: 'Search accounts',
  description:
    'List or search accounts with their scores (grade M100 best … M10, overall score, health, expansion, churn risk, fit) and top signals. Filter by a saved segment (list_segments names them), grade (e.g. "M100,M75"), score ranges (minExpansion, maxChurnRisk, …), plan, billing state (e.g. "trialing"), a signal that contributes (e.g. usage_drop) or fired in the last signalDays days, a linked source, dates, or text in the name or domain (q); filters combine with AND. Sort by a field ("-expansion" = highest first). Pages: pass the returned nextCursor as cursor.',
  access: 'viewer',
  write: false,
  action: 'read accounts',
  input: accountListQuery.extend({
    segment: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('A saved segment (name or id): only the accounts its filter selects now'),
  }),
  async run(ctx, args) {
    const { segment: ref, ...query } = args;
    const segment = ref ? await segmentOf(ctx, ref) : null;
    const page = await listAccounts(ctx.rt.db.kysely, ctx.actor.workspaceId, query, {
      now: ctx.rt.clock.now(),
      also: segment ? [segment.filter] : [],
    });
    const lines = page.items.map(accountLine);
    const where = segment ? ` in segment "${segment.name}"` : '';
    const head =
      page.items.length === 0
        ? `No account${where} matches these filters.`
        : `${page.items.length} accounts${where}:`;
    const tail = page.nextCursor ? `\nMore: call again with cursor "${page.nextCursor}".` : '';
    return { text: [head, ...lines].join('\n') + tail, data: { ...page } };
  },
});

/** One account's whole picture (what `GET /api/v1/accounts/:id` answers), as the account brief. */
export const getAccountTool = defineTool({
  name: 'get_account',
  title: 'Account details',
  description:
    'One account: its grade and scores with the explanation (summary and the signals driving expansion and churn risk, with evidence), fit, the recent signal timeline, linked people and source records, and 30 days of score history. Name it by account id (acc_…) or company domain.',
  access: 'viewer',
  write: false,
  action: 'read accounts',
  input: z.strictObject({
    account: z.string().min(1).max(200).describe('Account id (acc_…) or company domain (acme.io)'),
  }),
  async run(ctx, args) {
    const picture = await accountPicture(ctx, args.account);
    return { text: accountBrief(picture), data: picture };
  },
});

/** Grade changes and new churn risks since a day. */
export const topMoversTool = defineTool({
  name: 'top_movers',
  title: 'Top movers',
  description:
    'What changed since a day: accounts whose grade changed (biggest score change first, with the grade before and after) and accounts where a churn-risk signal fired (highest churn risk first, with the signals and their evidence). Default: the last 7 days.',
  access: 'viewer',
  write: false,
  action: 'read accounts',
  input: z.strictObject({
    since: dayOrTime('the first day of the window (default: 7 days ago)').optional(),
    limit: z.number().int().min(1).max(100).default(10).describe('Accounts per list'),
  }),
  async run(ctx, args) {
    const since = (
      args.since ? isoTime(args.since) : new Date(ctx.rt.clock.now().getTime() - 7 * 86_400_000).toISOString()
    ).slice(0, 10);
    const movers = await topMovers(ctx.rt.db.kysely, ctx.actor.workspaceId, { since, limit: args.limit });
    const count = (n: number) =>
      n === args.limit ? `the first ${n}${n < 100 ? '; raise limit for more' : ''}` : String(n);
    const lines = [`Since ${movers.since}:`, '', `Grade changes (${count(movers.gradeChanges.length)}):`];
    if (movers.gradeChanges.length === 0) lines.push('- none');
    for (const m of movers.gradeChanges) {
      lines.push(
        `- ${m.name} (${m.domain}): ${m.fromGrade ?? 'unscored'} → ${m.toGrade}, score ${num(m.fromScore)} → ${num(m.toScore)}${m.changedOn ? ` on ${m.changedOn}` : ''} · id ${m.accountId}`,
      );
    }
    lines.push('', `New churn risks (${count(movers.newChurnRisks.length)}):`);
    if (movers.newChurnRisks.length === 0) lines.push('- none');
    for (const r of movers.newChurnRisks) {
      const why = r.signals
        .map((s) => `${s.title} (${s.occurredAt.slice(0, 10)}): ${s.explanation}`)
        .join('; ');
      lines.push(
        `- ${r.name} (${r.domain}): churn risk ${num(r.churnRisk)}, ${r.grade ?? 'unscored'} — ${why} · id ${r.accountId}`,
      );
    }
    return { text: lines.join('\n'), data: { ...movers } };
  },
});
