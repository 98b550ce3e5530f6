import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import { AuthError } from '../../../src/core/http/index.js';
import { createLogger } from '../../../src/core/logger.js';
import attio, { type AttioClient } from '../../../src/integrations/attio/index.js';
import {
  type AttioSimulator,
  createAttioSimulator,
  DEFAULT_ATTIO_TOKEN,
} from '../../../src/integrations/attio/simulator/index.js';
import { createIntegrationClient } from '../../../src/integrations/client-factory.js';

const logger = createLogger({ level: 'silent' });

function clientFor(sim: AttioSimulator, apiKey = DEFAULT_ATTIO_TOKEN) {
  return createIntegrationClient(
    attio,
    {
      workspaceId: 'ws',
      connectionId: `c-${apiKey}`,
      credentials: { apiKey },
      settings: { baseUrl: sim.url },
    },
    { logger, clock: systemClock, allowPrivateHosts: true, http: { retry: { baseDelayMs: 20 } } },
  ).client as AttioClient;
}

let sim: AttioSimulator;
beforeAll(async () => {
  sim = createAttioSimulator({
    tokens: [
      { token: DEFAULT_ATTIO_TOKEN },
      { token: 'attio_inactive_token_1', active: false },
      { token: 'attio_readonly_token_1', scopes: ['record_permission:read', 'object_configuration:read'] },
    ],
  });
  await sim.listen();
});
afterAll(() => sim.close());

