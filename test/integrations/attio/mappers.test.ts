import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import attio from '../../../src/integrations/attio/index.js';
import {
  activeValues,
  companyClaim,
  memberDirectory,
  personClaim,
} from '../../../src/integrations/attio/mappers.js';
import type { AttioRecord, AttioValue, AttioWorkspaceMember } from '../../../src/integrations/attio/types.js';

/** Examples of Attio's OpenAPI document: a record's fields and one value of each type Beton reads. */
const examples = JSON.parse(
  readFileSync(new URL('./fixtures/openapi-examples.json', import.meta.url), 'utf8'),
) as {
  record: Omit<AttioRecord, 'values'>;
  values: Record<string, AttioValue>;
  workspaceMember: AttioWorkspaceMember;
};

/** The document's value, active (its example carries an `active_until`, i.e. a retired value). */
const active = (type: string, patch: Partial<AttioValue> = {}): AttioValue => ({
  ...examples.values[type]!,
  active_until: null,
  ...patch,
});
const record = (values: Record<string, AttioValue[]>): AttioRecord => ({ ...examples.record, values });

describe('Attio mappers on the OpenAPI examples', () => {
  it('declares identity on companies and people, and a name that outranks other sources', () => {
    expect(attio.streams.companies.facts?.identity?.claim).toBe(companyClaim);
    expect(attio.streams.people.facts?.identity?.claim).toBe(personClaim);
    expect(attio.streams.companies.facts?.name?.priority).toBeLessThan(20);
  });

  it('a company claims its active domain as a CRM domain and offers its name', () => {
    const company = record({ domains: [active('domain')], name: [active('text', { value: ' Attio ' })] });
    expect(companyClaim(company)).toEqual({ kind: 'domain', domain: 'app.attio.com', method: 'crm_domain' });
    expect(attio.streams.companies.facts?.name?.of(company)).toBe('Attio');
  });

  it('retired values (active_until set, as in the document) count for nothing', () => {
    const company = record({ domains: [examples.values.domain!], name: [examples.values.text!] });
    expect(activeValues(company, 'domains', 'domain')).toEqual([]);
    expect(companyClaim(company)).toEqual({ kind: 'none', reason: 'the CRM company has no domain' });
    expect(attio.streams.companies.facts?.name?.of(company)).toBeNull();
  });

  it('a mailbox-provider domain is skipped for the next company domain', () => {
    const company = record({
      domains: [active('domain', { domain: 'gmail.com' }), active('domain', { domain: 'www.Acme.io' })],
    });
    expect(companyClaim(company)).toMatchObject({ domain: 'acme.io' });
  });

  it('a person claims the company domain of a work email, not of a personal one', () => {
    expect(personClaim(record({ email_addresses: [active('email-address')] }))).toEqual({
      kind: 'domain',
      domain: 'app.attio.com',
      method: 'email_domain',
    });
    const personal = record({
      email_addresses: [active('email-address', { email_address: 'ada@gmail.com' })],
    });
    expect(personClaim(personal)).toEqual({ kind: 'none', reason: 'no company email' });
  });

  it("a company's owner is the workspace member its active owner reference names", () => {
    const owner = attio.streams.companies.facts!.owner!;
    expect(owner.context?.stream).toBe('workspace_members');
    const members = memberDirectory([examples.workspaceMember]);
    const company = record({ owner: [active('actor-reference')] });
    expect(owner.of(company, members)).toEqual({ email: 'susan.kare@apple.com', name: 'Susan Kare' });
    // Retired (as the document's example is), unassigned, or a member Beton has not synced: nobody.
    expect(owner.of(record({ owner: [examples.values['actor-reference']!] }), members)).toBeNull();
    expect(owner.of(record({}), members)).toBeNull();
    expect(owner.of(company, new Map())).toBeNull();
  });
});
