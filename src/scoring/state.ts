import type { Kysely } from 'kysely';
import { badRequest } from '../core/index.js';
import type { DB } from '../db/index.js';
import { fromJson, toJson } from '../db/index.js';
import { type ScoringSettings, scoringSettingsSchema } from './model.js';

/** Per-workspace scoring state (watermarks, replay bookkeeping) and settings (ICP, half-life). */

export type ScoringState = DB['scoring_state'];

export async function loadState(db: Kysely<DB>, workspaceId: string, now: string): Promise<ScoringState> {
  const row = await db
    .selectFrom('scoring_state')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  if (row) return row;
  const fresh: ScoringState = {
    workspace_id: workspaceId,
    records_watermark: null,
    live_since: null,
    last_full_run_at: null,
    replay_signature: null,
    backtest_until: null,
    settings_json: '{}',
    updated_at: now,
  };
  await db
    .insertInto('scoring_state')
    .values(fresh)
    .onConflict((oc) => oc.column('workspace_id').doNothing())
    .execute();
  return fresh;
}

export async function saveState(
  db: Kysely<DB>,
  workspaceId: string,
  patch: Partial<Omit<ScoringState, 'workspace_id'>>,
): Promise<void> {
  await db.updateTable('scoring_state').set(patch).where('workspace_id', '=', workspaceId).execute();
}

/**
 * The workspace's scoring settings with defaults filled in.
 *
 * @example (await getScoringSettings(db, ws, now)).halfLifeDays // 14 unless changed
 */
export async function getScoringSettings(
  db: Kysely<DB>,
  workspaceId: string,
  now: string,
): Promise<ScoringSettings> {
  const state = await loadState(db, workspaceId, now);
  const parsed = scoringSettingsSchema.safeParse(fromJson(state.settings_json, {}));
  return parsed.success ? parsed.data : scoringSettingsSchema.parse({});
}

/**
 * Change scoring settings (merged over the current ones, validated). Takes effect at the next run.
 *
 * @example await updateScoringSettings(db, ws, { icp: { industries: ['Software'], regions: ['EU'] } }, now)
 */
export async function updateScoringSettings(
  db: Kysely<DB>,
  workspaceId: string,
  patch: unknown,
  now: string,
): Promise<ScoringSettings> {
  const current = await getScoringSettings(db, workspaceId, now);
  const parsed = scoringSettingsSchema.safeParse({ ...current, ...(patch as object) });
  if (!parsed.success) {
    throw badRequest(
      `Invalid scoring settings: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}.`,
      parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      'validation_error',
    );
  }
  await saveState(db, workspaceId, { settings_json: toJson(parsed.data), updated_at: now });
  return parsed.data;
}
