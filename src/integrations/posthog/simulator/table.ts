import type { Dataset, Person, UsageEvent } from '../../../simulators/dataset/index.js';
import { hashString, Rng } from '../../../simulators/dataset/random.js';
import type { EventRow, EventTable, PersonRow, ScanHint } from './hogql/execute.js';

const DAY_MS = 86_400_000;

/** An event that arrives after the fact (PostHog ingests late events for days). */
export interface LateEvent {
  /** The company group key (domain). */
  groupKey: string;
  event: UsageEvent | string;
  /** When it happened (ISO or Date), usually within the last two days. */
  at: string | Date;
  /** `$pathname` for pageviews. */
  path?: string;
  count?: number;
  /** Defaults to the company's first person. */
  personId?: string;
  properties?: Record<string, string | number>;
}

/** The PostHog person as the API shows it: what a product sends with `identify`. */
export function personProperties(person: Person, companyDomain: string): Record<string, unknown> {
  return {
    email: person.email,
    name: `${person.firstName} ${person.lastName}`,
    title: person.title,
    department: person.department,
    company_domain: companyDomain,
  };
}

/**
 * The `events` table the HogQL engine reads: the dataset's usage, generated per day and company as
 * the scan asks for it, plus late events ingested through `ingest`.
 */
export class DatasetEventTable implements EventTable {
  private readonly late: EventRow[] = [];
  private readonly persons = new Map<string, PersonRow>();
  private readonly lastSeenCache = new Map<string, number | null>();
  private readonly firstDayMs: number;
  private readonly lateIds: Rng;
  /** Bumped by every ingest: cached query results are keyed by it. */
  version = 0;

  constructor(private readonly dataset: Dataset) {
    this.firstDayMs = Date.parse(`${dataset.usage.days[0]}T00:00:00Z`);
    this.lateIds = new Rng(hashString(`${dataset.seed}:late`));
  }

  scan(hint: ScanHint, visit: (row: EventRow) => void): void {
    const { usage, companies } = this.dataset;
    const lastDay = usage.days.length - 1;
    const from = Number.isFinite(hint.fromMs)
      ? Math.max(0, Math.floor((hint.fromMs - this.firstDayMs) / DAY_MS))
      : 0;
    const to = Number.isFinite(hint.toMs)
      ? Math.min(lastDay, Math.ceil((hint.toMs - this.firstDayMs) / DAY_MS) - 1)
      : lastDay;
    const indexes: number[] = [];
    if (hint.groupKeys) {
      for (const key of hint.groupKeys) {
        const company = this.dataset.companyByDomain.get(key);
        if (company) indexes.push(company.index);
      }
    } else for (let i = 0; i < companies.length; i++) indexes.push(i);
    for (let d = from; d <= to; d++) {
      for (const ci of indexes) {
        const runs = usage.runs(ci, d);
        for (let k = 0; k < runs.length; k++) visit(runs[k] as unknown as EventRow);
      }
    }
    for (const row of this.late) {
      if (
        row.time >= hint.fromMs &&
        row.time < hint.toMs &&
        (!hint.groupKeys || hint.groupKeys.has(row.groupKey))
      )
        visit(row);
    }
  }

  person(personId: string): PersonRow | undefined {
    if (this.persons.size === 0) {
      for (const p of this.dataset.people) {
        const domain = this.dataset.companyById.get(p.companyId)!.domain;
        this.persons.set(p.id, { id: p.id, createdAt: p.createdAt, properties: personProperties(p, domain) });
      }
    }
    return this.persons.get(personId);
  }

  /** Add events after the fact; returns how many rows were added. */
  ingest(events: LateEvent[]): number {
    for (const e of events) {
      const company = this.dataset.companyByDomain.get(e.groupKey);
      if (!company) throw new Error(`No company with group key ${e.groupKey} in the dataset.`);
      const people = this.dataset.peopleOfCompany(company.index);
      const person = (e.personId ? people.find((p) => p.id === e.personId) : people[0]) ?? people[0]!;
      const time = new Date(e.at).getTime();
      if (Number.isNaN(time)) throw new Error(`Late event time is not a date: ${String(e.at)}`);
      this.late.push({
        uuid: this.lateIds.uuid(),
        event: e.event,
        time,
        distinctId: person.distinctId,
        personId: person.id,
        groupKey: company.domain,
        properties: { ...(e.path ? { $pathname: e.path } : {}), ...(e.properties ?? {}) },
        count: e.count ?? 1,
      });
    }
    this.version++;
    return events.length;
  }

  /** The last time an event name was seen, scanning back from the newest day. */
  lastSeen(event: string): string | null {
    let latest = this.generatedLastSeen(event);
    for (const row of this.late)
      if (row.event === event && (latest === null || row.time > latest)) latest = row.time;
    return latest === null ? null : new Date(latest).toISOString();
  }

  /** The newest time the generated usage has an event, scanning back from the last day (cached: it never changes). */
  private generatedLastSeen(event: string): number | null {
    const cached = this.lastSeenCache.get(event);
    if (cached !== undefined) return cached;
    const { usage, companies } = this.dataset;
    let latest: number | null = null;
    for (let d = usage.days.length - 1; d >= 0 && latest === null; d--) {
      for (let ci = 0; ci < companies.length; ci++) {
        for (const run of usage.runs(ci, d)) {
          if (run.event === event && (latest === null || run.time > latest)) latest = run.time;
        }
      }
    }
    this.lastSeenCache.set(event, latest);
    return latest;
  }
}
