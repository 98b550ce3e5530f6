import { describe, expect, it } from 'vitest';
import { AttioApiError, AttioStore } from '../../../src/integrations/attio/simulator/index.js';

const token = { type: 'api-token' as const, id: 'tok' };
const person = { type: 'workspace-member' as const, id: 'm1' };

function store() {
  let t = Date.parse('2025-01-01T00:00:00Z');
  const tick = () => {
    t += 1000;
    return new Date(t);
  };
  return new AttioStore({ seed: 'test', now: tick });
}

describe('Attio store: assert by matching attribute', () => {
  it('creates on the first assert and updates the same record on the next (domains matched as multiselect)', () => {
    const s = store();
    const first = s.assertRecord('companies', 'domains', { domains: ['acme.com'], name: 'Acme' }, token);
    expect(first.created).toBe(true);
    const second = s.assertRecord(
      'companies',
      'domains',
      { domains: ['www.Acme.com', 'acme.io'], name: 'Acme Inc' },
      token,
    );
    expect(second.created).toBe(false);
    expect(second.record.id.record_id).toBe(first.record.id.record_id);
    // Matching attribute values are added, never removed.
    expect(second.record.values.domains!.map((v) => v.domain)).toEqual(['acme.com', 'acme.io']);
    expect(s.countRecords('companies')).toBe(1);
  });

  it('refuses a value that matches two records (multiple_match_results) and a missing matching value', () => {
    const s = store();
    s.assertRecord('companies', 'domains', { domains: ['a.com'] }, token);
    s.assertRecord('companies', 'domains', { domains: ['b.com'] }, token);
    expect(() => s.assertRecord('companies', 'domains', { domains: ['a.com', 'b.com'] }, token)).toThrow(
      expect.objectContaining({ code: 'multiple_match_results', statusCode: 400 }),
    );
    expect(() => s.assertRecord('companies', 'domains', { name: 'x' }, token)).toThrow(
      expect.objectContaining({ code: 'missing_value' }),
    );
  });

  it('keeps value history with the author of each version', () => {
    const s = store();
    const { record } = s.assertRecord('companies', 'domains', { domains: ['acme.com'] }, token);
    s.createAttribute('companies', { title: 'Health', api_slug: 'beton_health', type: 'number' });
    s.updateRecord('companies', record.id.record_id, { beton_health: 50 }, token);
    s.updateRecord('companies', record.id.record_id, { beton_health: 90 }, person);
    const active = s.attributeValues('companies', record.id.record_id, 'beton_health');
    expect(active).toHaveLength(1);
    expect(active[0]).toMatchObject({ value: 90, created_by_actor: person, active_until: null });
    const history = s.attributeValues('companies', record.id.record_id, 'beton_health', true);
    expect(history.map((v) => [v.value, v.created_by_actor.type, v.active_until !== null])).toEqual([
      [50, 'api-token', true],
      [90, 'workspace-member', false],
    ]);
  });

  it('rejects a value of the wrong type with validation_type', () => {
    const s = store();
    s.createAttribute('companies', { title: 'Health', api_slug: 'beton_health', type: 'number' });
    expect(() =>
      s.assertRecord('companies', 'domains', { domains: ['a.com'], beton_health: 'high' }, token),
    ).toThrow(expect.objectContaining({ code: 'validation_type' }));
  });
});

