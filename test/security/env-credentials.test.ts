import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envCredentialsWarning, workspaceEnvOverrides } from '../../src/connections/index.js';
import { createTestRuntime, type TestRuntime } from '../support/index.js';
import { testkit } from '../support/testkit-integration/index.js';

/**
 * Issue 21, finding 5: the operator's `BETON_<NAME>_<FIELD>` credentials stopped applying as soon
 * as anyone created a second workspace. They now belong to the workspace BETON_WORKSPACE names.
 */
const ENV = { BETON_TESTKIT_API_KEY: 'tk_operator_key_1234' };
let t: TestRuntime;
beforeAll(async () => {
  t = await createTestRuntime({ env: { BETON_WORKSPACE: 'test-workspace' }, integrations: [testkit] });
});
afterAll(() => t?.close());

const overrides = (workspaceId: string, config: { BETON_WORKSPACE?: string } = t.rt.config) =>
  workspaceEnvOverrides({ ...t.rt, config: { ...t.rt.config, ...config }, env: ENV }, testkit, workspaceId);

describe('environment credentials bound to BETON_WORKSPACE', () => {
  it('keep applying to the named workspace after someone creates another one, and never reach it', async () => {
    expect((await overrides(t.workspaceId)).credentials).toEqual({ apiKey: ENV.BETON_TESTKIT_API_KEY });
    const other = await t.createOtherWorkspace();
    expect((await overrides(t.workspaceId)).credentials).toEqual({ apiKey: ENV.BETON_TESTKIT_API_KEY });
    expect((await overrides(other.workspaceId)).fields).toEqual([]);
    // By id as well as by slug.
    expect((await overrides(t.workspaceId, { BETON_WORKSPACE: t.workspaceId })).fields).toEqual([
      'credentials.apiKey',
    ]);
    expect((await overrides(other.workspaceId, { BETON_WORKSPACE: t.workspaceId })).fields).toEqual([]);
  });

  it('without BETON_WORKSPACE apply only to a single-workspace install, and the start-up log says so', async () => {
    const unbound = { BETON_WORKSPACE: undefined } as { BETON_WORKSPACE?: string };
    expect((await overrides(t.workspaceId, unbound)).fields).toEqual([]); // two workspaces by now
    expect(envCredentialsWarning([testkit], ENV, {})).toMatch(
      /BETON_TESTKIT_API_KEY set without BETON_WORKSPACE/,
    );
    expect(envCredentialsWarning([testkit], ENV, { BETON_WORKSPACE: 'acme' })).toBeNull();
    expect(envCredentialsWarning([testkit], {}, {})).toBeNull();
  });
});
