import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { badRequest, conflict, notFound } from '../core/index.js';
import type { DB, SegmentsTable } from '../db/index.js';
import { fromJson, toJson } from '../db/index.js';
import { type AccountFilter, accountFilter } from '../scoring/index.js';

/** Saved segments: a named, workspace-wide AccountFilter. Membership lives in membership.ts. */

export const segmentName = z
  .string()
  .trim()
  .min(1)
  .max(120)
  .regex(/^[^,]*\S[^,]*$/, 'a name without commas')
  .refine((n) => !n.startsWith('seg_'), 'a name that does not start with "seg_" (ids do)');

/** What creating a segment takes; `filter` is validated by the accounts-list filter schema. */
export const segmentInput = z.strictObject({
  name: segmentName,
  description: z.string().max(2000).default(''),
  filter: accountFilter,
});
export type SegmentInput = z.input<typeof segmentInput>;
export const segmentPatch = z.strictObject({
  name: segmentName.optional(),
  description: z.string().max(2000).optional(),
  filter: accountFilter.optional(),
});

export interface Segment {
  id: string;
  name: string;
  description: string;
  filter: AccountFilter;
  memberCount: number;
  evaluatedAt: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A stored filter read back through the schema, so defaults added later apply to old segments. */
export function toSegment(row: SegmentsTable): Segment {
  const parsed = accountFilter.safeParse(fromJson<unknown>(row.filter_json, {}));
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    filter: parsed.success ? parsed.data : accountFilter.parse({}),
    memberCount: Number(row.member_count),
    evaluatedAt: row.evaluated_at,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Every segment of a workspace, by name.
 *
 * @example (await listSegments(db, ws)).map((s) => `${s.name}: ${s.memberCount}`)
 */
export async function listSegments(db: Kysely<DB>, workspaceId: string): Promise<Segment[]> {
  const rows = await db
    .selectFrom('segments')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('name')
    .execute();
  return rows.map(toSegment);
}

/**
 * One segment by id or by name (404 when the workspace has neither).
 *
 * @example const s = await findSegment(db, ws, 'Trialing, fit ≥ 80');
 */
export async function findSegment(db: Kysely<DB>, workspaceId: string, idOrName: string): Promise<Segment> {
  const row = await db
    .selectFrom('segments')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
    .orderBy('id')
    .executeTakeFirst();
  if (!row) throw notFound(`Segment "${idOrName}"`);
  return toSegment(row);
}

async function assertNameFree(db: Kysely<DB>, workspaceId: string, name: string, except?: string) {
  let q = db
    .selectFrom('segments')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('name', '=', name);
  if (except) q = q.where('id', '<>', except);
  if (await q.executeTakeFirst())
    throw conflict(
      `A segment named "${name}" already exists in this workspace; choose another name or update it.`,
    );
}

/**
 * Save a segment. Its membership is filled by the next evaluation (`evaluateSegments`).
 *
 * @example await createSegment(db, ws, { name: 'Hot trials', filter: { billing: 'trialing', minFit: 80 } }, userId, now)
 */
export async function createSegment(
  db: Kysely<DB>,
  workspaceId: string,
  input: SegmentInput,
  actorId: string | null,
  now: string,
): Promise<Segment> {
  const parsed = segmentInput.safeParse(input);
  if (!parsed.success)
    throw badRequest('The segment is not valid; fix the fields listed in details.', parsed.error.issues);
  const { name, description, filter } = parsed.data;
  await assertNameFree(db, workspaceId, name);
  const row: SegmentsTable = {
    id: `seg_${randomUUID().replaceAll('-', '')}`,
    workspace_id: workspaceId,
    name,
    description,
    filter_json: toJson(filter),
    member_count: 0,
    evaluated_at: null,
    changed_at: null,
    created_by: actorId,
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('segments').values(row).execute();
  return toSegment(row);
}

/**
 * Rename, describe or re-filter a segment. A new filter is evaluated by the caller right after, so
 * the membership history records who entered and left because of the change.
 *
 * @example await updateSegment(db, ws, seg.id, { filter: { grade: 'M100' } }, now)
 */
export async function updateSegment(
  db: Kysely<DB>,
  workspaceId: string,
  idOrName: string,
  patch: z.input<typeof segmentPatch>,
  now: string,
): Promise<Segment> {
  const current = await findSegment(db, workspaceId, idOrName);
  const parsed = segmentPatch.safeParse(patch);
  if (!parsed.success)
    throw badRequest('The change is not valid; fix the fields listed in details.', parsed.error.issues);
  if (parsed.data.name !== undefined) await assertNameFree(db, workspaceId, parsed.data.name, current.id);
  await db
    .updateTable('segments')
    .set({
      ...(parsed.data.name !== undefined ? { name: parsed.data.name } : {}),
      ...(parsed.data.description !== undefined ? { description: parsed.data.description } : {}),
      ...(parsed.data.filter !== undefined ? { filter_json: toJson(parsed.data.filter) } : {}),
      updated_at: now,
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', current.id)
    .execute();
  return findSegment(db, workspaceId, current.id);
}

/**
 * Delete a segment and its membership history.
 *
 * @example await deleteSegment(db, ws, 'Hot trials')
 */
export async function deleteSegment(db: Kysely<DB>, workspaceId: string, idOrName: string): Promise<Segment> {
  const segment = await findSegment(db, workspaceId, idOrName);
  await db.transaction().execute(async (tx) => {
    await tx
      .deleteFrom('segment_members')
      .where('workspace_id', '=', workspaceId)
      .where('segment_id', '=', segment.id)
      .execute();
    // The segment's list runs go with it (the lists in the CRM stay).
    await tx
      .deleteFrom('segment_list_items')
      .where('workspace_id', '=', workspaceId)
      .where('run_id', 'in', (eb) =>
        eb
          .selectFrom('segment_list_runs')
          .select('id')
          .where('workspace_id', '=', workspaceId)
          .where('segment_id', '=', segment.id),
      )
      .execute();
    await tx
      .deleteFrom('segment_list_runs')
      .where('workspace_id', '=', workspaceId)
      .where('segment_id', '=', segment.id)
      .execute();
    await tx
      .deleteFrom('segment_auto_lists')
      .where('workspace_id', '=', workspaceId)
      .where('segment_id', '=', segment.id)
      .execute();
    await tx
      .deleteFrom('segments')
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', segment.id)
      .execute();
  });
  return segment;
}
