import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { DB } from '../db/index.js';
import { type AccountFilter, accountFilterConditions } from '../scoring/index.js';
import { keysetPages } from './pages.js';

/**
 * Account lists as CSV (RFC 4180, spreadsheet-safe) or JSON lines, streamed from the database a
 * keyset page at a time: the first bytes leave after one page is read and memory stays flat
 * however many accounts there are.
 */

interface ExportRow {
  id: string;
  name: string;
  domain: string;
  signup_at: string | null;
  created_at: string;
  grade: string | null;
  score: number | null;
  health: number | null;
  expansion: number | null;
  churn_risk: number | null;
  fit: number | null;
  scored_at: string | null;
  signal_keys: string | null;
  plan: string | null;
  billing_status: string | null;
  arr: number | null;
  owner_email: string | null;
  owner_name: string | null;
  entered_at: string | null;
}

type Cell = string | number | null;
const num = (v: number | null) => (v === null ? null : Number(v));

/** Every column an export can hold, in the documented order (docs/segments.md). */
export const EXPORT_COLUMNS = {
  id: (r: ExportRow): Cell => r.id,
  name: (r) => r.name,
  domain: (r) => r.domain,
  grade: (r) => r.grade,
  score: (r) => num(r.score),
  health: (r) => num(r.health),
  expansion: (r) => num(r.expansion),
  churnRisk: (r) => num(r.churn_risk),
  fit: (r) => num(r.fit),
  plan: (r) => r.plan,
  billingStatus: (r) => r.billing_status,
  arr: (r) => num(r.arr),
  owner: (r) => r.owner_email,
  ownerName: (r) => r.owner_name,
  // signal_keys is stored as ",a,b," (every contributing signal): no JSON to parse per row.
  topSignals: (r) => (r.signal_keys ? r.signal_keys.slice(1, -1).replaceAll(',', ';') : null),
  signupAt: (r) => r.signup_at,
  createdAt: (r) => r.created_at,
  scoredAt: (r) => r.scored_at,
  enteredAt: (r) => r.entered_at,
} satisfies Record<string, (r: ExportRow) => Cell>;
export type ExportColumn = keyof typeof EXPORT_COLUMNS;
export const EXPORT_COLUMN_NAMES = Object.keys(EXPORT_COLUMNS) as ExportColumn[];
export const DEFAULT_EXPORT_COLUMNS: ExportColumn[] = [
  'name',
  'domain',
  'grade',
  'score',
  'health',
  'expansion',
  'churnRisk',
  'fit',
  'plan',
  'billingStatus',
  'topSignals',
];

