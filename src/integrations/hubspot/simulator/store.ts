import type { Dataset } from '../../../simulators/dataset/index.js';
import type {
  HubspotHistoryValue,
  HubspotObject,
  HubspotObjectType,
  HubspotOwner,
  HubspotProperty,
} from '../types.js';

/** A stored object: properties as strings, each with its history (newest first). */
export interface SimObject {
  id: string;
  type: HubspotObjectType;
  properties: Record<string, string | null>;
  history: Record<string, HubspotHistoryValue[]>;
  createdAt: number;
  modifiedAt: number;
  archived: boolean;
}

/** Who set a value: a person in HubSpot's app, or a tool (Beton's writes come as `INTEGRATION`). */
export type SourceType = 'CRM_UI' | 'INTEGRATION' | 'API' | 'IMPORT';

/** The property that holds an object type's modified date. */
export const MODIFIED: Record<HubspotObjectType, string> = {
  companies: 'hs_lastmodifieddate',
  contacts: 'lastmodifieddate',
  deals: 'hs_lastmodifieddate',
};

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * HubSpot's CRM as the simulator holds it: companies, contacts and deals with string-typed
 * properties and their history, owners, company↔contact and company↔deal links, property
 * definitions and groups. Object ids are numeric strings in creation order, as HubSpot's are.
 */
export class HubspotStore {
  readonly objects: Record<HubspotObjectType, Map<string, SimObject>> = {
    companies: new Map(),
    contacts: new Map(),
    deals: new Map(),
  };
  readonly owners: HubspotOwner[] = [];
  /** `companies→contacts` and `companies→deals`: company id → linked ids. */
  readonly links: Record<'contacts' | 'deals', Map<string, Set<string>>> = {
    contacts: new Map(),
    deals: new Map(),
  };
  readonly properties: Record<HubspotObjectType, Map<string, HubspotProperty>> = {
    companies: new Map(),
    contacts: new Map(),
    deals: new Map(),
  };
  readonly groups: Record<HubspotObjectType, Set<string>> = {
    companies: new Set(['companyinformation']),
    contacts: new Set(['contactinformation']),
    deals: new Set(['dealinformation']),
  };
  private nextId = 1_000_001;
  private sorted: Partial<Record<HubspotObjectType, SimObject[]>> = {};

  constructor(readonly now: () => number) {
    const builtIn: Record<HubspotObjectType, [string, string][]> = {
      companies: [
        ['domain', 'string'],
        ['name', 'string'],
        ['industry', 'string'],
        ['numberofemployees', 'number'],
        ['annualrevenue', 'number'],
        ['country', 'string'],
        ['city', 'string'],
        ['hubspot_owner_id', 'enumeration'],
        ['createdate', 'datetime'],
        ['hs_lastmodifieddate', 'datetime'],
        ['hs_object_id', 'number'],
      ],
      contacts: [
        ['email', 'string'],
        ['firstname', 'string'],
        ['lastname', 'string'],
        ['jobtitle', 'string'],
        ['associatedcompanyid', 'number'],
        ['hubspot_owner_id', 'enumeration'],
        ['createdate', 'datetime'],
        ['lastmodifieddate', 'datetime'],
        ['hs_object_id', 'number'],
      ],
      deals: [
        ['dealname', 'string'],
        ['amount', 'number'],
        ['dealstage', 'enumeration'],
        ['pipeline', 'enumeration'],
        ['closedate', 'datetime'],
        ['hs_is_closed_won', 'bool'],
        ['hs_is_closed', 'bool'],
        ['hubspot_owner_id', 'enumeration'],
        ['createdate', 'datetime'],
        ['hs_lastmodifieddate', 'datetime'],
        ['hs_object_id', 'number'],
      ],
    };
    for (const [type, list] of Object.entries(builtIn) as [HubspotObjectType, [string, string][]][]) {
      for (const [name, t] of list) {
        this.properties[type].set(name, {
          name,
          label: name,
          type: t,
          fieldType: t === 'number' ? 'number' : t === 'datetime' ? 'date' : 'text',
          groupName:
            type === 'companies'
              ? 'companyinformation'
              : type === 'contacts'
                ? 'contactinformation'
                : 'dealinformation',
        });
      }
    }
  }

