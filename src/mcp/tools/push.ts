import { z } from 'zod';
import { auditActorOf } from '../../auth/index.js';
import { providerFor } from '../../connections/index.js';
import { enqueuePush } from '../../jobs/index.js';
import { getPushRun, PUSH_DESTINATIONS, planPush, withScoresSource } from '../../push/index.js';
import { requireAccount } from '../brief.js';
import { type McpContext, mcpTrigger } from '../context.js';
import { defineTool } from './define.js';

const destination = z
  .enum(PUSH_DESTINATIONS as [string, ...string[]])
  .optional()
  .describe(
    "The CRM to push to; default the workspace's destination (the only connected one, or the chosen one)",
  );

/** The named destination, else the workspace's provider of the destination capability. */
const destinationFor = (ctx: McpContext, named: string | undefined) =>
  named ? Promise.resolve(named) : providerFor(ctx.rt, ctx.actor.workspaceId, 'destination');

const show = (v: unknown) => (v === null || v === undefined ? 'empty' : JSON.stringify(v));

/** One account's line of a push dry run (`POST /api/v1/push/:destination/plan`, member). */
export const previewPushPlanTool = defineTool({
  name: 'preview_push_plan',
  title: 'Push plan preview for an account',
  description:
    "Dry run for one account: what a push would write to the CRM record (create, update, unchanged or reject), field by field with the value before and after, fields kept because a person set them, and the notes it would add. Nothing is written. Needs the member role (as the API's plan does).",
  access: 'member',
  write: false,
  action: 'preview a push plan',
  input: z.strictObject({
    account: z.string().min(1).max(200).describe('Account id (acc_…) or company domain'),
    destination,
  }),
  async run(ctx, args) {
    const accountId = await requireAccount(ctx, args.account);
    // Full: compare this account's record even when nothing changed since the last push.
    const name = await destinationFor(ctx, args.destination);
    const plan = await planPush(withScoresSource(ctx.rt), ctx.actor.workspaceId, name, {
      full: true,
    });
    const found = plan.items.find((i) => i.accountId === accountId);
    const item = found
      ? {
          key: found.key,
          accountId: found.accountId,
          name: found.name,
          action: found.action,
          recordId: found.recordId,
          changes: found.changes,
          kept: found.kept,
          ...(found.reason ? { reason: found.reason } : {}),
          ...(found.retry ? { retry: found.retry } : {}),
          notes: found.notes.map((n) => ({
            key: n.key,
            title: n.title,
            priority: n.priority,
            firedAt: n.firedAt,
          })),
        }
      : null;
    const data = {
      destination: plan.destination,
      generatedAt: plan.generatedAt,
      attributes: {
        create: plan.attributes.create.map((m) => m.attribute),
        conflicts: plan.attributes.conflicts,
      },
      item,
    };
    if (!item) {
      return {
        text: `${args.account} is not in the ${plan.destination} push: it has no score yet or no company domain Beton can match. Run a score first, then preview again.`,
        data,
      };
    }
    const lines = [
      `${plan.destination} · ${item.name} (${item.key}): ${item.action}${item.recordId ? ` record ${item.recordId}` : ''}`,
    ];
    if (item.reason) lines.push(`Refused: ${item.reason}`);
    for (const c of item.changes) lines.push(`- ${c.attribute}: ${show(c.before)} → ${show(c.after)}`);
    for (const k of item.kept) {
      lines.push(
        `- ${k.attribute} kept at ${show(k.current)} (wanted ${show(k.wanted)}): ${k.reason === 'set_by_person' ? 'a person set it' : 'it is not empty'}`,
      );
    }
    for (const n of item.notes) lines.push(`- note: ${n.title} (${n.priority}, ${n.firedAt.slice(0, 10)})`);
    if (plan.attributes.conflicts.length > 0) {
      lines.push(
        `A run would refuse: attributes with the wrong type in ${plan.destination}: ${plan.attributes.conflicts.map((c) => `${c.attribute} is ${c.actual}, needs ${c.expected}`).join('; ')}.`,
      );
    }
    if (item.action === 'unchanged') lines.push('Nothing to write: the record already holds these values.');
    return { text: lines.join('\n'), data };
  },
});

/** Start a push run (`POST /api/v1/push/:destination/run`, member). */
export const applyPushTool = defineTool({
  name: 'apply_push',
  title: 'Apply a push',
  description:
    "Start a push of every account's scores to the CRM (the run preview_push_plan previews): a worker applies it under the CRM's rate limit, keeping fields people set; it can be rolled back from the web app. Answers the run id at once. Needs the member role.",
  access: 'member',
  write: true,
  action: 'apply a push',
  input: z.strictObject({
    destination,
    full: z
      .boolean()
      .default(false)
      .describe('Compare every record, not only those changed since the last push'),
  }),
  async run(ctx, args) {
    const name = await destinationFor(ctx, args.destination);
    const runId = await enqueuePush(ctx.rt, ctx.rt.jobs, ctx.actor.workspaceId, name, {
      trigger: mcpTrigger(ctx),
      actor: auditActorOf(ctx.actor),
      full: args.full,
    });
    const { run } = await getPushRun(ctx.rt, ctx.actor.workspaceId, runId, { limit: 0 });
    return {
      text: `Push run ${run.id} to ${run.destination} started (${run.status}); follow it in the web app's push history.`,
      data: { run },
    };
  },
});
