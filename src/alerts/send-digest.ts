import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Config } from '../core/config.js';
import { type AlertCard, cardText, type MessageTarget, type Messenger } from '../integrations/index.js';
import type { DeliverDeps } from './deliver.js';
import {
  buildDigest,
  type Digest,
  type DigestSummary,
  digestCard,
  digestEmail,
  digestOwners,
  findDigest,
  lastScheduledAt,
  readDigestPeriod,
} from './digest.js';
import { openMessenger } from './messenger.js';
import { ownerTargetKey, resolveTarget } from './owner-target.js';

/**
 * Sending digests: to the workspace's messaging channel and/or by e-mail over BETON_SMTP_URL; or,
 * scoped per owner, to each account owner (a direct message and/or an e-mail to their address)
 * with only their accounts.
 */

/** What one owner's digest said and where it went (`sent` empty and `error` set: it went nowhere). */
export interface OwnerDigestResult {
  email: string;
  name: string | null;
  counts: DigestSummary['counts'];
  sent: ('message' | 'email')[];
  error: string | null;
}

export interface DigestDeps extends DeliverDeps {
  config: DeliverDeps['config'] & Partial<Pick<Config, 'BETON_SMTP_URL' | 'BETON_MAIL_FROM'>>;
}

export interface DigestRun {
  id: string;
  digestId: string;
  periodStart: string;
  periodEnd: string;
  status: 'sent' | 'empty' | 'failed' | 'building';
  summary: DigestSummary | null;
  /** Owner digests: each owner with news, what they were sent (owners with nothing new are absent). */
  owners?: OwnerDigestResult[];
  error: string | null;
  createdAt: string;
}

async function sendMail(
  deps: DigestDeps,
  to: string[],
  mail: { subject: string; html: string; text: string },
) {
  const url = deps.config.BETON_SMTP_URL;
  if (!url)
    throw new Error(
      'E-mail is not configured: set BETON_SMTP_URL (smtp://user:pass@host:port) to e-mail digests.',
    );
  const transport = nodemailer.createTransport(url);
  try {
    await transport.sendMail({
      from: deps.config.BETON_MAIL_FROM ?? `Beton <beton@${new URL(url).hostname}>`,
      to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
    });
  } finally {
    transport.close();
  }
}

/**
 * Build and send one digest for the period ending at `periodEnd` (once: a second call for the same
 * period answers the first run). Nothing new: recorded as `empty`, nothing sent.
 *
 * @example await runDigest(rt, ws, 'Monday', new Date())
 */
