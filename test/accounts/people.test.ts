import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdFor } from '../../src/accounts/index.js';
import { fixedClock } from '../../src/core/index.js';
import { accountPeople } from '../../src/people/index.js';
import { runScore } from '../../src/scoring/index.js';
import { createTestRuntime, type TestRuntime } from '../support/index.js';
import { RecordWriter } from './records.js';

const NOW = new Date('2025-06-15T12:00:00.000Z');
const clock = fixedClock(NOW);
const at = (ago: number) => new Date(NOW.getTime() - ago * 86_400_000).toISOString();

let t: TestRuntime;
const acme = () => accountIdFor(t.workspaceId, 'acme.io');

/** A CRM person record as the CRM's API returns it (values with who set them). */
function crmPerson(w: RecordWriter, recordId: string, name: string, email: string, title: string) {
  const value = (v: Record<string, unknown>) => ({
    ...v,
    active_from: at(5),
    active_until: null,
    created_by_actor: { type: 'workspace-member', id: 'm1' },
  });
  return w.put('attio', 'people', recordId, {
    id: { workspace_id: 'w', object_id: 'people', record_id: recordId },
    created_at: at(5),
    values: {
      name: [value({ full_name: name, first_name: name.split(' ')[0], last_name: name.split(' ')[1] })],
      email_addresses: [value({ email_address: email })],
      job_title: [value({ value: title })],
    },
  });
}

beforeAll(async () => {
  t = await createTestRuntime({ clock });
  const w = new RecordWriter(t.rt.db.kysely, t.workspaceId, at(0));
  await w.groupType(0, 'company');
  await w.group('acme.io', 'Acme', at(300));
  // Ann: a product user who signed up three days ago, a CRM contact with another title, and the
  // billing e-mail (upper-cased by whoever typed it into billing).
  await w.person('ph_ann', { email: 'ann@acme.io', name: 'Ann Lee', title: 'VP Engineering' }, at(3), at(1));
  await crmPerson(w, 'rec_ann', 'Ann Lee', 'ann@acme.io', 'Chief Technology Officer');
  await w.customer('cus_acme', 'Ann@Acme.io', 'Acme', at(200), 'acme.io');
  await w.nps('nps_ann', 'acme.io', 'ann@acme.io', 10, at(2));
  // Bob: only in the product, no title.
  await w.person('ph_bob', { email: 'bob@acme.io', name: 'Bob' }, at(100), at(50));
  // Carol: only in the CRM.
  await crmPerson(w, 'rec_carol', 'Carol Diaz', 'carol@acme.io', 'Head of Finance');
  for (let i = 1; i <= 30; i++) await w.usage('acme.io', at(i).slice(0, 10), 'feature_used', 10);
  await runScore(t.rt.db.kysely, t.workspaceId, { clock, trigger: 'test' });
});

afterAll(() => t.close());

describe('people at an account', () => {
  it('merges the same person from the product, the CRM and billing into one, with conflicts', async () => {
    const people = await accountPeople(t.rt.db.kysely, t.workspaceId, acme(), t.rt.integrations);
    expect(people.map((p) => p.email).sort()).toEqual(['ann@acme.io', 'bob@acme.io', 'carol@acme.io']);
    const ann = people.find((p) => p.email === 'ann@acme.io')!;
    expect(ann.sources.map((s) => `${s.integration}/${s.stream}`).sort()).toEqual([
      'attio/people',
      'posthog/persons',
      'stripe/customers',
    ]);
    expect(ann.name).toBe('Ann Lee');
    // One source each: the first in registry order wins the tie.
    expect(ann.title).toBe('Chief Technology Officer');
    expect(ann.seniority).toBe('c_level');
    // Two sources, two titles: both shown, each with its source; no conflict on the agreed name.
    expect(ann.conflicts).toEqual([
      {
        field: 'title',
        values: [
          { value: 'Chief Technology Officer', sources: ['Attio'] },
          { value: 'VP Engineering', sources: ['PostHog'] },
        ],
      },
    ]);
    expect(ann.firstSeenAt).toBe(at(200));
    expect(ann.lastSeenAt).toBe(at(1));
    expect(ann.nps).toEqual([{ at: at(2), score: 10 }]);
    // The senior signup and the promoter answer name her.
    expect(ann.signals.map((s) => s.key).sort()).toEqual(
      expect.arrayContaining(['director_signup', 'high_nps']),
    );
    expect(ann.activity).toEqual(
      expect.arrayContaining([
        { at: at(1), kind: 'seen', text: 'Last seen' },
        { at: at(2), kind: 'nps', text: 'Answered NPS 10' },
      ]),
    );
    const carol = people.find((p) => p.email === 'carol@acme.io')!;
    expect(carol).toMatchObject({
      title: 'Head of Finance',
      department: 'finance',
      conflicts: [],
      signals: [],
    });
    expect(people.find((p) => p.email === 'bob@acme.io')?.seniority).toBeNull();
  });

  it('serves them sorted over the API to viewers of the workspace only', async () => {
    const res = await t.request('GET', `/api/v1/accounts/${acme()}/people?sort=name&order=asc`, {
      key: t.keys.viewer,
    });
    expect(res.status).toBe(200);
    expect(res.json.items.map((p: { name: string }) => p.name)).toEqual(['Ann Lee', 'Bob', 'Carol Diaz']);
    const bySeniority = await t.request(
      'GET',
      `/api/v1/accounts/${acme()}/people?sort=seniority&order=desc`,
      {
        key: t.keys.viewer,
      },
    );
    expect(bySeniority.json.items.map((p: { email: string }) => p.email)).toEqual([
      'ann@acme.io',
      'carol@acme.io',
      'bob@acme.io',
    ]);
    const bad = await t.request('GET', `/api/v1/accounts/${acme()}/people?sort=shoe`, { key: t.keys.viewer });
    expect(bad.status).toBe(400);
    const missing = await t.request('GET', '/api/v1/accounts/acc_nope/people', { key: t.keys.viewer });
    expect(missing.status).toBe(404);
  });
});
