import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/core/config.js';

describe('loadConfig', () => {
  it('gives the embedded defaults', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.HOST).toBe('127.0.0.1');
    expect(c.dataDir).toBe(path.resolve('./data'));
    expect(c.database).toEqual({ dialect: 'sqlite', file: path.resolve('./data/beton.sqlite') });
    expect(c.BETON_BODY_LIMIT).toBe(1_048_576);
  });

  it('selects Postgres from a postgres:// DATABASE_URL', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h:5432/db' }).database).toEqual({
      dialect: 'postgres',
      url: 'postgres://u@h:5432/db',
    });
  });

  it.each([
    ['PORT', 'abc', /^Invalid PORT="abc": expected/],
    ['PORT', '70000', /^Invalid PORT="70000"/],
    ['DATABASE_URL', 'mysql://x', /^Invalid DATABASE_URL="mysql:\/\/x": expected a postgres:\/\/ URL/],
    ['BETON_ENCRYPTION_KEYS', 'nope', /^Invalid BETON_ENCRYPTION_KEYS=.*id:base64key/],
    ['BETON_AUTH_SECRET', 'short', /^Invalid BETON_AUTH_SECRET=.*at least 32/],
    ['LOG_LEVEL', 'loud', /^Invalid LOG_LEVEL="loud"/],
    ['BETON_DEMO', 'maybe', /^Invalid BETON_DEMO="maybe"/],
  ])('stops on a bad %s with one line naming it', (name, value, message) => {
    try {
      loadConfig({ [name]: value });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as Error).message).toMatch(message);
      expect((e as Error).message).not.toContain('\n');
    }
  });
});
