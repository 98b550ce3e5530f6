import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { type DB, selectRows } from '../db/index.js';
import { type AccountFilter, accountFilterConditions } from '../scoring/index.js';
import { keysetPages } from './pages.js';

/**
 * Account lists as CSV (RFC 4180, spreadsheet-safe) or JSON lines, streamed from the database a
 * keyset page at a time: the first bytes leave after one page is read and memory stays flat
 * however many accounts there are.
 */

type Cell = string | number | null;

/** An export column: the database column it is read from, and how a value is written. */
interface ColumnSpec {
  /** `a.` the account, `s.` its scores, `f.` its billing facets, `m.` its stay in the segment. */
  from: `${'a' | 's' | 'f' | 'm'}.${string}`;
  /** Written as a number (Postgres may hand numeric values over as text). */
  number?: true;
  /** Rewrite the stored value. */
  write?: (value: string) => string;
}

/** Every column an export can hold, in the documented order (docs/segments.md). */
export const EXPORT_COLUMNS = {
  id: { from: 'a.id' },
  name: { from: 'a.name' },
  domain: { from: 'a.domain' },
  grade: { from: 's.grade' },
  score: { from: 's.score', number: true },
  health: { from: 's.health', number: true },
  expansion: { from: 's.expansion', number: true },
  churnRisk: { from: 's.churn_risk', number: true },
  fit: { from: 's.fit', number: true },
  plan: { from: 'f.plan' },
  billingStatus: { from: 'f.billing_status' },
  arr: { from: 'f.arr', number: true },
  owner: { from: 'a.owner_email' },
  ownerName: { from: 'a.owner_name' },
  // signal_keys is stored as ",a,b," (every contributing signal): no JSON to parse per row.
  topSignals: { from: 's.signal_keys', write: (keys) => keys.slice(1, -1).replaceAll(',', ';') },
  signupAt: { from: 'a.signup_at' },
  createdAt: { from: 'a.created_at' },
  scoredAt: { from: 's.scored_at' },
  enteredAt: { from: 'm.entered_at' },
} satisfies Record<string, ColumnSpec>;
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
  const first = value.charCodeAt(0);
  // = + - @ tab CR
  const safe =
    first === 61 || first === 43 || first === 45 || first === 64 || first === 9 || first === 13
      ? `'${value}`
      : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
const NEEDS_QUOTES = /[",\r\n]/;

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

/**
 * One keyset page as value arrays: the account id first (the page key), then each distinct column
 * the export writes. Only the tables those columns and the filters need are joined.
 */
function readPage(
  db: Kysely<DB>,
  workspaceId: string,
  opts: ExportOptions,
  selected: readonly string[],
  after: string | null,
  size: number,
) {
  const needs = (alias: string) => selected.some((c) => c.startsWith(`${alias}.`));
  let q = db.selectFrom('accounts as a').where('a.workspace_id', '=', workspaceId);
  // The filters' conditions read the scores as `s`.
  if (needs('s') || opts.filters.length > 0)
    q = q.leftJoin('account_scores as s', (j) =>
      j.onRef('s.account_id', '=', 'a.id').onRef('s.workspace_id', '=', 'a.workspace_id'),
    ) as typeof q;
  if (needs('f'))
    q = q.leftJoin('account_facets as f', (j) =>
      j.onRef('f.account_id', '=', 'a.id').onRef('f.workspace_id', '=', 'a.workspace_id'),
    ) as typeof q;
  if (opts.segmentId)
    q = q.innerJoin('segment_members as m', (j) =>
      j
        .onRef('m.account_id', '=', 'a.id')
        .onRef('m.workspace_id', '=', 'a.workspace_id')
        .on('m.segment_id', '=', opts.segmentId!)
        .on('m.left_at', 'is', null),
    ) as typeof q;
  for (const filter of opts.filters)
    for (const condition of accountFilterConditions(workspaceId, filter, opts.now)) q = q.where(condition);
  if (after !== null) q = q.where('a.id', '>', after);
  const columns = selected.map((c) =>
    // A stay's entry time exists only in a segment's export.
    c.startsWith('m.') && !opts.segmentId ? sql<null>`null` : sql.ref(c),
  );
  return selectRows(
    db,
    q
      .select([sql.ref('a.id').as('key'), ...columns.map((c, i) => c.as(`c${i}`))])
      .orderBy('a.id')
      .limit(size),
  );
}

/** How one row's cell of a column is read from the page's value arrays. */
function cellReaders(columns: readonly ExportColumn[], selected: string[]) {
  return columns.map((name) => {
    const spec: ColumnSpec = EXPORT_COLUMNS[name];
    const at = selected.indexOf(spec.from) + 1;
    if (spec.number) return (row: unknown[]): Cell => (row[at] === null ? null : Number(row[at]));
    const { write } = spec;
    if (write) return (row: unknown[]): Cell => (row[at] === null ? null : write(row[at] as string));
    return (row: unknown[]): Cell => row[at] as Cell;
  });
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
  const selected = [...new Set(opts.columns.map((c) => EXPORT_COLUMNS[c].from))];
  const cells = cellReaders(opts.columns, selected);
  const n = cells.length;
  if (opts.format === 'csv') yield `${opts.columns.map(csvCell).join(',')}\r\n`;
  const pages = keysetPages(
    (after) => readPage(db, workspaceId, opts, selected, after, size),
    (row) => row[0] as string,
    size,
  );
  for await (const rows of pages) {
    opts.onPage?.(rows.length);
    let chunk = '';
    if (opts.format === 'csv') {
      for (const row of rows) {
        let line = csvCell(cells[0]!(row));
        for (let k = 1; k < n; k++) line += `,${csvCell(cells[k]!(row))}`;
        chunk += `${line}\r\n`;
      }
    } else {
      for (const row of rows) {
        const obj: Record<string, Cell> = {};
        for (let k = 0; k < n; k++) obj[opts.columns[k]!] = cells[k]!(row);
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
