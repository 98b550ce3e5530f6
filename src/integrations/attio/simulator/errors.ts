/**
 * Attio's error envelope, as its OpenAPI document describes it: `{status_code, type, code, message}`.
 * The store throws these; the HTTP layer turns them into answers with the same status.
 */
export class AttioApiError extends Error {
  override name = 'AttioApiError';
  constructor(
    readonly statusCode: number,
    readonly type: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  toBody() {
    return { status_code: this.statusCode, type: this.type, code: this.code, message: this.message };
  }
}

export const attioNotFound = (message: string) =>
  new AttioApiError(404, 'invalid_request_error', 'not_found', message);

export const attioInvalid = (code: string, message: string) =>
  new AttioApiError(400, 'invalid_request_error', code, message);

export const attioSlugConflict = (message: string) =>
  new AttioApiError(409, 'invalid_request_error', 'slug_conflict', message);

export const attioAuthError = (statusCode: 401 | 403, code: string, message: string) =>
  new AttioApiError(statusCode, 'auth_error', code, message);
