import { DAY, isoOf } from './calendar.js';
import type { CompanyModel, Timeline } from './model.js';
import { hashInts, Rng } from './random.js';
import type { CrmActor, CrmCompany, CrmMember, CrmPerson, CrmValue, CrmWorld } from './types.js';
import { FIRST_NAMES, LAST_NAMES } from './words.js';

const GRADES = ['M100', 'M75', 'M50', 'M25', 'M10'];

/**
 * The CRM (Attio) as a sales team left it: about 60 % of companies (paying ones first), each owned
 * by one of the members (a few by nobody), their senior people, values typed by members, and for
 * some records the values an earlier Beton push wrote (`api-token`) — a few of which a person has
 * since overwritten (`workspace-member`).
 */
export function buildCrm(worldSeed: number, models: CompanyModel[], tl: Timeline): CrmWorld {
  const rng = new Rng(hashInts(worldSeed, 0x4352));
  const members: CrmMember[] = Array.from({ length: 4 }, () => {
    const firstName = rng.pick(FIRST_NAMES);
    const lastName = rng.pick(LAST_NAMES);
    return {
      id: rng.uuid(),
      email: `${firstName}.${lastName}`.toLowerCase().replace(/[^a-z.]/g, '') + '@beton-demo.example',
      firstName,
      lastName,
    };
  });
  const apiToken: CrmActor = { type: 'api-token', id: rng.uuid() };
  const system: CrmActor = { type: 'system', id: rng.uuid() };
  const companies: CrmCompany[] = [];
  const people: CrmPerson[] = [];

  for (const model of models) {
    const { company } = model;
    const r = new Rng(hashInts(worldSeed, 0x4343, company.index));
    if (!r.chance(company.plan === 'free' ? 0.4 : 0.85)) continue;
    const member = (): CrmActor => ({ type: 'workspace-member', id: r.pick(members).id });
    const created = Math.max(model.createdUnix + r.int(1, 60) * DAY, tl.nowUnix - 900 * DAY);
    const at = (unix: number) => isoOf(Math.min(unix, tl.nowUnix - 3600));
    const createdBy = r.chance(0.7) ? member() : system;
    const values: CrmValue[] = [
      { attribute: 'name', value: company.name, actor: createdBy, activeFrom: at(created) },
      { attribute: 'domains', value: [company.domain], actor: createdBy, activeFrom: at(created) },
    ];
    if (r.chance(0.5))
      values.push({
        attribute: 'categories',
        value: [company.industry],
        actor: member(),
        activeFrom: at(created + DAY),
      });
    if (r.chance(0.25))
      values.push({
        attribute: 'description',
        value: `Met at a conference; ${company.plan} plan.`,
        actor: member(),
        activeFrom: at(created + 2 * DAY),
      });
    if (r.chance(0.25)) {
      // An earlier Beton push; sometimes a person corrected one of its values by hand.
      const pushedAt = tl.nowUnix - r.int(5, 40) * DAY;
      const pushed: CrmValue[] = [
        { attribute: 'beton_health', value: r.int(20, 95), actor: apiToken, activeFrom: at(pushedAt) },
        { attribute: 'beton_grade', value: r.pick(GRADES), actor: apiToken, activeFrom: at(pushedAt) },
      ];
      if (r.chance(0.35)) {
        const edited = r.int(0, 1);
        pushed[edited] = {
          ...pushed[edited]!,
          value: edited === 0 ? r.int(20, 95) : r.pick(GRADES),
          actor: member(),
          activeFrom: at(pushedAt + r.int(1, 4) * DAY),
        };
      }
      values.push(...pushed);
    }
    // Drawn from a generator of its own, so adding owners changed nothing else in the world.
    const o = new Rng(hashInts(worldSeed, 0x4f57, company.index));
    const record: CrmCompany = {
      recordId: r.uuid(),
      companyId: company.id,
      createdAt: at(created),
      createdBy,
      ownerId: o.chance(0.92) ? o.pick(members).id : null,
      values,
    };
    companies.push(record);

    for (const p of model.persons.filter((x) => x.senior).slice(0, 3)) {
      const person = p.person;
      const by = r.chance(0.8) ? member() : system;
      const since = at(Math.max(created, p.createdUnix + DAY));
      people.push({
        recordId: r.uuid(),
        personId: person.id,
        companyRecordId: record.recordId,
        createdAt: since,
        createdBy: by,
        values: [
          {
            attribute: 'name',
            value: `${person.firstName} ${person.lastName}`,
            actor: by,
            activeFrom: since,
          },
          { attribute: 'email_addresses', value: [person.email], actor: by, activeFrom: since },
          { attribute: 'job_title', value: person.title, actor: by, activeFrom: since },
        ],
      });
    }
  }
  return { workspaceId: rng.uuid(), workspaceName: 'Beton Demo Sales', members, companies, people };
}
