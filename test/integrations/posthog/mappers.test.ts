import { describe, expect, it } from 'vitest';
import posthog from '../../../src/integrations/posthog/index.js';
import {
  companyGroupTypes,
  groupClaim,
  npsAnswer,
  personClaim,
  personFact,
} from '../../../src/integrations/posthog/mappers.js';
import type {
  PostHogGroup,
  PostHogGroupType,
  PostHogPerson,
  SurveyResponseRecord,
} from '../../../src/integrations/posthog/types.js';
import { usageDayOf } from '../../../src/model/index.js';

// Shapes as API_FACTS.md records PostHog's answers (groups_types, groups, persons results).
const groupTypes: PostHogGroupType[] = [
  { group_type: 'project', group_type_index: 0, name_singular: null, name_plural: null },
  { group_type: 'company', group_type_index: 1, name_singular: 'Company', name_plural: 'Companies' },
];
const group: PostHogGroup = {
  group_type_index: 1,
  group_key: 'acme.io',
  group_properties: { name: ' Acme ', domain: 'https://www.acme.io' },
  created_at: '2024-01-05T10:00:00Z',
};
const person: PostHogPerson = {
  id: '0189a1b2-0000-7000-8000-000000000001',
  uuid: '0189a1b2-0000-7000-8000-000000000001',
  distinct_ids: ['user-1'],
  properties: { email: 'Ann@Acme.io', name: 'Ann', title: 'VP Sales', company_domain: 'acme.io' },
  created_at: '2024-01-06T09:00:00Z',
  last_seen_at: '2024-03-01T12:00:00Z',
};

describe('PostHog mappers on documented answers', () => {
  it('the group types named company are the ones whose groups are companies', () => {
    expect(companyGroupTypes(groupTypes)).toEqual(new Set([1]));
    expect(companyGroupTypes([groupTypes[0]!])).toBeNull();
    expect(posthog.streams.groups.facts?.identity?.context?.stream).toBe('group_types');
  });

  it('a company group claims its domain; a group of another type claims nothing', () => {
    const companies = companyGroupTypes(groupTypes);
    expect(groupClaim(group, companies)).toEqual({ kind: 'domain', domain: 'acme.io', method: 'group' });
    expect(groupClaim({ ...group, group_type_index: 0 }, companies)).toEqual({
      kind: 'none',
      reason: 'group type 0 is not a company',
    });
    // Without synced group types any group with a domain counts.
    expect(groupClaim({ ...group, group_type_index: 0 }, null)).toMatchObject({ domain: 'acme.io' });
    const facts = posthog.streams.groups.facts!;
    expect(facts.name?.of(group)).toBe('Acme');
    expect(facts.identity?.accountKey?.(group)).toBe('acme.io');
  });

  it('a person claims company_domain over the email domain, recording the conflict', () => {
    expect(personClaim(person)).toEqual({ kind: 'domain', domain: 'acme.io', method: 'company_domain' });
    const moved = { ...person, properties: { ...person.properties, company_domain: 'globex.com' } };
    expect(personClaim(moved)).toMatchObject({
      domain: 'globex.com',
      conflict: { rule: 'the company_domain property wins over the email domain' },
    });
    const personal = { ...person, properties: { email: 'ann@gmail.com' } };
    expect(personClaim(personal)).toEqual({
      kind: 'none',
      reason: 'personal email (gmail.com) and no company_domain',
    });
  });

  it('a person becomes a people fact with ISO dates and a normalised email', () => {
    expect(personFact(person)).toEqual({
      id: person.id,
      email: 'ann@acme.io',
      name: 'Ann',
      title: 'VP Sales',
      department: null,
      createdAt: '2024-01-06T09:00:00.000Z',
      lastSeenAt: '2024-03-01T12:00:00.000Z',
    });
    expect(posthog.streams.persons.facts?.identity?.email?.(person)).toBe('ann@acme.io');
  });

  it('a survey answer is NPS when its score is 0–10, and follows its group or respondent', () => {
    const answer: SurveyResponseRecord = {
      uuid: 'e1',
      timestamp: '2024-02-01T08:00:00Z',
      distinct_id: 'user-1',
      person_email: 'Ann@Acme.io',
      group_key: 'acme.io',
      survey_id: 's1',
      score: 9,
    };
    expect(npsAnswer(answer)).toEqual({ at: '2024-02-01T08:00:00.000Z', score: 9, email: 'ann@acme.io' });
    expect(npsAnswer({ ...answer, score: 11 })).toBeNull();
    expect(posthog.streams.survey_responses.facts?.identity?.claim(answer, null)).toEqual({
      kind: 'group_or_email',
      groupKey: 'acme.io',
      email: 'ann@acme.io',
    });
  });

  it('usage_daily declares its fields, and they read a usage record', () => {
    const fields = posthog.streams.usage_daily.facts!.usage!;
    const record = { group_key: 'acme.io', day: '2024-02-01', event: '$pageview', count: 12, persons: 3 };
    expect(usageDayOf(fields, record)).toEqual({
      key: 'acme.io',
      day: '2024-02-01',
      event: '$pageview',
      count: 12,
      persons: 3,
    });
    expect(usageDayOf(fields, { ...record, event: null })).toBeNull();
    expect(fields.externalIdKeySeparator).toBe('|');
  });
});
