import { describe, expect, it } from 'vitest';
import { OUTCOME_CLASS, revenueOutcomes } from '../../../src/accounts/index.js';
import { authorOf } from '../../../src/integrations/hubspot/destination.js';
import { companiesFacts, contactsFacts, dealsFacts } from '../../../src/integrations/hubspot/mappers.js';
import type { HubspotObject } from '../../../src/integrations/hubspot/types.js';

/** Records shaped as HubSpot's CRM v3 documentation shows them (every property value a string). */
const company: HubspotObject = {
  id: '512',
  properties: {
    createdate: '2019-10-30T03:30:17.883Z',
    domain: 'biglytics.net',
    hs_lastmodifieddate: '2019-12-07T16:50:06.678Z',
    hs_object_id: '512',
    name: 'Biglytics',
  },
  createdAt: '2019-10-30T03:30:17.883Z',
  updatedAt: '2019-12-07T16:50:06.678Z',
  archived: false,
};
const contact: HubspotObject = {
  id: '501',
  properties: {
    createdate: '2019-10-30T03:30:17.883Z',
    email: 'Bcooper@Biglytics.net',
    firstname: 'Bryan',
    lastname: 'Cooper',
    jobtitle: 'VP of Sales',
    lastmodifieddate: '2019-12-07T16:50:06.678Z',
    associatedcompanyid: null,
  },
  createdAt: '2019-10-30T03:30:17.883Z',
  updatedAt: '2019-12-07T16:50:06.678Z',
  archived: false,
};

describe('HubSpot mappers', () => {
  it('a company claims its domain, names the account and says when it was created', () => {
    expect(companiesFacts.identity?.claim(company, null)).toEqual({
      kind: 'domain',
      domain: 'biglytics.net',
      method: 'crm_domain',
    });
    expect(companiesFacts.identity?.anchor).toBe('customer');
    expect(companiesFacts.name?.of(company)).toBe('Biglytics');
    expect(companiesFacts.firstSeen?.(company)).toBe('2019-10-30T03:30:17.883Z');
    const bare = { ...company, properties: { ...company.properties, domain: '' } };
    expect(companiesFacts.identity?.claim(bare, null)).toMatchObject({ kind: 'none' });
  });

  it('a contact is a person at its primary company, else at its work email’s domain', () => {
    expect(contactsFacts.identity?.claim(contact, null)).toEqual({
      kind: 'domain',
      domain: 'biglytics.net',
      method: 'email_domain',
    });
    const linked = { ...contact, properties: { ...contact.properties, associatedcompanyid: '512' } };
    expect(contactsFacts.identity?.claim(linked, null)).toEqual({ kind: 'customer', customerId: '512' });
    const personal = { ...contact, properties: { ...contact.properties, email: 'bryan@gmail.com' } };
    expect(contactsFacts.identity?.claim(personal, null)).toMatchObject({ kind: 'none' });
    expect(contactsFacts.contacts?.(contact)).toMatchObject({
      id: '501',
      email: 'bcooper@biglytics.net',
      name: 'Bryan Cooper',
      title: 'VP of Sales',
      createdAt: '2019-10-30T03:30:17.883Z',
    });
  });

  it('a deal belongs to the account of its first company', () => {
    const deal: HubspotObject = {
      ...company,
      id: '901',
      properties: { dealname: 'Biglytics renewal', amount: '12000', dealstage: 'closedwon' },
      associations: { companies: { results: [{ id: '512', type: 'deal_to_company' }] } },
    };
    expect(dealsFacts.identity?.claim(deal, null)).toEqual({ kind: 'customer', customerId: '512' });
    expect(dealsFacts.identity?.claim({ ...deal, associations: {} }, null)).toMatchObject({ kind: 'none' });
  });

  it('a closed-won deal is a revenue outcome the backtest counts as expansion', () => {
    const won: HubspotObject = {
      ...company,
      id: '901',
      properties: {
        dealname: 'Biglytics renewal',
        amount: '12000',
        dealstage: 'closedwon',
        closedate: '2025-03-01T00:00:00Z',
        hs_is_closed_won: 'true',
        hs_is_closed: 'true',
      },
    };
    const open = {
      ...won,
      id: '902',
      properties: { dealname: 'Upsell', amount: null, dealstage: 'appointmentscheduled', closedate: null },
    };
    const deals = [won, open].map((d) => dealsFacts.deal!(d)!);
    expect(deals).toEqual([
      { id: '901', status: 'won', amount: 12000, closedAt: '2025-03-01T00:00:00.000Z' },
      { id: '902', status: 'open', amount: null, closedAt: null },
    ]);
    const history = {
      observedAt: '2025-04-01T00:00:00.000Z',
      signupAt: null,
      persons: [],
      subscriptions: [],
      nps: [],
      deals,
    };
    expect(revenueOutcomes(history)).toEqual([
      { at: '2025-03-01T00:00:00.000Z', kind: 'deal_won', subscriptionId: '901', detail: 'deal won (12000)' },
    ]);
    expect(OUTCOME_CLASS.deal_won).toBe('expansion');
  });

  it('a property history entry typed in HubSpot’s app is a person’s', () => {
    expect(authorOf('CRM_UI')).toBe('person');
    expect(authorOf('INTEGRATION')).toBe('integration');
    expect(authorOf('CALCULATED')).toBe('system');
  });
});
