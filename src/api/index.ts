export { type BuildAppOptions, buildApp, type RouteEntry } from './app.js';
export { ACCESS_LEVELS, type Access, actorOf, type SessionUser, WORKSPACE_HEADER } from './plugins/auth.js';
export type { ErrorBody, FieldError } from './plugins/errors.js';
export { errorResponses, errorSchema, idParams, roleSchema, workspaceSchema } from './schemas.js';
