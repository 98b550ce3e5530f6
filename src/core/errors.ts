/**
 * Typed errors. Anything thrown inside Beton that a user may see is an AppError; the API maps it to
 * `{error:{code,message,details?}}` with `status` in one place (src/api/plugins/errors.ts), the CLI
 * prints its message. Messages say what happened and what to do; they never carry a secret.
 */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, details?: unknown, code = 'bad_request') =>
  new AppError(400, code, message, details);
export const unauthorized = (message = 'Sign in, or send an API key as "Authorization: Bearer beton_…".') =>
  new AppError(401, 'unauthorized', message);
export const forbidden = (message: string) => new AppError(403, 'forbidden', message);
export const notFound = (what: string) =>
  new AppError(404, 'not_found', `${what} was not found in this workspace.`);
export const conflict = (message: string, details?: unknown, code = 'conflict') =>
  new AppError(409, code, message, details);
export const upstreamUnavailable = (message: string, details?: unknown) =>
  new AppError(502, 'upstream_unavailable', message, details);

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
