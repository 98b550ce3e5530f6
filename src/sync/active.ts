/** Why a run stopped early. */
export class CanceledError extends Error {
  override name = 'CanceledError';
  constructor(
    message: string,
    /** `shutdown`: the process is stopping; the run goes back to the queue and resumes later. */
    readonly kind: 'user' | 'shutdown',
  ) {
    super(message);
  }
}

/**
 * Runs executing in this process, so a cancel stops them at once (mid-request) instead of at the
 * next page or heartbeat. Other processes see the cancel flag on the run row.
 */
export const localRuns = new Map<string, AbortController>();

export function abortLocalRun(runId: string): void {
  localRuns.get(runId)?.abort(new CanceledError('Canceled on request.', 'user'));
}
