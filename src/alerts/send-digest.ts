import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Config } from '../core/config.js';
import { type AlertCard, cardText } from '../integrations/index.js';
import type { DeliverDeps } from './deliver.js';
import {
  buildDigest,
  type Digest,
  type DigestSummary,
  digestCard,
  digestEmail,
  findDigest,
  lastScheduledAt,
} from './digest.js';
import { openMessenger } from './messenger.js';

/** Sending digests: to the workspace's messaging channel and/or by e-mail over BETON_SMTP_URL. */

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
  const summary = await buildDigest(db, workspaceId, {
    start,
    end,
    topChurnRisks: digest.topChurnRisks,
    publicUrl: deps.config.BETON_PUBLIC_URL,
  });
  let status: DigestRun['status'] = 'empty';
  let error: string | null = null;
  if (!summary.empty) {
    const failures: string[] = [];
    if (digest.channelId) {
      try {
        await postToChannel(
          deps,
          workspaceId,
          digest,
          digestCard(digest.name, summary, deps.config.BETON_PUBLIC_URL),
        );
      } catch (e) {
        failures.push(`channel: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (digest.emails.length > 0) {
      try {
        await sendMail(deps, digest.emails, digestEmail(digest.name, summary, deps.config.BETON_PUBLIC_URL));
      } catch (e) {
        failures.push(`e-mail: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const targets = (digest.channelId ? 1 : 0) + (digest.emails.length > 0 ? 1 : 0);
    status = failures.length === targets ? 'failed' : 'sent';
    error = failures.length > 0 ? failures.join('; ') : null;
  }
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('digest_runs')
      .set({ status, error, summary_json: JSON.stringify(summary) })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', runId)
      .execute();
    if (status === 'sent')
      await trx
        .updateTable('alerts')
        .set({ digest_run_id: runId })
        .where('workspace_id', '=', workspaceId)
        .where('status', '=', 'digest')
        .where('digest_run_id', 'is', null)
        .execute();
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
    error,
    createdAt: now,
  };
}

async function postToChannel(deps: DigestDeps, workspaceId: string, digest: Digest, card: AlertCard) {
  const { messenger } = await openMessenger(deps, workspaceId);
  const { actions: _none, ...plain } = card;
  const message = messenger.renderCard ? messenger.renderCard(plain) : { text: cardText(plain) };
  await messenger.post({ kind: 'channel', id: digest.channelId! }, message);
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
}): DigestRun => ({
  id: r.id,
  digestId: r.digest_id,
  periodStart: r.period_start,
  periodEnd: r.period_end,
  status: r.status as DigestRun['status'],
  summary: JSON.parse(r.summary_json) as DigestSummary | null,
  error: r.error,
  createdAt: r.created_at,
});

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