  /** Create an object; its values are set by `source` at `at` (ms). */
  create(
    type: HubspotObjectType,
    values: Record<string, string | null>,
    source: SourceType,
    at = this.now(),
  ): SimObject {
    const id = String(this.nextId++);
    const object: SimObject = {
      id,
      type,
      properties: { hs_object_id: id, createdate: iso(at) },
      history: {},
      createdAt: at,
      modifiedAt: at,
      archived: false,
    };
    this.objects[type].set(id, object);
    this.sorted[type] = undefined;
    this.set(object, values, source, at);
    return object;
  }

  /** Set values as `source` at `at`: each change joins the property's history; the modified date moves. */
  set(object: SimObject, values: Record<string, string | null>, source: SourceType, at = this.now()): void {
    for (const [name, value] of Object.entries(values)) {
      const v = value === '' ? null : value;
      object.properties[name] = v;
      const history = object.history[name] ?? [];
      object.history[name] = history;
      history.unshift({
        value: v ?? '',
        timestamp: iso(at),
        sourceType: source,
        sourceId: source === 'CRM_UI' ? 'userId:1001' : 'beton-private-app',
      });
    }
    this.touch(object, at);
  }

  /** The modified date moves (a change HubSpot counts); later ones sort later in a search. */
  touch(object: SimObject, at = this.now()): void {
    object.modifiedAt = Math.max(at, object.modifiedAt);
    object.properties[MODIFIED[object.type]] = iso(object.modifiedAt);
  }

  archive(object: SimObject): void {
    object.archived = true;
    this.touch(object);
  }

  link(to: 'contacts' | 'deals', companyId: string, id: string): void {
    const set = this.links[to].get(companyId) ?? new Set<string>();
    this.links[to].set(companyId, set);
    set.add(id);
  }

  /** Live objects of a type in id order (HubSpot lists by id). */
  live(type: HubspotObjectType): SimObject[] {
    this.sorted[type] ??= [...this.objects[type].values()].sort((a, b) => Number(a.id) - Number(b.id));
    return this.sorted[type]!.filter((o) => !o.archived);
  }

  get(type: HubspotObjectType, id: string): SimObject | undefined {
    const o = this.objects[type].get(id);
    return o && !o.archived ? o : undefined;
  }

  companyByDomain(domain: string): SimObject | undefined {
    const d = domain.toLowerCase();
    return this.live('companies').find((c) => (c.properties.domain ?? '').toLowerCase() === d);
  }

  /** An object as the API answers it, with the asked properties (and the ones HubSpot always adds). */
  render(
    object: SimObject,
    properties: readonly string[] | undefined,
    withHistory?: readonly string[],
    associations?: readonly string[],
  ): HubspotObject {
    const names = new Set([
      ...(properties ?? defaultProperties(object.type)),
      'hs_object_id',
      'createdate',
      MODIFIED[object.type],
    ]);
    const out: HubspotObject = {
      id: object.id,
      properties: Object.fromEntries([...names].map((n) => [n, object.properties[n] ?? null])),
      createdAt: iso(object.createdAt),
      updatedAt: iso(object.modifiedAt),
      archived: object.archived,
    };
    if (withHistory?.length) {
      out.propertiesWithHistory = Object.fromEntries(withHistory.map((n) => [n, object.history[n] ?? []]));
    }
    const linked: Record<string, { results: { id: string; type: string }[] }> = {};
    for (const to of associations ?? []) {
      let ids: string[] = [];
      if (object.type === 'companies' && (to === 'contacts' || to === 'deals')) {
        ids = [...(this.links[to].get(object.id) ?? [])];
      } else if (to === 'companies' && object.type !== 'companies') {
        ids = [...this.links[object.type].entries()]
          .filter(([, set]) => set.has(object.id))
          .map(([id]) => id);
      }
      const type = `${object.type.slice(0, -1)}_to_${to.slice(0, -1)}`;
      if (ids.length > 0) linked[to] = { results: ids.map((id) => ({ id, type })) };
    }
    if (Object.keys(linked).length > 0) out.associations = linked;
    return out;
  }
}

function defaultProperties(type: HubspotObjectType): string[] {
  if (type === 'companies') return ['domain', 'name'];
  if (type === 'contacts') return ['email', 'firstname', 'lastname'];
  return ['dealname', 'amount', 'dealstage', 'closedate', 'pipeline'];
}

