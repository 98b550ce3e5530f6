import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination: stream }) };
}

describe('logger redaction', () => {
  const secrets = [
    'sk_test_51Habcdefghijklmnop',
    'rk_live_abcdefghijkl',
    'phx_abcdefghijklmnopqrstuv',
    'phc_abcdefghijklmnopqrstuv',
    'whsec_abcdefghijkl',
    'beton_abcd1234_abcdefghijklmnopqrstuvwxyz012345',
  ];

  it('removes secrets from fields, messages, nested values and errors', async () => {
    const { lines, logger } = capture();
    for (const s of secrets) {
      logger.info({ apiKey: s }, 'field');
      logger.info(`message with ${s} inside`);
      logger.info({ nested: { note: `pasted ${s}` } }, 'nested');
      logger.error({ err: new Error(`upstream echoed ${s}`) }, 'error');
    }
    logger.info({ headers: { authorization: 'Bearer abcdefghijklmnop' } }, 'header');
    logger.info({ password: 'hunter2hunter2' }, 'password');
    await new Promise((r) => setImmediate(r));
    const out = lines.join('');
    expect(lines.length).toBe(secrets.length * 4 + 2);
    for (const s of secrets) expect(out).not.toContain(s);
    expect(out).not.toContain('abcdefghijklmnop');
    expect(out).not.toContain('hunter2');
    expect(out).toContain('[redacted]');
  });
});
