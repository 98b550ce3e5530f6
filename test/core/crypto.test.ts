import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  Keyring,
  KeyringError,
  keyFilePath,
  keyIdOf,
  loadKeyring,
  safeEqual,
} from '../../src/core/crypto.js';

const spec = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'beton-crypto-'));

describe('Keyring', () => {
  it('round-trips text and JSON under the active key, with a fresh IV each time', () => {
    const ring = Keyring.fromSpec(spec('k1'));
    const a = ring.encrypt('sk_test_abcdef123456');
    const b = ring.encrypt('sk_test_abcdef123456');
    expect(a).not.toBe(b);
    expect(a.startsWith('v1.k1.')).toBe(true);
    expect(a).not.toContain('abcdef');
    expect(ring.decrypt(a)).toBe('sk_test_abcdef123456');
    expect(ring.decryptJson(ring.encryptJson({ apiKey: 'x', n: 1 }))).toEqual({ apiKey: 'x', n: 1 });
    expect(keyIdOf(a)).toBe('k1');
  });

  it('refuses any tampered part instead of returning garbage', () => {
    const ring = Keyring.fromSpec(spec('k1'));
    const box = ring.encrypt('secret value');
    const parts = box.split('.');
    for (const i of [2, 3, 4]) {
      const altered = [...parts];
      const bytes = Buffer.from(altered[i]!, 'base64url');
      bytes[0] = bytes[0]! ^ 0x01;
      altered[i] = bytes.toString('base64url');
      expect(() => ring.decrypt(altered.join('.'))).toThrow(KeyringError);
    }
    expect(() => ring.decrypt('v2.k1.a.b.c')).toThrow(/v1 ciphertext format/);
  });

  it('fails with a wrong key of the same id, and names a key missing from the ring', () => {
    const box = Keyring.fromSpec(spec('k1')).encrypt('secret');
    expect(() => Keyring.fromSpec(spec('k1')).decrypt(box)).toThrow(/failed authentication/);
    expect(() => Keyring.fromSpec(spec('k2')).decrypt(box)).toThrow(/key "k1", which is not in/);
  });

  it('decrypts with any key in the ring and encrypts with the first', () => {
    const k1 = spec('k1');
    const oldBox = Keyring.fromSpec(k1).encrypt('old');
    const ring = Keyring.fromSpec(`${spec('k2')},${k1}`);
    expect(ring.activeId).toBe('k2');
    expect(ring.decrypt(oldBox)).toBe('old');
    expect(keyIdOf(ring.encrypt('new'))).toBe('k2');
  });

  it('rejects malformed key specs with what to do', () => {
    expect(() => Keyring.fromSpec('k1:c2hvcnQ=')).toThrow(/32 bytes.*openssl rand -base64 32/);
    expect(() => Keyring.fromSpec('nocolon')).toThrow(/id:base64key/);
  });
});

describe('loadKeyring', () => {
  it('creates the key file once, with mode 0600, and reuses it', () => {
    const dir = tempDir();
    const first = loadKeyring({ dataDir: dir, mayCreate: true });
    expect(fs.statSync(keyFilePath(dir)).mode & 0o777).toBe(0o600);
    const second = loadKeyring({ dataDir: dir, mayCreate: true });
    expect(second.decrypt(first.encrypt('x'))).toBe('x');
  });

  it('never creates a key when the database already holds secrets', () => {
    const dir = tempDir();
    expect(() => loadKeyring({ dataDir: dir, mayCreate: false })).toThrow(/holds encrypted secrets/);
    expect(fs.existsSync(keyFilePath(dir))).toBe(false);
  });

  it('prefers BETON_ENCRYPTION_KEYS over the key file', () => {
    const ring = loadKeyring({ spec: spec('env1'), dataDir: tempDir(), mayCreate: true });
    expect(ring.activeId).toBe('env1');
  });
});

describe('safeEqual', () => {
  it('compares strings of any length', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});
