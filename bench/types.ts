/**
 * Benchmarks are suites registered in bench/suites.ts. Each measures in one run both the thing and
 * its reference, and reports results with a target, so `npm run bench` prints one table of ratios
 * that hold on any machine (not absolute times that only hold on one).
 */
export interface BenchResult {
  /** What was measured, e.g. "sync into SQLite". */
  metric: string;
  value: number;
  unit: string;
  /** The requirement, when there is one. */
  target?: { op: '>=' | '<='; value: number };
  /** How it was measured, briefly. */
  note?: string;
}

export interface BenchContext {
  /** Scale factor from `--quick` (0.1) or 1. */
  scale: number;
  log(message: string): void;
}

export interface BenchSuite {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<BenchResult[]>;
}

export const passes = (r: BenchResult): boolean | undefined =>
  r.target ? (r.target.op === '>=' ? r.value >= r.target.value : r.value <= r.target.value) : undefined;
