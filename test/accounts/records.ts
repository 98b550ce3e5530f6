import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/index.js';
import { upsertRecord } from '../../src/sync/index.js';

/**
 * Source records shaped per docs/data-model.md, written the way a sync writes them
 * (`upsertRecord`), for tests that need synced data without running the simulators.
 */

export const unix = (iso: string) => Math.floor(Date.parse(iso) / 1000);

export class RecordWriter {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly workspaceId: string,
    public now: string,
  ) {}

  async put(integration: string, stream: string, externalId: string, payload: unknown, deleted = false) {
    await upsertRecord(this.db, this.workspaceId, {
      connectionId: `conn_${integration}`,
      integration,
      stream,
      externalId,
      payload,
      now: this.now,
      deleted,
    });
  }

  groupType(index: number, type: string) {
    return this.put('posthog', 'group_types', String(index), {
      group_type: type,
      group_type_index: index,
      name_singular: type,
      name_plural: `${type}s`,
    });
  }

  group(domain: string, name: string, createdAt: string, extra: Record<string, unknown> = {}) {
    return this.put('posthog', 'groups', `0:${domain}`, {
      group_type_index: 0,
      group_key: domain,
      group_properties: { name, domain, ...extra },
      created_at: createdAt,
    });
  }

  person(
    id: string,
    props: { email?: string; name?: string; title?: string; department?: string; company_domain?: string },
    createdAt: string,
    lastSeenAt = createdAt,
  ) {
    return this.put('posthog', 'persons', id, {
      id,
      uuid: id,
      distinct_ids: [id],
      properties: props,
      created_at: createdAt,
      last_seen_at: lastSeenAt,
    });
  }

  usage(groupKey: string, day: string, event: string, count: number, persons = 1) {
    return this.put('posthog', 'usage_daily', `${groupKey}|${day}|${event}`, {
      group_key: groupKey,
      day,
      event,
      count,
      persons,
    });
  }

  /** `count` of `event` on each of the `days` days ending at `lastDay`. */
  async usageRun(groupKey: string, event: string, lastDay: string, days: number, count: number) {
    for (let i = 0; i < days; i++) {
      const day = new Date(Date.parse(`${lastDay}T00:00:00Z`) - i * 86_400_000).toISOString().slice(0, 10);
      await this.usage(groupKey, day, event, count);
    }
  }

  nps(uuid: string, groupKey: string | null, email: string | null, score: number, timestamp: string) {
    return this.put('posthog', 'survey_responses', uuid, {
      uuid,
      timestamp,
      distinct_id: 'd',
      person_email: email,
      group_key: groupKey,
      survey_id: 's1',
      score,
    });
  }

  price(id: string, plan: string, unitAmount: number, interval: 'month' | 'year', seatLimit?: number) {
    return this.put('stripe', 'prices', id, {
      id,
      object: 'price',
      unit_amount: unitAmount,
      currency: 'usd',
      recurring: { interval, interval_count: 1 },
      product: { id: `prod_${plan}`, name: `Beton ${plan}`, metadata: { plan } },
      metadata: seatLimit ? { plan, seat_limit: String(seatLimit) } : { plan },
    });
  }

  customer(id: string, email: string, name: string, created: string, metadataDomain?: string) {
    return this.put('stripe', 'customers', id, {
      id,
      object: 'customer',
      email,
      name,
      created: unix(created),
      metadata: metadataDomain ? { domain: metadataDomain } : {},
    });
  }

  subscription(
    id: string,
    customer: string,
    priceId: string,
    quantity: number,
    created: string,
    extra: Partial<{
      status: string;
      trial_start: number;
      trial_end: number;
      cancel_at: number;
      cancel_at_period_end: boolean;
      canceled_at: number;
      ended_at: number;
      current_period_end: number;
    }> = {},
  ) {
    return this.put('stripe', 'subscriptions', id, {
      id,
      object: 'subscription',
      customer,
      status: 'active',
      created: unix(created),
      start_date: unix(created),
      cancel_at: null,
      cancel_at_period_end: false,
      canceled_at: null,
      ended_at: null,
      trial_start: null,
      trial_end: null,
      items: { data: [{ id: `si_${id}`, price: { id: priceId }, quantity, created: unix(created) }] },
      metadata: {},
      ...extra,
    });
  }

  invoice(
    id: string,
    customer: string,
    subscription: string,
    priceId: string,
    quantity: number,
    amount: number,
    created: string,
    reason = 'subscription_cycle',
  ) {
    return this.put('stripe', 'invoices', id, {
      id,
      object: 'invoice',
      customer,
      subscription,
      status: 'paid',
      amount_paid: amount,
      amount_due: amount,
      total: amount,
      currency: 'usd',
      billing_reason: reason,
      created: unix(created),
      lines: {
        data: [
          {
            id: `il_${id}`,
            amount,
            quantity,
            subscription,
            price: { id: priceId },
            proration: reason === 'subscription_update',
          },
        ],
      },
    });
  }

  attioCompany(recordId: string, name: string, domains: string[]) {
    return this.put('attio', 'companies', recordId, {
      id: { workspace_id: 'w', object_id: 'companies', record_id: recordId },
      created_at: this.now,
      values: {
        name: [
          {
            value: name,
            active_from: this.now,
            active_until: null,
            created_by_actor: { type: 'workspace-member', id: 'm1' },
          },
        ],
        domains: domains.map((domain) => ({
          domain,
          root_domain: domain,
          active_from: this.now,
          active_until: null,
          created_by_actor: { type: 'system', id: null },
        })),
      },
    });
  }
}
