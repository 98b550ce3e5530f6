import type { ConnectionDeps } from '../connections/index.js';
import { isAppError } from '../core/errors.js';
import { runScore } from '../scoring/index.js';

export const isConflict = (error: unknown) => isAppError(error) && error.status === 409;

/** Score a workspace; false when a score run is already going there (409), which covers this one. */
export async function runScoreSkippingConflict(
  deps: ConnectionDeps,
  workspaceId: string,
  trigger: string,
): Promise<boolean> {
  try {
    await runScore(deps.db.kysely, workspaceId, { trigger, clock: deps.clock });
    return true;
  } catch (error) {
    if (isConflict(error)) return false;
    throw error;
  }
}
