import { performance } from 'node:perf_hooks';
import { Webhook } from 'standardwebhooks';
import { isAppError } from '../core/errors.js';
import { scrubSecrets } from '../core/redact.js';
import { assertDeliverableUrl } from './endpoints.js';
import { ATTEMPT_TIMEOUT_MS, RESPONSE_BODY_LIMIT } from './schedule.js';

/** What one HTTP attempt came to. */
export interface AttemptOutcome {
  ok: boolean;
  statusCode: number | null;
  /** Why it failed, in words a person can act on (null when it succeeded). */
  error: string | null;
  /** The start of the receiver's answer (at most RESPONSE_BODY_LIMIT characters). */
  responseBody: string | null;
  durationMs: number;
}

/**
 * The Standard Webhooks headers for a body: `webhook-signature` carries one `v1,<base64>` per
 * secret, space-separated (two during a rotation's grace).
 *
 * @example
 * signedHeaders('msg_1', new Date(), '{"type":"webhook.test"}', ['whsec_…']);
 * // { 'webhook-id': 'msg_1', 'webhook-timestamp': '1796644800', 'webhook-signature': 'v1,K5o…' }
 */
export function signedHeaders(
  messageId: string,
  at: Date,
  body: string,
  secrets: readonly string[],
): Record<string, string> {
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((s) => new Webhook(s).sign(messageId, at, body)).join(' '),
  };
}

/** Read at most `limit` characters of an answer, then stop reading. */
async function readLimited(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

function networkReason(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; cause?: { code?: string; message?: string }; message?: string };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') {
    return `No answer within ${timeoutMs / 1000} s; the receiver must answer 2xx quickly and do slow work afterwards.`;
  }
  const code = e.cause?.code;
  if (code === 'ECONNREFUSED')
    return 'Connection refused: nothing is listening at that address. Check the URL and that the receiver runs.';
  if (code === 'ENOTFOUND') return 'The host does not resolve; check the URL.';
  if (code === 'ECONNRESET') return 'The receiver closed the connection before answering.';
  return `Could not reach the receiver (${code ?? e.cause?.message ?? e.message ?? 'network error'}).`;
}

/**
 * POST one signed message. Never throws: refusals by the SSRF guard, timeouts, network errors and
 * non-2xx answers come back as a failed outcome with the reason. Redirects are not followed (a 3xx
 * is a failure naming where it pointed), so a receiver cannot bounce a message to a private address.
 *
 * `sentAt` is the wall-clock time of the request: receivers compare `webhook-timestamp` with their
 * own clock and refuse one more than 5 minutes off.
 */
export async function postSigned(opts: {
  url: string;
  messageId: string;
  body: string;
  secrets: readonly string[];
  allowPrivateHosts: boolean;
  timeoutMs?: number;
  sentAt?: Date;
}): Promise<AttemptOutcome> {
  const timeoutMs = opts.timeoutMs ?? ATTEMPT_TIMEOUT_MS;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    await assertDeliverableUrl({ config: { BETON_ALLOW_PRIVATE_HOSTS: opts.allowPrivateHosts } }, opts.url);
  } catch (error) {
    const reason = isAppError(error) ? error.message : String(error);
    return {
      ok: false,
      statusCode: null,
      error: `Refused: ${reason}`,
      responseBody: null,
      durationMs: elapsed(),
    };
  }
  let response: Response;
  try {
    response = await fetch(opts.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Beton-Webhooks/1',
        ...signedHeaders(opts.messageId, opts.sentAt ?? new Date(), opts.body, opts.secrets),
      },
      body: opts.body,
    });
  } catch (error) {
    return {
      ok: false,
      statusCode: null,
      error: networkReason(error, timeoutMs),
      responseBody: null,
      durationMs: elapsed(),
    };
  }
  let responseBody: string | null = null;
  try {
    responseBody = scrubSecrets(await readLimited(response, RESPONSE_BODY_LIMIT), opts.secrets);
  } catch {
    responseBody = null;
  }
  const status = response.status;
  const durationMs = elapsed();
  if (status >= 200 && status < 300)
    return { ok: true, statusCode: status, error: null, responseBody, durationMs };
  const error =
    status >= 300 && status < 400
      ? `The receiver redirected (HTTP ${status} to ${response.headers.get('location') ?? 'nowhere'}); webhooks do not follow redirects, so use the final URL.`
      : `The receiver answered HTTP ${status}; only a 2xx answer counts as delivered.`;
  return { ok: false, statusCode: status, error, responseBody, durationMs };
}
