import type { Kysely } from 'kysely';
import { crmRecordLinks } from '../accounts/index.js';
import type { DB } from '../db/index.js';
import { fromJson } from '../db/index.js';
import type { AlertCard, FeedbackVerdict, Messenger, OutgoingMessage } from '../integrations/index.js';
import { cardText } from '../integrations/index.js';
import type { IntegrationRegistry } from '../integrations/registry.js';
import type { ScoreExplanation } from '../scoring/index.js';
import { builtInDetector, loadSignals } from '../signals/index.js';

/**
 * What an alert says: the account, its grade and how it moved, the signal's own sentence, the top
 * drivers, its owner, links to the account in Beton and to its record in each connected CRM, and
 * the feedback buttons carrying the alert's id.
 */

export const FEEDBACK_ACTIONS: { verdict: FeedbackVerdict; label: string }[] = [
  { verdict: 'useful', label: 'Useful' },
  { verdict: 'not_useful', label: 'Not useful' },
  { verdict: 'snooze', label: 'Snooze 30 days' },
];

const VERDICT_TEXT: Record<FeedbackVerdict, string> = {
  useful: 'marked useful',
  not_useful: 'marked not useful',
  snooze: 'snoozed for 30 days',
};

export interface AlertFacts {
  alertId: string;
  accountId: string;
  accountName: string;
  domain: string;
  signalKey: string;
  signalTitle: string;
  explanation: string;
  grade: string | null;
  previousGrade: string | null;
  score: number | null;
  drivers: { title: string; share: number }[];
  /** The account's owner in a CRM, when one is known. */
  owner?: { email: string; name: string | null } | null;
  /** The account's company record in each connected CRM ("Open in HubSpot"). */
  crmLinks?: { label: string; url: string }[];
}

/** Where Beton's web app is, for links (BETON_PUBLIC_URL; a relative path when unset). */
export const accountUrl = (publicUrl: string | undefined, accountId: string) =>
  `${(publicUrl ?? '').replace(/\/+$/, '')}/accounts/${encodeURIComponent(accountId)}`;

/** The card of an alert; `verdict` replaces the buttons by who answered what. */
export function alertCard(
  facts: AlertFacts,
  publicUrl: string | undefined,
  verdict?: { verdict: FeedbackVerdict; by: string },
): AlertCard {
  const grade = facts.grade
    ? facts.previousGrade && facts.previousGrade !== facts.grade
      ? `Grade ${facts.grade} (was ${facts.previousGrade})`
      : `Grade ${facts.grade}`
    : undefined;
  const lines = [facts.explanation];
  if (facts.drivers.length > 0)
    lines.push(
      `Top drivers: ${facts.drivers.map((d) => `${d.title} (${Math.round(d.share)} %)`).join(', ')}`,
    );
  if (verdict) lines.push(`${verdict.by} ${VERDICT_TEXT[verdict.verdict]}.`);
  return {
    title: `${facts.accountName}: ${facts.signalTitle}`,
    ...(grade ? { subtitle: grade } : {}),
    lines,
    fields: [
      { label: 'Account', value: facts.domain },
      ...(facts.score === null ? [] : [{ label: 'Score', value: String(Math.round(facts.score)) }]),
      ...(facts.owner ? [{ label: 'Owner', value: facts.owner.name ?? facts.owner.email }] : []),
    ],
    links: [
      { label: 'Open in Beton', url: accountUrl(publicUrl, facts.accountId) },
      ...(facts.crmLinks ?? []).map((l) => ({ label: `Open in ${l.label}`, url: l.url })),
    ],
    ...(verdict ? {} : { actions: FEEDBACK_ACTIONS }),
    alertRef: facts.alertId,
  };
}

/** The card in the service's layout when it has one, else its text. */
export const renderMessage = (
  messenger: Pick<Messenger, 'renderCard'> | null,
  card: AlertCard,
): OutgoingMessage => (messenger?.renderCard ? messenger.renderCard(card) : { text: cardText(card) });

/**
 * Everything an alert's card shows, read for one alert; `registry` is where CRM record links come
 * from (default: the shipped integrations).
 */
export async function alertFacts(
  db: Kysely<DB>,
  workspaceId: string,
  alertId: string,
  registry?: IntegrationRegistry,
): Promise<AlertFacts | null> {
  const row = await db
    .selectFrom('alerts as al')
    .innerJoin('accounts as a', (j) =>
      j.onRef('a.workspace_id', '=', 'al.workspace_id').onRef('a.id', '=', 'al.account_id'),
    )
    .leftJoin('account_scores as s', (j) =>
      j.onRef('s.workspace_id', '=', 'al.workspace_id').onRef('s.account_id', '=', 'al.account_id'),
    )
    .leftJoin('signal_occurrences as o', (j) =>
      j.onRef('o.workspace_id', '=', 'al.workspace_id').onRef('o.id', '=', 'al.occurrence_id'),
    )
    .select([
      'al.id',
      'al.account_id',
      'al.signal_key',
      'a.name',
      'a.domain',
      'a.owner_email',
      'a.owner_name',
      's.grade',
      's.score',
      's.explanation_json',
      'o.explanation',
    ])
    .where('al.workspace_id', '=', workspaceId)
    .where('al.id', '=', alertId)
    .executeTakeFirst();
  if (!row) return null;
  const previous = await db
    .selectFrom('score_snapshots')
    .select('grade')
    .where('workspace_id', '=', workspaceId)
    .where('account_id', '=', row.account_id)
    .orderBy('day', 'desc')
    .offset(1)
    .limit(1)
    .executeTakeFirst();
  const signals = new Map((await loadSignals(db, workspaceId)).map((s) => [s.key, s]));
  const titleOf = (key: string) => signals.get(key)?.detector.title ?? builtInDetector(key)?.title ?? key;
  const e = fromJson<ScoreExplanation | null>(row.explanation_json ?? null, null);
  const drivers = e
    ? [...e.expansion.drivers, ...e.churnRisk.drivers]
        .sort((a, b) => b.contribution - a.contribution)
        .slice(0, 3)
        .map((d) => ({ title: titleOf(d.key), share: d.share }))
    : [];
  return {
    alertId: row.id,
    accountId: row.account_id,
    accountName: row.name,
    domain: row.domain,
    signalKey: row.signal_key,
    signalTitle: titleOf(row.signal_key),
    explanation: row.explanation ?? titleOf(row.signal_key),
    grade: row.grade ?? null,
    previousGrade: previous?.grade ?? null,
    score: row.score === null || row.score === undefined ? null : Number(row.score),
    drivers,
    owner: row.owner_email ? { email: row.owner_email, name: row.owner_name } : null,
    crmLinks: (
      (await crmRecordLinks(db, workspaceId, [row.account_id], registry)).get(row.account_id) ?? []
    ).map((l) => ({ label: l.label, url: l.url })),
  };
}