describe('Attio client against the simulator', () => {
  it('validates an active token and names the workspace; an inactive token is invalid', async () => {
    await expect(attio.validate(clientFor(sim))).resolves.toMatchObject({ accountLabel: 'Simulated Attio' });
    await expect(attio.validate(clientFor(sim, 'attio_inactive_token_1'))).rejects.toMatchObject({
      code: 'invalid_credentials',
      status: 400,
    });
    await expect(attio.validate(clientFor(sim, 'attio_unknown_token_1'))).rejects.toBeInstanceOf(AuthError);
  });

  it('treats an attribute that already exists (409 slug_conflict) as ensured', async () => {
    const client = clientFor(sim);
    const input = {
      title: 'Beton fit',
      api_slug: 'beton_fit',
      type: 'number',
      description: null,
      is_required: false,
      is_unique: false,
      is_multiselect: false,
      config: {},
    };
    await expect(client.ensureAttribute('companies', input)).resolves.toEqual({ created: true });
    await expect(client.ensureAttribute('companies', input)).resolves.toEqual({ created: false });
    expect((await client.listAttributes('companies')).filter((a) => a.api_slug === 'beton_fit')).toHaveLength(
      1,
    );
  });

  it('asserts with matching_attribute as a query parameter: one record per domain', async () => {
    const client = clientFor(sim);
    const a = await client.assertRecord('companies', 'domains', {
      domains: ['assert.com'],
      name: 'Assert',
      beton_fit: 10,
    });
    const b = await client.assertRecord('companies', 'domains', { domains: ['assert.com'], beton_fit: 20 });
    expect(b.id.record_id).toBe(a.id.record_id);
    const values = await client.attributeValues('companies', a.id.record_id, 'beton_fit', true);
    expect(values.map((v) => [v.value, v.created_by_actor.type])).toEqual([
      [10, 'api-token'],
      [20, 'api-token'],
    ]);
  });

  it('pages a query with offset until a short page', async () => {
    for (let i = 0; i < 1_050; i++) {
      sim.store.assertRecord(
        'companies',
        'domains',
        { domains: [`page${i}.com`] },
        { type: 'system', id: null },
      );
    }
    const client = clientFor(sim);
    const pages: number[] = [];
    for await (const page of client.records('companies')) pages.push(page.records.length);
    expect(pages.reduce((a, b) => a + b, 0)).toBe(sim.store.countRecords('companies'));
    expect(pages.slice(0, 2)).toEqual([500, 500]);
  });

  it('waits out a 429 storm with an HTTP-date Retry-After: the write lands once', async () => {
    const client = clientFor(sim);
    const appliedBefore = sim.applied.writes;
    const limitedBefore = sim.counters.rateLimited;
    sim.rateLimitStorm({ writes: 3 });
    const started = Date.now();
    const record = await client.assertRecord('companies', 'domains', {
      domains: ['storm.com'],
      beton_fit: 1,
    });
    expect(sim.counters.rateLimited - limitedBefore).toBe(3);
    expect(sim.applied.writes - appliedBefore).toBe(1);
    // Each Retry-After names the next whole second; three of them cannot all be instant.
    expect(Date.now() - started).toBeGreaterThan(300);
    const history = await client.attributeValues('companies', record.id.record_id, 'beton_fit', true);
    expect(history).toHaveLength(1);
  });

  it('declares its destination actions and runs them through the client', async () => {
    const client = clientFor(sim);
    const ctx = {
      signal: new AbortController().signal,
      logger,
      clock: systemClock,
      workspaceId: 'ws',
      connectionId: 'c',
    };
    expect(Object.keys(attio.actions)).toEqual([
      'assertCompany',
      'ensureCompanyAttribute',
      'noteOnCompany',
      'createCompanyList',
      'addCompanyToList',
      'removeListEntry',
    ]);
    const attr = attio.actions.ensureCompanyAttribute.input.parse({
      api_slug: 'beton_grade',
      title: 'Grade',
      type: 'text',
    });
    await attio.actions.ensureCompanyAttribute.run(client, attr, ctx);
    const record = await attio.actions.assertCompany.run(
      client,
      { domain: 'action.com', values: { beton_grade: 'M50' } },
      ctx,
    );
    expect(record.values.beton_grade![0]).toMatchObject({
      value: 'M50',
      created_by_actor: { type: 'api-token' },
    });
    await attio.actions.noteOnCompany.run(
      client,
      { recordId: record.id.record_id, title: 't', content: 'c' },
      ctx,
    );
    expect(sim.store.listNotes({ parent_record_id: record.id.record_id })).toHaveLength(1);
    // Lists: create one, put the company on it twice (one entry), take it off, and again (gone is gone).
    const list = await attio.actions.createCompanyList.run(
      client,
      { name: 'Hot', api_slug: 'beton_hot' },
      ctx,
    );
    expect(list).toMatchObject({ api_slug: 'beton_hot', name: 'Hot', parent_object: ['companies'] });
    const input = { list: list.id.list_id, recordId: record.id.record_id };
    const entry = await attio.actions.addCompanyToList.run(client, input, ctx);
    expect((await attio.actions.addCompanyToList.run(client, input, ctx)).id.entry_id).toBe(
      entry.id.entry_id,
    );
    const remove = { list: list.id.list_id, entryId: entry.id.entry_id };
    expect(await attio.actions.removeListEntry.run(client, remove, ctx)).toEqual({ deleted: true });
    expect(await attio.actions.removeListEntry.run(client, remove, ctx)).toEqual({ deleted: false });
    expect(sim.store.queryEntries('beton_hot')).toHaveLength(0);
  });

  it('answers a missing scope with 403', async () => {
    const client = clientFor(sim, 'attio_readonly_token_1');
    await expect(client.assertRecord('companies', 'domains', { domains: ['x.com'] })).rejects.toMatchObject({
      upstreamStatus: 403,
    });
    await expect(client.queryRecords('companies', { limit: 1 })).resolves.toHaveLength(1);
  });

  it('writes notes and list entries', async () => {
    const client = clientFor(sim);
    const record = await client.assertRecord('companies', 'domains', { domains: ['notes.com'] });
    const note = await client.createNote({
      parent_object: 'companies',
      parent_record_id: record.id.record_id,
      title: 'Beton: usage spike',
      format: 'plaintext',
      content: 'Usage tripled this week.',
    });
    expect(note.parent_record_id).toBe(record.id.record_id);
    sim.store.createList({ api_slug: 'beton_watch', name: 'Watch', parent_object: 'companies' });
    await client.assertEntry('beton_watch', {
      parent_object: 'companies',
      parent_record_id: record.id.record_id,
    });
    await client.assertEntry('beton_watch', {
      parent_object: 'companies',
      parent_record_id: record.id.record_id,
    });
    expect(await client.queryEntries('beton_watch')).toHaveLength(1);
  });
});
