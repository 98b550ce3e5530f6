import { describe, expect, it } from 'vitest';
import {
  type Dataset,
  generateDataset,
  type PlantedOutcome,
  versionAt,
} from '../../src/simulators/dataset/index.js';

const NOW = '2025-06-01T00:00:00.000Z';
const world = generateDataset({ seed: 'dataset-test', companies: 800, now: NOW });
const DAY = 86_400;

/** Sum of usage_daily counts of one company for an event name over day indexes [from, to). */
function usage(ds: Dataset, companyId: string, event: string, from: number, to: number): number {
  const company = ds.companyById.get(companyId)!;
  let total = 0;
  for (let d = Math.max(0, from); d < Math.min(to, ds.historyDays); d++) {
    for (const row of ds.usage.daily(company.index, d)) if (row.event === event) total += row.count;
  }
  return total;
}

const dayIndex = (ds: Dataset, iso: string) =>
  Math.floor((Date.parse(iso) / 1000 - (ds.nowUnix - ds.historyDays * DAY)) / DAY);
const outcomeIds = new Set([...world.truth.futures, ...world.truth.past].map((o) => o.companyId));
const controls = world.companies.filter((c) => !outcomeIds.has(c.id) && c.plan !== 'free');

describe('generateDataset', () => {
  it('is a pure function of seed, size and now', () => {
    const again = generateDataset({ seed: 'dataset-test', companies: 800, now: NOW });
    expect(JSON.stringify(again.companies)).toBe(JSON.stringify(world.companies));
    expect(JSON.stringify(again.people)).toBe(JSON.stringify(world.people));
    expect(JSON.stringify(again.billing)).toBe(JSON.stringify(world.billing));
    expect(JSON.stringify(again.truth)).toBe(JSON.stringify(world.truth));
    expect(JSON.stringify(again.usage.runs(17, 170))).toBe(JSON.stringify(world.usage.runs(17, 170)));
    const other = generateDataset({ seed: 'another-seed', companies: 800, now: NOW });
    expect(other.companies.map((c) => c.domain)).not.toEqual(world.companies.map((c) => c.domain));
  });

  it('holds a B2B SaaS world: unique domains, people at them (some on free mail), senior titles, all four plans', () => {
    expect(new Set(world.companies.map((c) => c.domain)).size).toBe(800);
    const plans = new Set(world.companies.map((c) => c.plan));
    expect([...plans].sort()).toEqual(['enterprise', 'free', 'pro', 'starter']);
    const freeMail = world.people.filter((p) => p.freeMail);
    expect(freeMail.length).toBeGreaterThan(world.people.length * 0.02);
    for (const p of world.people.filter((x) => !x.freeMail).slice(0, 500)) {
      expect(p.email.endsWith(`@${world.companyById.get(p.companyId)!.domain}`)).toBe(true);
    }
    expect(world.people.some((p) => /^(Director|VP)\b/.test(p.title) || /Director$/.test(p.title))).toBe(
      true,
    );
    expect(world.usage.days).toHaveLength(180);
    expect(world.usage.days[179]).toBe('2025-05-31');
  });

  it('keeps Stripe consistent with each company: current plan, seats, trials and no change after now', () => {
    const byCompany = new Map(world.billing.subscriptions.map((s) => [s.companyId, s]));
    for (const company of world.companies) {
      const sub = byCompany.get(company.id);
      const current = sub ? sub.versions[sub.versions.length - 1]! : null;
      const live = current && current.status !== 'canceled';
      if (company.plan === 'free') expect(live).toBeFalsy();
      else {
        expect(current).not.toBeNull();
        expect(current!.plan).toBe(company.plan);
        expect(current!.quantity).toBe(company.seatLimit);
        if (company.trial?.status === 'active') expect(current!.status).toBe('trialing');
      }
      for (const v of sub?.versions ?? []) expect(v.at).toBeLessThanOrEqual(world.nowUnix);
    }
    expect(world.billing.prices.map((p) => p.interval).sort()).toEqual([
      'month',
      'month',
      'month',
      'year',
      'year',
      'year',
    ]);
    expect(world.billing.invoices.length).toBeGreaterThan(world.billing.subscriptions.length);
    expect(world.billing.customers.some((c) => c.metadataDomain === null)).toBe(true);
    expect(
      world.billing.customers.some((c) => /@(gmail|outlook|yahoo|hotmail|icloud|proton)\./.test(c.email)),
    ).toBe(true);
  });

  it('puts past outcomes in Stripe at their time and keeps future outcomes out of it', () => {
    const subs = new Map(world.billing.subscriptions.map((s) => [s.companyId, s]));
    expect(world.truth.past.length).toBeGreaterThan(40);
    for (const o of world.truth.past) {
      const sub = subs.get(o.companyId)!;
      const at = Date.parse(o.at) / 1000;
      const after = versionAt(sub, at)!;
      if (o.kind === 'churn') expect(after.status).toBe('canceled');
      else {
        expect(after.plan).toBe(o.to.plan);
        expect(after.quantity).toBe(o.to.seats);
        const before = versionAt(sub, at - 1);
        if (before) expect(before.plan !== after.plan || before.quantity < after.quantity).toBe(true);
      }
    }
    for (const o of world.truth.futures) {
      const at = Date.parse(o.at) / 1000;
      expect(at).toBeGreaterThan(world.nowUnix);
      expect(at).toBeLessThanOrEqual(world.nowUnix + 30 * DAY);
    }
    const kinds = new Set(world.truth.futures.map((o) => o.kind));
    expect([...kinds].sort()).toEqual(['churn', 'seat_expansion', 'upgrade']);
  });

  it('plants buying intent before upgrades: pricing pages seen far more often than in other paying accounts', () => {
    const planted = world.truth.futures.filter(
      (o) => o.kind === 'upgrade' && o.leading.includes('upgrade_page_visit'),
    );
    expect(planted.length).toBeGreaterThan(10);
    const visited = (o: { companyId: string }) =>
      usage(world, o.companyId, '$pageview:/pricing', 180 - 28, 180) +
        usage(world, o.companyId, '$pageview:/upgrade', 180 - 28, 180) >
      0;
    const plantedRate = planted.filter(visited).length / planted.length;
    const controlRate = controls.filter((c) => visited({ companyId: c.id })).length / controls.length;
    expect(plantedRate).toBeGreaterThan(0.9);
    expect(controlRate).toBeLessThan(0.35);
  });

  it('plants declining usage and low NPS before churn', () => {
    const churners = [...world.truth.futures, ...world.truth.past].filter(
      (o) =>
        o.kind === 'churn' && (o.leading.includes('usage_drop') || o.leading.includes('usage_wow_decline')),
    );
    expect(churners.length).toBeGreaterThan(10);
    const ratio = (o: PlantedOutcome) => {
      const end = Math.min(dayIndex(world, o.at), 180);
      const recent = usage(world, o.companyId, 'feature_used', end - 7, end);
      const before = usage(
        world,
        o.companyId,
        'feature_used',
        dayIndex(world, o.leadingFrom) - 14,
        dayIndex(world, o.leadingFrom),
      );
      return before === 0 ? null : recent / before;
    };
    const ratios = churners.map(ratio).filter((r): r is number => r !== null);
    const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    expect(mean).toBeLessThan(0.5);

    const lowNps = world.truth.futures.filter((o) => o.kind === 'churn' && o.leading.includes('low_nps'));
    for (const o of lowNps) {
      const answers = world.nps.filter((a) => a.companyId === o.companyId && a.timestamp >= o.leadingFrom);
      expect(answers.some((a) => a.score <= 6)).toBe(true);
    }
  });

  it('emits usage in the usage_daily contract, with invitations matching people who joined', () => {
    let rows = 0;
    for (let c = 0; c < 200; c++) for (let d = 0; d < 180; d++) rows += world.usage.daily(c, d).length;
    const perCompanyDay = rows / (200 * 180);
    expect(perCompanyDay).toBeGreaterThan(0.3);
    expect(perCompanyDay).toBeLessThan(4);
    const names = new Set<string>();
    for (let c = 0; c < 200; c++) for (const row of world.usage.daily(c, 179)) names.add(row.event);
    expect(names.has('$pageview')).toBe(true);
    expect(
      [...names].every(
        (n) => !n.startsWith('$pageview:') || n === '$pageview:/pricing' || n === '$pageview:/upgrade',
      ),
    ).toBe(true);

    const company = world.companies.find(
      (c) =>
        world.peopleOfCompany(c.index).filter((p) => p.createdAt >= `${world.usage.days[0]}`).length >= 2,
    )!;
    const joined = world
      .peopleOfCompany(company.index)
      .slice(1)
      .filter((p) => p.createdAt >= `${world.usage.days[0]}`);
    const invited = usage(world, company.id, 'user_invited', 0, 180);
    expect(invited).toBe(joined.length);
  });

  it('leaves some domains unknown to Apollo and some CRM values set by a person', () => {
    expect(world.firmographics.some((f) => !f.found)).toBe(true);
    expect(world.firmographics.filter((f) => f.found).length).toBeGreaterThan(
      world.firmographics.length * 0.8,
    );
    const byPerson = world.crm.companies
      .flatMap((c) => c.values)
      .filter((v) => v.actor.type === 'workspace-member');
    expect(byPerson.some((v) => v.attribute.startsWith('beton_'))).toBe(true);
    expect(world.crm.companies.flatMap((c) => c.values).some((v) => v.actor.type === 'api-token')).toBe(true);
  });
});
