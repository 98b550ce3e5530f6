import { buildBilling } from './billing.js';
import { DAY, HOUR, isoOf } from './calendar.js';
import { buildCompanies } from './companies.js';
import { buildCrm } from './crm.js';
import { buildFirmographics } from './firmographics.js';
import type { CompanyModel, Story, Timeline } from './model.js';
import { buildNps } from './nps.js';
import { buildPeople } from './people.js';
import { hashString } from './random.js';
import type { Dataset, DatasetOptions, PlantedOutcome, Truth } from './types.js';
import { createUsageSource, dayFactor, personActive } from './usage.js';

export const DEFAULT_COMPANIES = 300;
export const DEFAULT_HISTORY_DAYS = 180;

/**
 * Generate the synthetic world. Deterministic: the same seed, size and `now` give the same world,
 * byte for byte. Usage is generated lazily per company and day (`dataset.usage`), so 20,000
 * companies take a few seconds and little memory.
 *
 * @example
 * const world = generateDataset({ seed: 'demo', companies: 300, now: '2025-06-01T00:00:00Z' });
 * world.companies[0].domain;          // e.g. 'harborflow.io'
 * world.usage.daily(0, 179);          // yesterday's usage_daily rows of the first company
 * world.truth.futures.length;         // accounts that upgrade, expand or churn in the next 30 days
 */
export function generateDataset(options: DatasetOptions): Dataset {
  const seed = String(options.seed);
  const count = options.companies ?? DEFAULT_COMPANIES;
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`companies must be a positive integer, got ${count}`);
  const historyDays = options.historyDays ?? DEFAULT_HISTORY_DAYS;
  const nowMs =
    options.now === undefined ? Math.floor(Date.now() / 60_000) * 60_000 : new Date(options.now).getTime();
  if (Number.isNaN(nowMs)) throw new Error(`now is not a date: ${String(options.now)}`);
  const nowUnix = Math.floor(nowMs / 1000);
  const startUnix = Math.floor(nowUnix / DAY) * DAY - historyDays * DAY;
  const tl: Timeline = {
    nowUnix,
    startUnix,
    historyDays,
    dayIndexOf: (unix) => Math.floor((unix - startUnix) / DAY),
    dayStart: (d) => startUnix + d * DAY,
  };
  const worldSeed = hashString(seed);

  const models = buildCompanies(worldSeed, count, tl);
  buildPeople(worldSeed, models, tl);
  const nps = buildNps(worldSeed, models, tl);
  const billing = buildBilling(worldSeed, models, tl);
  for (const model of models) fillLastSeen(model, tl);

  const companies = models.map((m) => m.company);
  const peopleByCompany = models.map((m) => m.persons.map((p) => p.person));
  return {
    seed,
    now: isoOf(nowUnix),
    nowUnix,
    historyDays,
    companies,
    people: peopleByCompany.flat(),
    companyById: new Map(companies.map((c) => [c.id, c])),
    companyByDomain: new Map(companies.map((c) => [c.domain, c])),
    peopleOfCompany: (companyIndex) => peopleByCompany[companyIndex] ?? [],
    billing,
    usage: createUsageSource(models, nps.byCompany, tl),
    nps: nps.byCompany
      .flat()
      .sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0)),
    firmographics: buildFirmographics(worldSeed, models),
    crm: buildCrm(worldSeed, models, tl),
    truth: buildTruth(models, tl),
  };
}

/** Last day a person did anything, found by walking back from yesterday. */
function fillLastSeen(model: CompanyModel, tl: Timeline): void {
  const factors = new Map<number, ReturnType<typeof dayFactor>>();
  model.persons.forEach((p, k) => {
    const firstDay = Math.max(0, tl.dayIndexOf(p.createdUnix));
    for (let d = tl.historyDays - 1; d >= firstDay; d--) {
      let factor = factors.get(d);
      if (!factor) {
        factor = dayFactor(model, tl, d);
        factors.set(d, factor);
      }
      if (personActive(model, tl, k, d, factor)) {
        p.person.lastSeenAt = isoOf(Math.max(tl.dayStart(d) + 17 * HOUR, p.createdUnix));
        return;
      }
    }
  });
}

function buildTruth(models: CompanyModel[], tl: Timeline): Truth {
  const outcome = (model: CompanyModel, story: Story): PlantedOutcome => ({
    companyId: model.company.id,
    domain: model.company.domain,
    kind: story.kind,
    at: isoOf(story.at),
    from: { ...story.from },
    to: { ...story.to },
    leading: [...story.leading].sort(),
    leadingFrom: isoOf(story.leadFrom),
  });
  const futures: PlantedOutcome[] = [];
  const past: PlantedOutcome[] = [];
  for (const model of models) {
    if (model.future && model.future.at > tl.nowUnix && model.future.at <= tl.nowUnix + 30 * DAY) {
      futures.push(outcome(model, model.future));
    }
    if (model.past && model.past.at <= tl.nowUnix) past.push(outcome(model, model.past));
  }
  const byTime = (a: PlantedOutcome, b: PlantedOutcome) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0);
  return { now: isoOf(tl.nowUnix), futures: futures.sort(byTime), past: past.sort(byTime) };
}
