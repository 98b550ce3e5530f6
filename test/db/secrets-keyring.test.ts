import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { Keyring, KeyringError, keyFilePath } from '../../src/core/crypto.js';
import { createRuntime, keyIdsInUse, type Runtime, rotateSecrets } from '../../src/runtime/index.js';
import { createTestRuntime, storeConnection, type TestRuntime, testConfig } from '../support/index.js';

const spec = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

async function insertSecrets(rt: Runtime, workspaceId: string, n: number) {
  for (let i = 0; i < n; i++) {
    await storeConnection(rt, workspaceId, `test${i}`, { secrets: { apiKey: `sk_test_secret_${i}` } });
  }
}

let t: TestRuntime | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Start another runtime on the same database (same data dir and Postgres schema) with `env`. */
async function startAgain(env: Record<string, string>) {
  const schema =
    t!.rt.db.dialect === 'postgres'
      ? (await sql<{ s: string }>`select current_schema() as s`.execute(t!.rt.db.kysely)).rows[0]!.s
      : undefined;
  const rt = await createRuntime(testConfig(env, t!.config.dataDir), schema ? { schema } : {});
  await rt.close();
}

describe('secrets at rest and the keyring', () => {
  it('rotates live rows in resumable batches, after which the old key is not needed', async () => {
    const k1 = spec('k1');
    const k2 = spec('k2');
    t = await createTestRuntime({ env: { BETON_ENCRYPTION_KEYS: k1 } });
    await insertSecrets(t.rt, t.workspaceId, 5);
    const ring = Keyring.fromSpec(`${k2},${k1}`);

    // A first pass interrupted after one batch of two.
    const interrupted = await rotateSecrets(t.rt.db.kysely, ring, {
      batchSize: 2,
      onProgress: () => {
        throw new Error('interrupted');
      },
    }).catch((e: Error) => e.message);
    expect(interrupted).toBe('interrupted');
    expect([...(await keyIdsInUse(t.rt.db.kysely))].sort()).toEqual(['k1', 'k2']);

    expect(await rotateSecrets(t.rt.db.kysely, ring, { batchSize: 2 })).toEqual({ rotated: 3, remaining: 0 });
    expect([...(await keyIdsInUse(t.rt.db.kysely))]).toEqual(['k2']);

    const onlyK2 = Keyring.fromSpec(k2);
    const rows = await t.rt.db.kysely.selectFrom('connections').select(['secrets_enc', 'key_id']).execute();
    expect(rows).toHaveLength(5);
    for (const row of rows) {
      expect(row.key_id).toBe('k2');
      expect(onlyK2.decryptJson<{ apiKey: string }>(row.secrets_enc!).apiKey).toMatch(/^sk_test_secret_\d$/);
    }
    // The database now starts with the new key alone.
    await expect(startAgain({ BETON_ENCRYPTION_KEYS: k2 })).resolves.toBeUndefined();
  });

  it('refuses to start when the key that encrypted stored secrets is missing, naming it', async () => {
    t = await createTestRuntime({ env: { BETON_ENCRYPTION_KEYS: spec('k1') } });
    await insertSecrets(t.rt, t.workspaceId, 1);
    const failure = startAgain({ BETON_ENCRYPTION_KEYS: spec('k2') });
    await expect(failure).rejects.toBeInstanceOf(KeyringError);
    await expect(failure).rejects.toThrow(/key "k1", which is not in the keyring.*BETON_ENCRYPTION_KEYS/);
  });

  it('refuses to start with a different key under the same id', async () => {
    t = await createTestRuntime({ env: { BETON_ENCRYPTION_KEYS: spec('k1') } });
    await insertSecrets(t.rt, t.workspaceId, 1);
    await expect(startAgain({ BETON_ENCRYPTION_KEYS: spec('k1') })).rejects.toThrow(/"k1".*different key/);
  });

  it('never replaces a lost key file on a database that holds secrets', async () => {
    t = await createTestRuntime();
    const keyFile = keyFilePath(t.config.dataDir);
    expect(fs.existsSync(keyFile)).toBe(true);
    await insertSecrets(t.rt, t.workspaceId, 1);
    fs.rmSync(keyFile);
    await expect(startAgain({})).rejects.toThrow(/holds encrypted secrets but no key was found/);
    expect(fs.existsSync(keyFile)).toBe(false);
  });
});