export async function runDigest(
  deps: DigestDeps,
  workspaceId: string,
  idOrName: string,
  periodEnd: Date,
): Promise<DigestRun> {
  const db = deps.db.kysely;
  const digest = await findDigest(db, workspaceId, idOrName);
  const start = digest.lastPeriodEnd ?? digest.createdAt;
  const end = periodEnd.toISOString();
  const runId = `dgr_${randomUUID().replaceAll('-', '')}`;
  const now = deps.clock.now().toISOString();
  const inserted = await db
    .insertInto('digest_runs')
    .values({
      id: runId,
      workspace_id: workspaceId,
      digest_id: digest.id,
      period_start: start,
      period_end: end,
      status: 'building',
      summary_json: 'null',
      error: null,
      created_at: now,
    })
    .onConflict((oc) => oc.columns(['workspace_id', 'digest_id', 'period_end']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
    const existing = await db
      .selectFrom('digest_runs')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('digest_id', '=', digest.id)
      .where('period_end', '=', end)
      .executeTakeFirstOrThrow();
    return toRun(existing);
  }
  const publicUrl = deps.config.BETON_PUBLIC_URL;
  let summary: DigestSummary;
  let status: DigestRun['status'] = 'empty';
  let error: string | null = null;
  let owners: OwnerDigestResult[] | undefined;
  if (digest.scope === 'owner') {
    ({ summary, status, error, owners } = await sendOwnerDigests(deps, workspaceId, digest, start, end));
  } else {
    summary = await buildDigest(db, workspaceId, {
      start,
      end,
      topChurnRisks: digest.topChurnRisks,
      publicUrl,
    });
    if (!summary.empty) {
      const failures: string[] = [];
      if (digest.channelId) {
        try {
          const { messenger } = await openMessenger(deps, workspaceId);
          await postCard(
            messenger,
            { kind: 'channel', id: digest.channelId },
            digestCard(digest.name, summary, publicUrl),
          );
        } catch (e) {
          failures.push(`channel: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      if (digest.emails.length > 0) {
        try {
          await sendMail(deps, digest.emails, digestEmail(digest.name, summary, publicUrl));
        } catch (e) {
          failures.push(`e-mail: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      const targets = (digest.channelId ? 1 : 0) + (digest.emails.length > 0 ? 1 : 0);
      status = failures.length === targets ? 'failed' : 'sent';
      error = failures.length > 0 ? failures.join('; ') : null;
    }
  }
  // The alerts a cap held back went out with this digest: to everyone, or to the owners reached.
  const reached = owners?.filter((o) => o.sent.length > 0).map((o) => o.email);
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('digest_runs')
      .set({ status, error, summary_json: JSON.stringify(owners ? { ...summary, owners } : summary) })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', runId)
      .execute();
    if (status === 'sent' && (!reached || reached.length > 0)) {
      let held = trx
        .updateTable('alerts')
        .set({ digest_run_id: runId })
        .where('workspace_id', '=', workspaceId)
        .where('status', '=', 'digest')
        .where('digest_run_id', 'is', null);
      if (reached)
        held = held.where('account_id', 'in', (eb) =>
          eb
            .selectFrom('accounts')
            .select('id')
            .where('workspace_id', '=', workspaceId)
            .where('owner_email', 'in', reached),
        );
      await held.execute();
    }
    await trx
      .updateTable('digests')
      .set({ last_period_end: end })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', digest.id)
      .execute();
  });
  return {
    id: runId,
    digestId: digest.id,
    periodStart: start,
    periodEnd: end,
    status,
    summary,
    ...(owners ? { owners } : {}),
    error,
    createdAt: now,
  };
}

/**
 * An owner digest: each owner with news in the period gets a digest of their own accounts, by
 * direct message and/or e-mail; owners with nothing new get nothing. The run's summary is the
 * workspace's; `owners` says who got what and why not.
 */
async function sendOwnerDigests(
  deps: DigestDeps,
  workspaceId: string,
  digest: Digest,
  start: string,
  end: string,
): Promise<{
  summary: DigestSummary;
  status: DigestRun['status'];
  error: string | null;
  owners: OwnerDigestResult[];
}> {
  const db = deps.db.kysely;
  const publicUrl = deps.config.BETON_PUBLIC_URL;
  const period = await readDigestPeriod(db, workspaceId, start, end);
  const common = { start, end, topChurnRisks: digest.topChurnRisks, publicUrl, period };
  const summary = await buildDigest(db, workspaceId, common);
  const owners: OwnerDigestResult[] = [];
  let messenger: Messenger | undefined;
  for (const owner of await digestOwners(db, workspaceId, period)) {
    const mine = await buildDigest(db, workspaceId, { ...common, owner: owner.email });
    if (mine.empty) continue;
    const result: OwnerDigestResult = { ...owner, counts: mine.counts, sent: [], error: null };
    const failures: string[] = [];
    if (digest.ownerVia.includes('message')) {
      try {
        messenger ??= (await openMessenger(deps, workspaceId)).messenger;
        const to = await resolveTarget(messenger, ownerTargetKey(owner.email));
        await postCard(messenger, to, digestCard(digest.name, mine, publicUrl, owner));
        result.sent.push('message');
      } catch (e) {
        failures.push(`message: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (digest.ownerVia.includes('email')) {
      try {
        await sendMail(deps, [owner.email], digestEmail(digest.name, mine, publicUrl, owner));
        result.sent.push('email');
      } catch (e) {
        failures.push(`e-mail: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    result.error = failures.length > 0 ? failures.join('; ') : null;
    owners.push(result);
  }
  const failed = owners.filter((o) => o.error);
  return {
    summary,
    status: owners.length === 0 ? 'empty' : owners.every((o) => o.sent.length === 0) ? 'failed' : 'sent',
    error: failed.length > 0 ? failed.map((o) => `${o.email}: ${o.error}`).join('; ') : null,
    owners,
  };
}

/** A digest's card (no feedback buttons) posted to a channel or a person. */
async function postCard(messenger: Messenger, to: MessageTarget, card: AlertCard) {
  const { actions: _none, ...plain } = card;
  const message = messenger.renderCard ? messenger.renderCard(plain) : { text: cardText(plain) };
  await messenger.post(to, message);
}

const toRun = (r: {
  id: string;
  digest_id: string;
  period_start: string;
  period_end: string;
  status: string;
  summary_json: string;
  error: string | null;
  created_at: string;
}): DigestRun => {
  const stored = JSON.parse(r.summary_json) as (DigestSummary & { owners?: OwnerDigestResult[] }) | null;
  const { owners, ...summary } = stored ?? {};
  return {
    id: r.id,
    digestId: r.digest_id,
    periodStart: r.period_start,
    periodEnd: r.period_end,
    status: r.status as DigestRun['status'],
    summary: stored ? (summary as DigestSummary) : null,
    ...(owners ? { owners } : {}),
    error: r.error,
    createdAt: r.created_at,
  };
};

/** A digest's runs, newest first. */
export async function listDigestRuns(
  deps: Pick<DigestDeps, 'db'>,
  workspaceId: string,
  digestId?: string,
  limit = 50,
) {
  let q = deps.db.kysely
    .selectFrom('digest_runs')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('created_at', 'desc')
    .limit(limit);
  if (digestId) q = q.where('digest_id', '=', digestId);
  return (await q.execute()).map(toRun);
}

/**
 * Send every enabled digest whose scheduled moment has come since its last period (any workspace).
 *
 * @example await runDueDigests(rt, rt.clock.now())
 */
export async function runDueDigests(deps: DigestDeps, now: Date): Promise<DigestRun[]> {
  const rows = await deps.db.kysely
    .selectFrom('digests')
    .select(['id', 'workspace_id'])
    .where('enabled', '=', 1)
    .execute();
  const out: DigestRun[] = [];
  for (const row of rows) {
    const digest = await findDigest(deps.db.kysely, row.workspace_id, row.id);
    const due = lastScheduledAt(digest, now);
    if (digest.lastPeriodEnd && due.toISOString() <= digest.lastPeriodEnd) continue;
    try {
      out.push(await runDigest(deps, row.workspace_id, row.id, due));
    } catch (error) {
      deps.logger.warn({ err: error, digestId: row.id }, 'digest failed');
    }
  }
  return out;
}
