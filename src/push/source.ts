import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import { fromJson } from '../db/json.js';
import type { DB } from '../db/schema/index.js';
import { builtInDetector } from '../signals/index.js';
import type { PushAccount, PushSignal, PushSource } from './types.js';

const BATCH = 1_000;
/** Occurrences first seen within this many days count as new for notes (older ones are history). */
const NEW_SIGNAL_DAYS = 7;

/**
 * A signal's priority for notes, from its strength (0–1): strong occurrences are the ones a rep
 * should hear about on the CRM record.
 */
export function signalPriority(strength: number): PushSignal['priority'] {
  return strength >= 0.75 ? 'high' : strength >= 0.4 ? 'medium' : 'low';
}

/**
 * The push source over the scores (src/scoring's `account_scores`): every scored account with its
 * health, expansion, churn risk, fit, grade, top signals and score time, plus the live signal
 * occurrences first seen in the last week (for the optional notes). Reads in batches by domain.
 *
 * @example
 * const source = scoresPushSource(rt.db.kysely, rt.clock);
 * for await (const batch of source.accounts(ws)) console.log(batch.length);
 */
export function scoresPushSource(db: Kysely<DB>, clock: Clock): PushSource {
  return {
    async *accounts(workspaceId) {
      const newSince = new Date(clock.now().getTime() - NEW_SIGNAL_DAYS * 86_400_000).toISOString();
      let after = '';
      for (;;) {
        const rows = await db
          .selectFrom('accounts as a')
          .innerJoin('account_scores as s', (j) =>
            j.onRef('s.workspace_id', '=', 'a.workspace_id').onRef('s.account_id', '=', 'a.id'),
          )
          .select([
            'a.id',
            'a.domain',
            'a.name',
            's.health',
            's.expansion',
            's.churn_risk',
            's.fit',
            's.grade',
            's.top_signals_json',
            's.scored_at',
          ])
          .where('a.workspace_id', '=', workspaceId)
          .where('a.domain', '>', after)
          .orderBy('a.domain')
          .limit(BATCH)
          .execute();
        if (rows.length === 0) return;
        const occurrences = await db
          .selectFrom('signal_occurrences')
          .select(['id', 'account_id', 'signal_key', 'strength', 'explanation', 'occurred_at'])
          .where('workspace_id', '=', workspaceId)
          .where(
            'account_id',
            'in',
            rows.map((r) => r.id),
          )
          .where('origin', '=', 'live')
          .where('first_seen_at', '>=', newSince)
          .execute();
        const signalsOf = new Map<string, PushSignal[]>();
        for (const o of occurrences) {
          const list = signalsOf.get(o.account_id) ?? [];
          list.push({
            id: `${o.account_id}:${o.signal_key}:${o.id}`,
            key: o.signal_key,
            title: builtInDetector(o.signal_key)?.title ?? o.signal_key,
            priority: signalPriority(o.strength),
            firedAt: o.occurred_at,
            explanation: o.explanation,
          });
          signalsOf.set(o.account_id, list);
        }
        yield rows.map(
          (r): PushAccount => ({
            accountId: r.id,
            domain: r.domain,
            name: r.name,
            fields: {
              beton_health: r.health,
              beton_expansion: r.expansion,
              beton_churn_risk: r.churn_risk,
              beton_fit: r.fit,
              beton_grade: r.grade,
              beton_top_signals:
                fromJson<{ title?: string; key: string }[]>(r.top_signals_json, [])
                  .slice(0, 3)
                  .map((s) => s.title ?? s.key)
                  .join(', ') || null,
              beton_scored_at: r.scored_at,
            },
            signals: signalsOf.get(r.id) ?? [],
          }),
        );
        if (rows.length < BATCH) return;
        after = rows[rows.length - 1]!.domain;
      }
    },
  };
}
