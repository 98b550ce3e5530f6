/**
 * The web app's one door to the Beton API: a typed `fetch` over the routes in the generated OpenAPI
 * types (`schema.d.ts`, written by `npm run gen:api-types`). A non-2xx answer becomes an `ApiError`
 * carrying the server's `{error:{code,message,details}}`, so screens show the server's own advice.
 *
 * @example
 * const integrations = await api.get('/api/v1/integrations');
 * await api.put('/api/v1/integrations/{name}', { params: { name: 'stripe' }, body: { credentials, settings } });
 */
import type { paths } from './schema.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Paths that declare `method`. */
export type PathsWith<M extends Method> = {
  [P in keyof paths]: paths[P] extends { [K in M]: object } ? P : never;
}[keyof paths];

type Operation<P extends keyof paths, M extends Method> = paths[P] extends { [K in M]: infer Op }
  ? Op
  : never;

type JsonOf<T> = T extends { content: { 'application/json': infer B } } ? B : undefined;
type SuccessStatus = 200 | 201 | 202 | 204;

/** The JSON body of an operation's success answer. */
export type ResponseOf<P extends keyof paths, M extends Method> =
  Operation<P, M> extends {
    responses: infer R;
  }
    ? JsonOf<R[Extract<keyof R, SuccessStatus>]>
    : never;

type PathParams<Op> = Op extends { parameters: { path: infer PP } }
  ? PP extends object
    ? PP
    : never
  : never;
type QueryParams<Op> = Op extends { parameters: { query?: infer Q } } ? Q : never;
type BodyOf<Op> = Op extends { requestBody?: infer RB }
  ? [NonNullable<RB>] extends [never]
    ? never
    : NonNullable<RB> extends { content: { 'application/json': infer B } }
      ? B
      : never
  : never;

type Options<Op> = ([PathParams<Op>] extends [never] ? { params?: never } : { params: PathParams<Op> }) &
  ([QueryParams<Op>] extends [never | undefined] ? { query?: never } : { query?: QueryParams<Op> }) &
  ([BodyOf<Op>] extends [never] ? { body?: never } : { body: BodyOf<Op> }) & { signal?: AbortSignal };

type RequiredKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? never : K }[keyof T];
type Args<Op> = RequiredKeys<Options<Op>> extends never ? [options?: Options<Op>] : [options: Options<Op>];

/** An error answer from the API, with the server's actionable message. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Whether an error is the API's "you are not signed in". */
export const isUnauthenticated = (error: unknown) => error instanceof ApiError && error.status === 401;

function buildUrl(path: string, params?: Record<string, unknown>, query?: Record<string, unknown>): string {
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined || value === null)
      throw new Error(`Missing path parameter "${name}" for ${path}`);
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, String(item));
  }
  const qs = search.toString();
  return qs ? `${filled}?${qs}` : filled;
}

/**
 * Read an error body the way the API writes it; anything else (a proxy's HTML page, a network
 * failure) becomes a message that still says what to check.
 */
async function toApiError(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string; details?: unknown } };
    if (body.error?.message) {
      return new ApiError(
        response.status,
        body.error.code ?? 'error',
        body.error.message,
        body.error.details,
      );
    }
  } catch {
    // not JSON: fall through to the generic message
  }
  return new ApiError(
    response.status,
    'http_error',
    `The server answered ${response.status} ${response.statusText || ''}`.trim() +
      (response.status >= 500 ? '. Check the Beton server log, then retry.' : '.'),
  );
}

/** One HTTP call with JSON in and out; same-origin so the session cookie rides along. */
export async function request<T>(
  method: string,
  path: string,
  options: { params?: object; query?: object; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const url = buildUrl(
    path,
    options.params as Record<string, unknown>,
    options.query as Record<string, unknown>,
  );
  let response: Response;
  try {
    response = await fetch(url, {
      method: method.toUpperCase(),
      credentials: 'same-origin',
      headers:
        options.body === undefined
          ? { accept: 'application/json' }
          : { 'content-type': 'application/json', accept: 'application/json' },
      body: options.body === undefined ? null : JSON.stringify(options.body),
      signal: options.signal ?? null,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(
      0,
      'network_error',
      'Cannot reach the Beton server. Check that it is running, then retry.',
    );
  }
  if (!response.ok) throw await toApiError(response);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

function method<M extends Method>(m: M) {
  return <P extends PathsWith<M>>(path: P, ...[options]: Args<Operation<P, M>>): Promise<ResponseOf<P, M>> =>
    request(m, path as string, (options ?? {}) as object);
}

export const api = {
  get: method('get'),
  post: method('post'),
  put: method('put'),
  patch: method('patch'),
  delete: method('delete'),
};
