import type { Command } from 'commander';
import { Keyring } from '../../core/crypto.js';
import { jsonOption, output, progressBar, withRuntime } from '../support.js';

/**
 * `beton keys generate|rotate`: make a new encryption key, and re-encrypt every stored secret
 * under the active (first) key of the ring. Rotation runs online in batches and can be re-run
 * after an interruption.
 */
export function registerKeys(program: Command) {
  const keys = program.command('keys').description('Encryption keys for stored secrets');

  jsonOption(
    keys
      .command('generate')
      .description('Print a new key as "id:base64key" to put first in BETON_ENCRYPTION_KEYS')
      .option('--id <id>', 'key id (letters, digits, _ and -)'),
  ).action((opts: { id?: string; json?: boolean }) => {
    const spec = Keyring.generateSpec(opts.id);
    if (opts.json) output({ id: spec.split(':')[0], spec }, { json: true });
    else output(spec);
  });

  jsonOption(
    keys
      .command('rotate')
      .description(
        'Re-encrypt every stored secret under the active key (put the new key first in BETON_ENCRYPTION_KEYS, keep the old ones after it)',
      )
      .option('--batch-size <n>', 'rows per transaction', '100'),
  ).action((opts: { batchSize: string; json?: boolean }) =>
    withRuntime(async (rt) => {
      const { keyIdsInUse, rotateSecrets } = await import('../../runtime/index.js');
      const batchSize = Math.max(1, Number.parseInt(opts.batchSize, 10) || 100);
      const bar = progressBar({
        total: 0,
        label: `Re-encrypting under "${rt.keyring.activeId}"`,
        json: opts.json,
      });
      const result = await rotateSecrets(rt.db.kysely, rt.keyring, {
        batchSize,
        now: () => rt.clock.now().toISOString(),
        onProgress: (p) => bar.update(p.rotated, p.rotated + p.remaining),
      });
      bar.stop();
      const inUse = [...(await keyIdsInUse(rt.db.kysely))];
      const summary = {
        activeKey: rt.keyring.activeId,
        rotated: result.rotated,
        remaining: result.remaining,
        keysInUse: inUse,
      };
      if (opts.json) output(summary, { json: true });
      else {
        output(
          result.remaining === 0
            ? `Re-encrypted ${result.rotated} secret(s); all are now under key "${rt.keyring.activeId}". Keys no longer in use can be removed from the ring.`
            : `Re-encrypted ${result.rotated} secret(s); ${result.remaining} still under another key (changed during rotation?) — run again.`,
        );
      }
    }),
  );
}
