/**
 * Secret scrubbing shared by the logger, error answers and anything exported. Two nets: fields
 * whose *name* says secret, and any string whose *shape* is a known key (so a key pasted into the
 * wrong field, or echoed in an upstream error, is still caught).
 */
const SECRET_FIELD =
  /^(api[_-]?key|apikey|password|passwd|secret|token|access[_-]?token|refresh[_-]?token|authorization|cookie|set-cookie|webhook[_-]?secret|credentials|private[_-]?key|client[_-]?secret|x-api-key)$/i;

const KEY_SHAPES: RegExp[] = [
  /\b(phx|phc|phs)_[A-Za-z0-9]{8,}/g,
  /\b(sk|rk|pk)_(test|live)_[A-Za-z0-9]{6,}/g,
  /\bwhsec_[A-Za-z0-9+/=]{6,}/g,
  /\bbeton_[A-Za-z0-9_-]{8,}/g,
  /\bBearer\s+[A-Za-z0-9._~+/=-]{6,}/gi,
  /\bBasic\s+[A-Za-z0-9+/=]{8,}/g,
];

export const REDACTED = '[redacted]';

/** The password in a URL's user info (`postgres://user:password@host`): the user name stays. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi;

export function isSecretFieldName(name: string): boolean {
  return SECRET_FIELD.test(name);
}

/** Replace every key-shaped substring of a string. */
export function scrubString(value: string): string {
  let out = value;
  for (const shape of KEY_SHAPES) out = out.replace(shape, REDACTED);
  return out.replace(URL_PASSWORD, `$1${REDACTED}@`);
}

/** Deep copy of `value` with secret fields and key-shaped strings redacted. Cycles are cut. */
export function scrub<T>(value: T, seen = new WeakSet<object>()): T {
  if (typeof value === 'string') return scrubString(value) as T;
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]' as T;
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => scrub(v, seen)) as T;
  if (value instanceof Error) {
    const out: Record<string, unknown> = { type: value.name, message: scrubString(value.message) };
    if (value.stack) out.stack = scrubString(value.stack);
    for (const [k, v] of Object.entries(value)) out[k] = isSecretFieldName(k) ? REDACTED : scrub(v, seen);
    return out as T;
  }
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = isSecretFieldName(k) && v != null && v !== '' ? REDACTED : scrub(v, seen);
  }
  return out as T;
}
