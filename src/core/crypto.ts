import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from './errors.js';

/**
 * AES-256-GCM keyring for secrets at rest.
 *
 * Ciphertext format (text, safe in any column): `v1.<keyId>.<iv b64url>.<tag b64url>.<data b64url>`.
 * The key id lets a ring hold old keys for decryption while the first key encrypts; `beton keys
 * rotate` re-encrypts rows under the active key. Tampering fails authentication: an error, never
 * garbage.
 *
 * @example
 * const ring = Keyring.fromSpec('k1:' + randomBytes(32).toString('base64'));
 * const box = ring.encrypt('sk_test_123');   // 'v1.k1.…'
 * ring.decrypt(box);                         // 'sk_test_123'
 */
export class Keyring {
  private constructor(
    private readonly keys: ReadonlyMap<string, Buffer>,
    readonly activeId: string,
  ) {}

  /**
   * `id:base64key,id:base64key` — the first key is active. `source` names where the spec came from
   * in errors (the variable or the key file); an error names the key by position, never shows it.
   */
  static fromSpec(spec: string, source = 'BETON_ENCRYPTION_KEYS'): Keyring {
    const keys = new Map<string, Buffer>();
    let activeId: string | undefined;
    const parts = spec
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const [index, part] of parts.entries()) {
      const [id, b64, extra] = part.split(':');
      const which = `Encryption key ${index + 1} of ${parts.length} in ${source}`;
      if (!id || !b64 || extra !== undefined || !/^[A-Za-z0-9_-]{1,32}$/.test(id)) {
        throw new KeyringError(
          `${which} is not "id:base64key" (a short id such as k1, a colon, then the key); it may be missing its id. Example: k1:$(openssl rand -base64 32)`,
        );
      }
      const key = Buffer.from(b64, 'base64');
      if (key.length !== 32) {
        throw new KeyringError(
          `${which} ("${id}") must be 32 bytes of base64 (got ${key.length}); make one with: openssl rand -base64 32`,
        );
      }
      keys.set(id, key);
      activeId ??= id;
    }
    if (!activeId) throw new KeyringError(`No encryption key in ${source}.`);
    return new Keyring(keys, activeId);
  }

  static generateSpec(id = `k${Date.now().toString(36)}`): string {
    return `${id}:${randomBytes(32).toString('base64')}`;
  }

  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  has(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.activeId)!, iv);
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      'v1',
      this.activeId,
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      data.toString('base64url'),
    ].join('.');
  }

  decrypt(box: string): string {
    const { keyId, iv, tag, data } = parseBox(box);
    const key = this.keys.get(keyId);
    if (!key)
      throw new KeyringError(
        `Secret was encrypted with key "${keyId}", which is not in BETON_ENCRYPTION_KEYS (or the key file). Add that key to the ring.`,
      );
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
    } catch {
      throw new KeyringError(
        `Secret under key "${keyId}" failed authentication: it was altered or the key is wrong.`,
      );
    }
  }

  encryptJson(value: unknown): string {
    return this.encrypt(JSON.stringify(value));
  }

  decryptJson<T = unknown>(box: string): T {
    return JSON.parse(this.decrypt(box)) as T;
  }
}

export class KeyringError extends AppError {
  override name = 'KeyringError';
  constructor(message: string) {
    super(500, 'encryption_key_error', message);
  }
}

/** The key id a ciphertext was made with, without decrypting it. */
export function keyIdOf(box: string): string {
  return parseBox(box).keyId;
}

function parseBox(box: string) {
  const parts = box.split('.');
  if (parts.length !== 5 || parts[0] !== 'v1')
    throw new KeyringError('Secret is not in the v1 ciphertext format.');
  const [, keyId, iv, tag, data] = parts as [string, string, string, string, string];
  return {
    keyId,
    iv: Buffer.from(iv, 'base64url'),
    tag: Buffer.from(tag, 'base64url'),
    data: Buffer.from(data, 'base64url'),
  };
}

/**
 * The keyring for this installation: `BETON_ENCRYPTION_KEYS` when set, else the key file in the
 * data directory, created (mode 0600) only when `mayCreate` — the caller passes false when the
 * database already holds secrets, so a lost key file is never silently replaced.
 */
export function loadKeyring(opts: {
  spec?: string | undefined;
  dataDir: string;
  mayCreate: boolean;
}): Keyring {
  if (opts.spec) return Keyring.fromSpec(opts.spec);
  const file = keyFilePath(opts.dataDir);
  if (fs.existsSync(file))
    return Keyring.fromSpec(fs.readFileSync(file, 'utf8').trim(), `the key file ${file}`);
  if (!opts.mayCreate) {
    throw new KeyringError(
      `The database holds encrypted secrets but no key was found: ${file} is missing and BETON_ENCRYPTION_KEYS is not set. Restore the key file or set BETON_ENCRYPTION_KEYS to the key that encrypted them.`,
    );
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const spec = Keyring.generateSpec();
  fs.writeFileSync(file, `${spec}\n`, { mode: 0o600, flag: 'wx' });
  return Keyring.fromSpec(spec);
}

export const keyFilePath = (dataDir: string) => path.join(dataDir, 'encryption.key');

export const sha256Hex = (value: string) => createHash('sha256').update(value).digest('hex');

/** Constant-time string comparison (equal lengths compared in constant time). */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  if (ab.length !== bb.length) {
    timingSafeEqual(ab, ab);
    return false;
  }
  return timingSafeEqual(ab, bb);
}

/** Random token in base62-ish url-safe alphabet. */
export const randomToken = (bytes = 24) => randomBytes(bytes).toString('base64url');

/** `…1234` — the most of a secret Beton ever shows. */
export const maskSecret = (value: string | undefined | null) => (value ? `…${value.slice(-4)}` : null);
