import type { Kysely } from 'kysely';
import { accountIdFor } from '../../src/accounts/index.js';
import type { DB } from '../../src/db/index.js';

/**
 * A fixed world of accounts written straight into the tables a segment reads — scores, signal
 * occurrences, linked records, billing history — so membership can be computed by hand.
 */

export interface WorldAccount {
  domain: string;
  name: string;
  createdAt: string;
  signupAt: string | null;
  /** null: not scored yet */
  scores: {
    health: number;
    expansion: number;
    churnRisk: number;
    fit: number | null;
    score: number;
    grade: string;
  } | null;
  signalKeys: string[];
  /** [signal key, occurred at] */
  occurrences: [string, string][];
  sources: string[];
  subscription: { plan: string; status: 'trialing' | 'active' | 'past_due' | 'canceled'; arr: number } | null;
  /** The owner's e-mail in a CRM (lower-cased, as accounts store it); absent: nobody owns it. */
  owner?: string;
}

function history(sub: WorldAccount['subscription'], at: string) {
  const subscriptions = sub
    ? [
        {
          id: 'sub_1',
          customerId: 'cus_1',
          status: sub.status,
          createdAt: at,
          startedAt: at,
          trialStart: null,
          trialEnd: null,
          endedAt: sub.status === 'canceled' ? at : null,
          canceledAt: null,
          cancelAt: null,
          cancelAtPeriodEnd: false,
          currentPeriodEnd: null,
          interval: 'month',
          intervalCount: 1,
          current: { arr: sub.arr, seats: 5, plan: sub.plan, seatLimit: null },
          points: [],
        },
      ]
    : [];
  return JSON.stringify({ observedAt: at, signupAt: null, persons: [], subscriptions, nps: [] });
}

/** Write the accounts of one workspace; returns their ids by domain. */
export async function seedAccounts(
  db: Kysely<DB>,
  workspaceId: string,
  accounts: WorldAccount[],
): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const a of accounts) {
    const id = accountIdFor(workspaceId, a.domain);
    ids[a.domain] = id;
    const json = history(a.subscription, a.createdAt);
    await db
      .insertInto('accounts')
      .values({
        id,
        workspace_id: workspaceId,
        domain: a.domain,
        name: a.name,
        name_source: 'domain',
        signup_at: a.signupAt,
        history_json: json,
        history_hash: `h:${json.length}:${a.subscription?.plan ?? ''}:${a.subscription?.status ?? ''}`,
        touched_at: null,
        replay_needed: 0,
        link_count: a.sources.length,
        owner_email: a.owner ?? null,
        created_at: a.createdAt,
        updated_at: a.createdAt,
      })
      .execute();
    if (a.scores) await setScores(db, workspaceId, id, a.scores, a.signalKeys);
    for (const [key, at] of a.occurrences)
      await db
        .insertInto('signal_occurrences')
        .values({
          workspace_id: workspaceId,
          account_id: id,
          signal_key: key,
          origin: 'live',
          occurred_at: at,
          first_seen_at: at,
          last_seen_at: at,
          open: 1,
          strength: 1,
          evidence_json: '{}',
          explanation: key,
          run_id: null,
        } as never)
        .execute();
    for (const integration of a.sources)
      await db
        .insertInto('account_links')
        .values({
          workspace_id: workspaceId,
          integration,
          stream: 'companies',
          external_id: `${integration}:${a.domain}`,
          account_id: id,
          status: 'linked',
          method: 'company_domain',
          via: null,
          conflict_json: null,
          payload_hash: 'x',
          linked_at: a.createdAt,
        })
        .execute();
  }
  return ids;
}

