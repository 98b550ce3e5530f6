import { parseHistory } from '../../src/accounts/index.js';
import { scoreWorld } from './dataset-world.js';

const world = await scoreWorld({ seed: 'quality', companies: 300, now: '2025-06-01T00:00:00.000Z' });
const db = world.t.rt.db.kysely;
const rows = await db
  .selectFrom('accounts')
  .select(['domain', 'history_json'])
  .where('workspace_id', '=', world.t.workspaceId)
  .execute();
const byDomain = new Map(rows.map((r) => [r.domain, parseHistory(r.history_json)]));
for (const f of world.sims.dataset.truth.futures.filter((f) => f.kind === 'seat_expansion')) {
  const h = byDomain.get(f.domain);
  const company = world.sims.dataset.companyByDomain.get(f.domain)!;
  const people = world.sims.dataset.peopleOfCompany(company.index);
  const sub = h?.subscriptions.find((s) => s.status !== 'canceled');
  console.log(
    f.domain,
    f.leading.join(','),
    'from',
    f.from.seats,
    'persons',
    h?.persons.length,
    'dataset people',
    people.length,
    'freeMail',
    people.filter((p) => p.freeMail).length,
    'sub seats',
    sub?.current.seats,
  );
}
await world.close();