const PERSON_SOURCE = (member: boolean): SourceType => (member ? 'CRM_UI' : 'IMPORT');

/**
 * Fill the store from the synthetic world: the CRM's companies (about 60 % of all, the ones a sales
 * team keeps), up to five of each one's people as contacts, a closed-won deal for every paying
 * subscription (amount = its first year) and an open deal for every trial, the CRM's members as
 * owners, and the values an earlier Beton push left (a few since edited by a person).
 */
export function seedWorld(
  store: HubspotStore,
  dataset: Pick<Dataset, 'companies' | 'crm' | 'billing' | 'companyById' | 'peopleOfCompany'>,
): void {
  dataset.crm.members.forEach((m, i) => {
    store.owners.push({
      id: String(70_000_001 + i),
      email: m.email,
      firstName: m.firstName,
      lastName: m.lastName,
      userId: 9_000_001 + i,
      archived: false,
    });
  });
  // The same people own the same companies as in the world's other CRM.
  const ownerIds = new Map(dataset.crm.members.map((m, i) => [m.id, store.owners[i]!.id]));
  const ownerOf = (memberId: string | null) => (memberId ? (ownerIds.get(memberId) ?? null) : null);
  for (const name of ['beton_health', 'beton_grade']) {
    store.groups.companies.add('beton');
    store.properties.companies.set(name, {
      name,
      label: name === 'beton_health' ? 'Beton health' : 'Beton grade',
      type: name === 'beton_health' ? 'number' : 'string',
      fieldType: name === 'beton_health' ? 'number' : 'text',
      groupName: 'beton',
    });
  }
  const prices = new Map(dataset.billing.prices.map((p) => [p.id, p]));
  const companyIds = new Map<string, string>();
  dataset.crm.companies.forEach((record) => {
    const company = dataset.companyById.get(record.companyId);
    if (!company) return;
    const created = Date.parse(record.createdAt);
    const source = PERSON_SOURCE(record.createdBy.type === 'workspace-member');
    const c = store.create(
      'companies',
      {
        domain: company.domain,
        name: company.name,
        industry: company.industry,
        numberofemployees: String(company.employees),
        annualrevenue: String(company.annualRevenue),
        country: company.country,
        city: company.city,
        hubspot_owner_id: ownerOf(record.ownerId),
      },
      source,
      created,
    );
    for (const v of record.values) {
      if (v.attribute !== 'beton_health' && v.attribute !== 'beton_grade') continue;
      store.set(
        c,
        { [v.attribute]: String(v.value) },
        v.actor.type === 'workspace-member' ? 'CRM_UI' : 'INTEGRATION',
        Date.parse(v.activeFrom),
      );
    }
    companyIds.set(company.id, c.id);
    for (const person of dataset.peopleOfCompany(company.index).slice(0, 5)) {
      const contact = store.create(
        'contacts',
        {
          email: person.email,
          firstname: person.firstName,
          lastname: person.lastName,
          jobtitle: person.title,
          associatedcompanyid: c.id,
          hubspot_owner_id: ownerOf(record.ownerId),
        },
        'IMPORT',
        Math.max(created, Date.parse(person.createdAt)),
      );
      store.link('contacts', c.id, contact.id);
    }
  });
  for (const sub of dataset.billing.subscriptions) {
    const companyId = companyIds.get(sub.companyId);
    const company = dataset.companyById.get(sub.companyId);
    const first = sub.versions[0];
    if (!companyId || !company || !first) continue;
    const price = prices.get(first.priceId);
    const yearly = price
      ? (price.unitAmount / 100) * first.quantity * (price.interval === 'year' ? 1 : 12)
      : 0;
    const at = sub.created * 1000;
    const won = first.status !== 'trialing';
    const deal = store.create(
      'deals',
      {
        dealname: `${company.name} — ${first.plan}`,
        amount: String(Math.round(yearly)),
        dealstage: won ? 'closedwon' : 'presentationscheduled',
        pipeline: 'default',
        closedate: new Date(won ? at : at + 14 * 86_400_000).toISOString(),
        hs_is_closed_won: won ? 'true' : 'false',
        hs_is_closed: won ? 'true' : 'false',
        hubspot_owner_id: store.get('companies', companyId)?.properties.hubspot_owner_id ?? null,
      },
      'CRM_UI',
      at,
    );
    store.link('deals', companyId, deal.id);
  }
}
