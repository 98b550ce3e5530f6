import { DAY, HOUR, isoOf } from './calendar.js';
import type { CompanyModel, Timeline } from './model.js';
import { hashInts, Rng } from './random.js';
import type { NpsAnswer } from './types.js';

/**
 * NPS answers from one in-app survey: some people answer once or twice over the history; planted
 * low scores precede churn, high scores precede some expansions, decoys add noise.
 * Returns the answers of each company, sorted by time.
 */
export function buildNps(
  worldSeed: number,
  models: CompanyModel[],
  tl: Timeline,
): { surveyId: string; byCompany: NpsAnswer[][] } {
  const surveyId = new Rng(hashInts(worldSeed, 0x5355)).uuid();
  // Answers are events, and events exist for whole history days only (today has none yet).
  const historyEnd = tl.dayStart(tl.historyDays);
  const byCompany = models.map((model) => {
    const rng = new Rng(hashInts(worldSeed, 0x4e50, model.company.index));
    const answers: NpsAnswer[] = [];
    const add = (personIndex: number, at: number, score: number) => {
      const p = model.persons[personIndex]!;
      answers.push({
        uuid: rng.uuid(),
        surveyId,
        personId: p.person.id,
        companyId: model.company.id,
        timestamp: isoOf(at),
        score: Math.max(0, Math.min(10, Math.round(score))),
      });
    };
    const activeUntil = Math.min(
      historyEnd,
      model.dormantFrom ?? historyEnd,
      model.past?.kind === 'churn' ? model.past.at : historyEnd,
    );
    model.persons.forEach((p, k) => {
      const from = Math.max(p.createdUnix + 7 * DAY, tl.startUnix);
      if (from >= activeUntil - DAY) return;
      for (let n = 0; n < 2; n++) {
        if (!rng.chance(n === 0 ? 0.3 : 0.12)) break;
        add(k, from + Math.floor(rng.next() * (activeUntil - from)), model.npsMean + rng.normal() * 1.8);
      }
    });
    for (const story of [model.past, model.future]) {
      if (!story) continue;
      const until = Math.min(story.at, historyEnd) - HOUR;
      const candidates = model.persons
        .map((p, k) => (p.createdUnix < story.leadFrom ? k : -1))
        .filter((k) => k >= 0);
      if (until <= story.leadFrom || candidates.length === 0) continue;
      for (const [behaviour, low, high] of [
        ['low_nps', 0, 4],
        ['high_nps', 9, 10],
      ] as const) {
        if (!story.leading.has(behaviour)) continue;
        for (let n = rng.int(1, 2); n > 0; n--) {
          add(
            rng.pick(candidates),
            story.leadFrom + Math.floor(rng.next() * (until - story.leadFrom)),
            rng.int(low, high),
          );
        }
      }
    }
    const decoy = model.decoy;
    if (decoy && (decoy.behaviour === 'low_nps' || decoy.behaviour === 'high_nps')) {
      const at = tl.dayStart(decoy.day) + rng.int(9, 17) * HOUR;
      const candidates = model.persons.map((p, k) => (p.createdUnix < at ? k : -1)).filter((k) => k >= 0);
      if (candidates.length > 0)
        add(rng.pick(candidates), at, decoy.behaviour === 'low_nps' ? rng.int(0, 4) : rng.int(9, 10));
    }
    answers.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
    return answers;
  });
  return { surveyId, byCompany };
}
