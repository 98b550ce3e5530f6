import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import attio, { type AttioRecord } from '../../../src/integrations/attio/index.js';
import {
  type AttioSimulator,
  createAttioSimulator,
  DEFAULT_ATTIO_TOKEN,
} from '../../../src/integrations/attio/simulator/index.js';
import { generateDataset } from '../../../src/simulators/dataset/index.js';
import { allRecords, executeRun, startSync } from '../../../src/sync/index.js';
import { createSyncTestbed, type SyncTestbed } from '../../support/testkit-integration/testbed.js';

const dataset = generateDataset({ seed: 'attio-streams', companies: 1_200 });

let bed: SyncTestbed;
let sim: AttioSimulator;
beforeAll(async () => {
  sim = createAttioSimulator({ crm: dataset.crm });
  await sim.listen();
  bed = await createSyncTestbed({ integrations: [attio] });
  await bed.connectWith('attio', { apiKey: DEFAULT_ATTIO_TOKEN }, { baseUrl: sim.url });
});
afterAll(async () => {
  await bed.close();
  await sim.close();
});

const sync = async () => {
  const run = await startSync(bed.deps, bed.workspaceId, 'attio', { trigger: 'manual' });
  return executeRun(bed.deps, bed.workspaceId, run.id);
};
const stored = (stream: string) =>
  allRecords<AttioRecord>(bed.deps.db.kysely, bed.workspaceId, { integration: 'attio', stream });

describe('Attio streams through the sync engine', () => {
  it('stores every company and person of the CRM, with who set each value', async () => {
    const run = await sync();
    expect(run.status).toBe('succeeded');
    const companies = await stored('companies');
    const people = await stored('people');
    expect(companies).toHaveLength(dataset.crm.companies.length);
    expect(dataset.crm.companies.length).toBeGreaterThan(500);
    expect(people).toHaveLength(dataset.crm.people.length);

    const edited = dataset.crm.companies.find((c) =>
      c.values.some((v) => v.attribute.startsWith('beton_') && v.actor.type === 'workspace-member'),
    )!;
    const record = companies.find((r) => r.externalId === edited.recordId)!.payload;
    const human = edited.values.find(
      (v) => v.attribute.startsWith('beton_') && v.actor.type === 'workspace-member',
    )!;
    expect(record.values[human.attribute]![0]).toMatchObject({
      created_by_actor: { type: 'workspace-member', id: human.actor.id },
      active_from: human.activeFrom,
    });
    expect(record.values.domains![0]!.domain).toBe(dataset.companyById.get(edited.companyId)!.domain);
    const person = people.find((p) => p.externalId === dataset.crm.people[0]!.recordId)!.payload;
    expect(person.values.company![0]).toMatchObject({
      target_record_id: dataset.crm.people[0]!.companyRecordId,
    });
  });

  it('marks a company deleted in Attio as deleted on the next run, and counts the rest unchanged', async () => {
    const gone = dataset.crm.companies[3]!.recordId;
    sim.store.deleteRecord('companies', gone);
    const run = await sync();
    expect(run.streams.companies).toMatchObject({ deleted: 1, written: 0 });
    expect(run.counts.unchanged).toBeGreaterThan(0);
    expect((await stored('companies')).some((r) => r.externalId === gone)).toBe(false);
  });
});
