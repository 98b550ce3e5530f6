import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import { findSegment, listSegments, type Segment } from '../../segments/index.js';
import type { McpContext } from '../context.js';
import { defineTool } from './define.js';

/**
 * The saved segment a tool argument names (id or name) in the caller's workspace; a tool error
 * pointing to list_segments when there is none.
 *
 * @example
 * const segment = await segmentOf(ctx, 'Hot trials');
 */
export async function segmentOf(ctx: McpContext, ref: string): Promise<Segment> {
  try {
    return await findSegment(ctx.rt.db.kysely, ctx.actor.workspaceId, ref);
  } catch (error) {
    if (error instanceof AppError && error.status === 404) {
      throw new AppError(
        404,
        'not_found',
        `Segment "${ref}" was not found in this workspace; list_segments names the saved segments.`,
      );
    }
    throw error;
  }
}

/** "grade M100,M75 · billing trialing": the fields a segment's filter sets. */
function filterText(filter: Segment['filter']): string {
  const parts = Object.entries(filter)
    .filter(([k, v]) => v !== undefined && !(k === 'scoreField' && v === 'score'))
    .map(([k, v]) => `${k} ${String(v)}`);
  return parts.length > 0 ? parts.join(' · ') : 'every account';
}

/** The workspace's saved segments (what `GET /api/v1/segments` answers). */
export const listSegmentsTool = defineTool({
  name: 'list_segments',
  title: 'Saved segments',
  description:
    'The saved segments of this workspace: named account filters (e.g. "Trialing, fit ≥ 80") with their member counts and filters. Pass a segment\'s name or id to search_accounts as segment to list its accounts.',
  access: 'viewer',
  write: false,
  action: 'read segments',
  input: z.strictObject({}),
  async run(ctx) {
    const items = await listSegments(ctx.rt.db.kysely, ctx.actor.workspaceId);
    const lines =
      items.length === 0
        ? ['No saved segment in this workspace (they are saved from the accounts list of the web app).']
        : [
            `${items.length} ${items.length === 1 ? 'segment' : 'segments'}:`,
            ...items.map(
              (s) =>
                `- ${s.name}: ${s.memberCount} accounts${s.evaluatedAt ? ` (as of ${s.evaluatedAt.slice(0, 10)})` : ''}${s.description ? ` — ${s.description}` : ''}; filter: ${filterText(s.filter)} · id ${s.id}`,
            ),
          ];
    return { text: lines.join('\n'), data: { items } };
  },
});
