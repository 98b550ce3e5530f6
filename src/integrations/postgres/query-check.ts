/**
 * The shape check of a user's query before it is sent: one statement, starting with SELECT or WITH,
 * using exactly the parameters its contract gives. It is a courtesy that explains the refusal; the
 * real guard is the READ ONLY transaction every query runs in (client.ts), which refuses any write
 * a clever statement might hide (a data-modifying CTE, a function with side effects).
 */
import { SqlQueryError } from './errors.js';

/**
 * The query's code with comments, quoted literals, quoted identifiers and dollar-quoted bodies blanked
 * out, so a `;` or `$1` inside a string is not mistaken for code.
 *
 * @example codeOnly("select ';' as x -- a; b") // "select     as x         "
 */
export function codeOnly(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const rest = sql.slice(i);
    const dollar = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(rest);
    let end = -1;
    if (rest.startsWith('--')) {
      const nl = rest.indexOf('\n');
      end = nl < 0 ? sql.length : i + nl;
    } else if (rest.startsWith('/*')) {
      end = blockCommentEnd(sql, i);
    } else if (rest[0] === "'" || rest[0] === '"') {
      end = quotedEnd(sql, i, rest[0]);
    } else if (dollar) {
      const close = sql.indexOf(dollar[0], i + dollar[0].length);
      end = close < 0 ? sql.length : close + dollar[0].length;
    }
    if (end < 0) {
      out += sql[i];
      i++;
    } else {
      out += ' '.repeat(end - i);
      i = end;
    }
  }
  return out;
}

/** Postgres block comments nest. */
function blockCommentEnd(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return sql.length;
}

/** A quote is escaped by doubling it ('it''s'). */
function quotedEnd(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

export interface QueryContract {
  /** How the query is named in messages ("The usage query"). */
  what: string;
  /** The parameters it receives: `$1` … `$n` must each be used, none beyond. */
  parameters: { name: string; example: string }[];
}

/**
 * The query without a trailing `;`, or a SqlQueryError saying what to change.
 *
 * @example
 * checkSelect('select 1;', { what: 'The accounts query', parameters: [] }); // 'select 1'
 * checkSelect('delete from t', { what: 'The accounts query', parameters: [] }); // throws: not a SELECT
 */
export function checkSelect(sql: string, contract: QueryContract): string {
  const code = codeOnly(sql);
  const trimmedEnd = code.replace(/[\s;]+$/, '');
  const text = sql.slice(0, trimmedEnd.length).trim();
  const body = trimmedEnd.trim();
  if (body === '') throw new SqlQueryError(`${contract.what} is empty: write a SELECT.`);
  if (body.includes(';')) {
    throw new SqlQueryError(
      `${contract.what} holds more than one statement: give a single SELECT (or WITH … SELECT), without ";" between statements.`,
    );
  }
  const first = /^[A-Za-z]+/.exec(body)?.[0]?.toUpperCase();
  if (first !== 'SELECT' && first !== 'WITH') {
    throw new SqlQueryError(
      `${contract.what} must be a SELECT (or WITH … SELECT); it starts with ${first ? `"${first}"` : 'no keyword'}. Beton only reads.`,
    );
  }
  const used = new Set([...body.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
  const given = contract.parameters.length;
  const beyond = [...used].filter((n) => n < 1 || n > given).sort((a, b) => a - b);
  if (beyond.length > 0) {
    throw new SqlQueryError(
      given === 0
        ? `${contract.what} takes no parameters; remove $${beyond[0]}.`
        : `${contract.what} takes ${contract.parameters.map((p, k) => `$${k + 1} (${p.name})`).join(', ')} only; remove $${beyond[0]}.`,
    );
  }
  contract.parameters.forEach((p, k) => {
    if (!used.has(k + 1)) {
      throw new SqlQueryError(
        `${contract.what} must use $${k + 1}, ${p.name}, so each run reads only what changed: e.g. ${p.example}.`,
      );
    }
  });
  return text;
}