/** `columns=name,domain,score` as the API and the CLI take it. */
export const exportColumnsParam = z
  .string()
  .max(500)
  .optional()
  .transform((text, ctx) => {
    if (!text) return DEFAULT_EXPORT_COLUMNS;
    const names = text.split(',').map((c) => c.trim());
    const unknown = names.filter((c) => !(c in EXPORT_COLUMNS));
    if (unknown.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown column(s) ${unknown.join(', ')}; choose from ${EXPORT_COLUMN_NAMES.join(', ')}`,
      });
      return z.NEVER;
    }
    return [...new Set(names)] as ExportColumn[];
  })
  .describe(`columns separated by commas, from: ${EXPORT_COLUMN_NAMES.join(', ')}`);

export const exportFormat = z.enum(['csv', 'jsonl']).default('csv');
export type ExportFormat = z.infer<typeof exportFormat>;

/**
 * One CSV cell: formula-looking text (=, +, -, @, tab, carriage return first) is prefixed with `'`
 * so a spreadsheet shows it instead of running it; then RFC 4180 quoting (quotes doubled; a cell
 * holding a comma, quote or line break is quoted). Numbers are written as they are.
 *
 * @example csvCell('=HYPERLINK("x")') // `"'=HYPERLINK(""x"")"`
 * @example csvCell('Acme, Inc.')      // `"Acme, Inc."`
 */
export function csvCell(value: Cell): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export interface ExportOptions {
  /** Filters ANDed together (the request's, a segment's). */
  filters: readonly Partial<AccountFilter>[];
  /** Only the current members of this segment (and their `enteredAt`). */
  segmentId?: string;
  columns: readonly ExportColumn[];
  format: ExportFormat;
  now: Date;
  pageSize?: number;
  /** Called after each page is read (tests and benchmarks count pages). */
  onPage?: (rows: number) => void;
}

function readPage(
  db: Kysely<DB>,
  workspaceId: string,
  opts: ExportOptions,
  after: string | null,
  size: number,
) {
  const q = db
    .selectFrom('accounts as a')
    .leftJoin('account_scores as s', (j) =>
      j.onRef('s.account_id', '=', 'a.id').onRef('s.workspace_id', '=', 'a.workspace_id'),
    )
    .leftJoin('account_facets as f', (j) =>
      j.onRef('f.account_id', '=', 'a.id').onRef('f.workspace_id', '=', 'a.workspace_id'),
    )
    .select([
      'a.id',
      'a.name',
      'a.domain',
      'a.signup_at',
      'a.created_at',
      'a.owner_email',
      'a.owner_name',
      's.grade',
      's.score',
      's.health',
      's.expansion',
      's.churn_risk',
      's.fit',
      's.scored_at',
      's.signal_keys',
      'f.plan',
      'f.billing_status',
      'f.arr',
    ])
    .where('a.workspace_id', '=', workspaceId);
  const q2 = opts.segmentId
    ? q
        .innerJoin('segment_members as m', (j) =>
          j
            .onRef('m.account_id', '=', 'a.id')
            .onRef('m.workspace_id', '=', 'a.workspace_id')
            .on('m.segment_id', '=', opts.segmentId!)
            .on('m.left_at', 'is', null),
        )
        .select('m.entered_at')
    : q.select(sql<string | null>`null`.as('entered_at'));
  let page = q2;
  for (const filter of opts.filters)
    for (const condition of accountFilterConditions(workspaceId, filter, opts.now))
      page = page.where(condition);
  if (after !== null) page = page.where('a.id', '>', after);
  return page.orderBy('a.id').limit(size).execute() as Promise<ExportRow[]>;
}

/**
 * The export as text chunks (one per page): a CSV header then rows, or one JSON object per line.
 *
 * @example
 * const body = Readable.from(exportAccounts(db, ws, { filters: [{ grade: 'M100' }], columns: DEFAULT_EXPORT_COLUMNS, format: 'csv', now }));
 */
export async function* exportAccounts(
  db: Kysely<DB>,
  workspaceId: string,
  opts: ExportOptions,
): AsyncGenerator<string> {
  const size = opts.pageSize ?? 2000;
  const getters = opts.columns.map((c) => EXPORT_COLUMNS[c]);
  if (opts.format === 'csv') yield `${opts.columns.map(csvCell).join(',')}\r\n`;
  const pages = keysetPages(
    (after) => readPage(db, workspaceId, opts, after, size),
    (r) => r.id,
    size,
  );
  for await (const rows of pages) {
    opts.onPage?.(rows.length);
    let chunk = '';
    if (opts.format === 'csv') {
      for (const row of rows) chunk += `${getters.map((get) => csvCell(get(row))).join(',')}\r\n`;
    } else {
      for (const row of rows) {
        const obj: Record<string, Cell> = {};
        opts.columns.forEach((c, i) => {
          obj[c] = getters[i]!(row);
        });
        chunk += `${JSON.stringify(obj)}\n`;
      }
    }
    yield chunk;
  }
}

/**
 * `accounts-2026-12-07.csv`, `segment-hot-trials-2026-12-07.jsonl`: a download name safe in a
 * Content-Disposition header.
 *
 * @example exportFileName('Hot trials', 'csv', now)
 */
export function exportFileName(label: string | null, format: ExportFormat, now: Date): string {
  const slug = (label ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  const day = now.toISOString().slice(0, 10);
  return `${slug ? `segment-${slug}` : 'accounts'}-${day}.${format}`;
}
