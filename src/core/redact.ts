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

/** Shortest piece of a secret (or of one of its encodings) that identifies it on its own. */
const MIN_PIECE = 12;

/**
 * The spellings of a secret an upstream might echo back: as is, base64 (at each of the three byte
 * alignments, so `user:key` encoded as a whole is caught too), base64url, %-encoded and hex.
 * Compared case-insensitively, which also covers upper-cased echoes.
 */
function spellings(secret: string): string[] {
  const out = new Set<string>([secret, encodeURIComponent(secret), Buffer.from(secret).toString('hex')]);
  for (let shift = 0; shift < 3; shift++) {
    const shifted = Buffer.concat([Buffer.alloc(shift, 0x20), Buffer.from(secret)]);
    for (const encoding of ['base64', 'base64url'] as const) {
      const text = shifted.toString(encoding).replace(/=+$/, '');
      // The characters next to the padding or the shift mix in other bytes: keep the clean middle.
      out.add(text.slice(shift === 0 ? 0 : 4, text.length - 2));
    }
  }
  return [...out].filter((s) => s.length >= MIN_PIECE || s === secret).map((s) => s.toLowerCase());
}

/**
 * Remove known secrets from a text however an upstream echoed them: any case, base64, base64url,
 * %-encoded or hex, whole or in pieces (any run of at least 12 characters of the secret or of an
 * encoding of it is redacted, so a key split in two or cut short is still caught). Secrets shorter
 * than 8 characters are skipped (they would redact ordinary words).
 *
 * @example
 * scrubSecrets('key SK_TEST_ABCDEF123456 refused', ['sk_test_abcdef123456']); // 'key [redacted] refused'
 * scrubSecrets(`echo ${btoa('user:sk_test_abcdef123456')}`, ['sk_test_abcdef123456']); // 'echo [redacted]…'
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  const lower = text.toLowerCase();
  const hidden = new Uint8Array(text.length);
  let any = false;
  for (const secret of secrets) {
    if (secret.length < 8) continue;
    for (const spelling of spellings(secret)) {
      const piece = Math.min(MIN_PIECE, spelling.length);
      for (let start = 0; start + piece <= spelling.length; start++) {
        const window = spelling.slice(start, start + piece);
        for (let at = lower.indexOf(window); at >= 0; at = lower.indexOf(window, at + 1)) {
          hidden.fill(1, at, at + piece);
          any = true;
        }
      }
    }
  }
  if (!any) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (!hidden[i]) out += text[i];
    else if (!hidden[i - 1] || i === 0) out += REDACTED;
  }
  return out;
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