/** Replace an account's current scores (what a score run writes). */
export async function setScores(
  db: Kysely<DB>,
  workspaceId: string,
  accountId: string,
  s: NonNullable<WorldAccount['scores']>,
  signalKeys: string[] = [],
) {
  await db
    .deleteFrom('account_scores')
    .where('workspace_id', '=', workspaceId)
    .where('account_id', '=', accountId)
    .execute();
  await db
    .insertInto('account_scores')
    .values({
      workspace_id: workspaceId,
      account_id: accountId,
      health: s.health,
      expansion: s.expansion,
      churn_risk: s.churnRisk,
      fit: s.fit,
      score: s.score,
      grade: s.grade,
      top_signals_json: JSON.stringify(
        signalKeys.map((key) => ({ key, title: key, direction: 'expansion', share: 50 })),
      ),
      explanation_json: '{}',
      signal_keys: `,${signalKeys.join(',')},`,
      health_history_json: '[]',
      row_hash: 'x',
      scored_at: '2026-12-01T00:00:00.000Z',
      run_id: null,
    })
    .execute();
}

const score = (
  score: number,
  grade: string,
  fit: number | null,
  extra: Partial<NonNullable<WorldAccount['scores']>> = {},
) => ({
  health: 50,
  expansion: 40,
  churnRisk: 20,
  fit,
  score,
  grade,
  ...extra,
});

/** Six accounts; the tests compute membership from this table by hand. */
export const WORLD: WorldAccount[] = [
  {
    domain: 'acme.io',
    name: 'Acme',
    createdAt: '2026-01-10T00:00:00.000Z',
    signupAt: '2026-01-10T00:00:00.000Z',
    scores: score(92, 'M100', 85, { expansion: 80 }),
    signalKeys: ['usage_spike'],
    occurrences: [['usage_spike', '2026-12-04T10:00:00.000Z']],
    sources: ['posthog', 'stripe', 'attio'],
    subscription: { plan: 'Pro', status: 'trialing', arr: 0 },
    owner: 'ann@seller.io',
  },
  {
    domain: 'globex.com',
    name: '=Globex, "the" co',
    createdAt: '2026-03-01T00:00:00.000Z',
    signupAt: '2026-03-02T00:00:00.000Z',
    scores: score(70, 'M75', 90, { churnRisk: 65 }),
    signalKeys: ['usage_drop'],
    occurrences: [
      ['usage_drop', '2026-12-05T10:00:00.000Z'],
      ['usage_spike', '2026-11-01T10:00:00.000Z'],
    ],
    sources: ['posthog', 'stripe'],
    subscription: { plan: 'Business', status: 'active', arr: 24000 },
    owner: 'ann@seller.io',
  },
  {
    domain: 'initech.net',
    name: 'Initech',
    createdAt: '2026-06-15T00:00:00.000Z',
    signupAt: null,
    scores: score(45, 'M50', 60),
    signalKeys: [],
    occurrences: [],
    sources: ['attio'],
    subscription: { plan: 'pro', status: 'past_due', arr: 1200 },
    owner: 'bo@seller.io',
  },
  {
    domain: 'umbrella.org',
    name: '+Umbrella',
    createdAt: '2026-11-20T00:00:00.000Z',
    signupAt: '2026-11-21T00:00:00.000Z',
    scores: score(20, 'M10', null, { health: 15 }),
    signalKeys: [],
    occurrences: [['usage_spike', '2026-12-06T10:00:00.000Z']],
    sources: ['posthog'],
    subscription: { plan: 'Pro', status: 'trialing', arr: 0 },
  },
  {
    domain: 'hooli.xyz',
    name: 'Hooli',
    createdAt: '2026-02-01T00:00:00.000Z',
    signupAt: '2026-02-01T00:00:00.000Z',
    scores: score(81, 'M100', 82),
    signalKeys: ['usage_spike'],
    occurrences: [['usage_spike', '2026-11-25T10:00:00.000Z']],
    sources: ['stripe'],
    subscription: { plan: 'Business', status: 'canceled', arr: 0 },
  },
  {
    domain: 'stark.dev',
    name: '@Stark',
    createdAt: '2026-12-02T00:00:00.000Z',
    signupAt: null,
    scores: null,
    signalKeys: [],
    occurrences: [],
    sources: ['posthog'],
    subscription: null,
  },
];