describe('Attio store: attributes', () => {
  it('answers 409 slug_conflict for a slug that exists', () => {
    const s = store();
    s.createAttribute('companies', { title: 'Grade', api_slug: 'beton_grade', type: 'text' });
    try {
      s.createAttribute('companies', { title: 'Grade', api_slug: 'beton_grade', type: 'text' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AttioApiError);
      expect((e as AttioApiError).toBody()).toMatchObject({ status_code: 409, code: 'slug_conflict' });
    }
  });
});

describe('Attio store: query', () => {
  function seeded() {
    const s = store();
    s.createAttribute('companies', { title: 'Health', api_slug: 'beton_health', type: 'number' });
    for (let i = 0; i < 12; i++) {
      s.assertRecord(
        'companies',
        'domains',
        { domains: [`c${i}.com`], name: `Company ${i}`, beton_health: i * 10 },
        token,
      );
    }
    return s;
  }

  it('filters by domain ($eq on the domain property, shorthand, $or) and by number ranges', () => {
    const s = seeded();
    const domainsOf = (rows: ReturnType<AttioStore['queryRecords']>) =>
      rows.map((r) => r.values.domains![0]!.domain);
    expect(
      domainsOf(s.queryRecords('companies', { filter: { domains: { domain: { $eq: 'c3.com' } } } })),
    ).toEqual(['c3.com']);
    expect(domainsOf(s.queryRecords('companies', { filter: { domains: 'c4.com' } }))).toEqual(['c4.com']);
    expect(
      domainsOf(
        s.queryRecords('companies', {
          filter: { $or: [{ domains: 'c1.com' }, { domains: { domain: { $in: ['c2.com'] } } }] },
        }),
      ),
    ).toEqual(['c1.com', 'c2.com']);
    expect(
      domainsOf(s.queryRecords('companies', { filter: { beton_health: { $gte: 90, $lt: 110 } } })),
    ).toEqual(['c9.com', 'c10.com']);
    expect(s.queryRecords('companies', { filter: { name: { $contains: 'company 1' } } })).toHaveLength(3);
    expect(
      s.queryRecords('companies', { filter: { $not: { beton_health: { $not_empty: true } } } }),
    ).toHaveLength(0);
  });

  it('pages with limit and offset, refuses limit over 500 and unknown attributes in filters', () => {
    const s = seeded();
    expect(s.queryRecords('companies', { limit: 5, offset: 10 })).toHaveLength(2);
    expect(() => s.queryRecords('companies', { limit: 501 })).toThrow(
      expect.objectContaining({ code: 'validation_type' }),
    );
    expect(() => s.queryRecords('companies', { filter: { nope: 1 } })).toThrow(
      expect.objectContaining({ code: 'filter_error' }),
    );
  });

  it('sorts numbers numerically', () => {
    const s = seeded();
    const sorted = s.queryRecords('companies', {
      sorts: [{ attribute: 'beton_health', direction: 'desc' }],
      limit: 3,
    });
    expect(sorted.map((r) => r.values.beton_health![0]!.value)).toEqual([110, 100, 90]);
  });
});

describe('Attio store: notes, lists and entries', () => {
  it('adds a note to an existing record and refuses one on a missing record', () => {
    const s = store();
    const { record } = s.assertRecord('companies', 'domains', { domains: ['acme.com'] }, token);
    const note = s.createNote(
      {
        parent_object: 'companies',
        parent_record_id: record.id.record_id,
        title: 'Hi',
        format: 'plaintext',
        content: 'x',
      },
      token,
    );
    expect(note.created_by_actor).toEqual(token);
    expect(s.listNotes({ parent_record_id: record.id.record_id })).toHaveLength(1);
    expect(() =>
      s.createNote(
        {
          parent_object: 'companies',
          parent_record_id: 'nope',
          title: 'x',
          format: 'plaintext',
          content: 'x',
        },
        token,
      ),
    ).toThrow(expect.objectContaining({ statusCode: 404 }));
  });

  it('asserts one entry per parent record and queries entries', () => {
    const s = store();
    s.createList({
      api_slug: 'pipeline',
      name: 'Pipeline',
      parent_object: 'companies',
      attributes: [{ api_slug: 'stage', title: 'Stage', type: 'select', options: ['Lead', 'Won'] }],
    });
    const { record } = s.assertRecord('companies', 'domains', { domains: ['acme.com'] }, token);
    const parent = { parent_object: 'companies', parent_record_id: record.id.record_id };
    const a = s.assertEntry('pipeline', { ...parent, entry_values: { stage: 'Lead' } }, token);
    const b = s.assertEntry('pipeline', { ...parent, entry_values: { stage: 'Won' } }, token);
    expect(b.id.entry_id).toBe(a.id.entry_id);
    expect(s.queryEntries('pipeline', { filter: { stage: 'Won' } })).toHaveLength(1);
    expect(() => s.assertEntry('pipeline', { ...parent, entry_values: { stage: 'Lost' } }, token)).toThrow(
      expect.objectContaining({ code: 'value_not_found' }),
    );
  });
});
