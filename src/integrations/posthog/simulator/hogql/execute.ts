import { type Expr, HogQLError, parseHogQL, type SelectQuery } from './parser.js';

/**
 * Executes a parsed HogQL SELECT over an event table, honestly: every row the WHERE admits is
 * evaluated; aggregates, GROUP BY, HAVING, ORDER BY, LIMIT and OFFSET behave as in ClickHouse for
 * the subset supported. Expressions are compiled to closures once per query.
 *
 * A row may stand for `count` identical events (the dataset coalesces a person's repeated events of
 * a day): aggregates weight it by `count`; a plain SELECT expands it into `count` rows, one second
 * apart, each with its own uuid.
 */

export interface EventRow {
  uuid: string;
  event: string;
  /** Unix milliseconds. */
  time: number;
  distinctId: string;
  personId: string;
  groupKey: string;
  properties: Record<string, unknown>;
  count: number;
}

export interface PersonRow {
  id: string;
  createdAt: string;
  properties: Record<string, unknown>;
}

/** Where rows come from. `scan` may skip rows outside the hinted range; it must not skip any inside. */
export interface EventTable {
  scan(hint: ScanHint, visit: (row: EventRow) => void): void;
  person(personId: string): PersonRow | undefined;
}

export interface ScanHint {
  /** Unix ms, inclusive. */
  fromMs: number;
  /** Unix ms, exclusive. */
  toMs: number;
  /** Only these `$group_0` keys can match (null: any). */
  groupKeys: Set<string> | null;
}

export interface QueryOptions {
  values?: Record<string, unknown>;
  /** Rows returned without an explicit LIMIT (PostHog: 100). */
  defaultLimit?: number;
  /** The most an explicit LIMIT may ask for (PostHog: 50,000). */
  maxLimit?: number;
  /** A plain SELECT that would materialise more rows than this fails, as a memory limit would. */
  maxRows?: number;
  now?: () => number;
}

export interface QueryResult {
  columns: string[];
  types: string[];
  results: unknown[][];
  hasMore: boolean;
  limit: number;
  offset: number;
  /** Rows (runs) the scan visited. */
  rowsScanned: number;
}

type RowFn = (row: EventRow, copy: number) => unknown;
type GroupFn = (group: Group) => unknown;

interface Group {
  keys: unknown[];
  accs: unknown[];
}

interface Scanned {
  output: unknown[][];
  sortKeys: unknown[][];
  rowsScanned: number;
}

interface Aggregate {
  signature: string;
  init(): unknown;
  add(acc: unknown, row: EventRow): unknown;
  result(acc: unknown): unknown;
}

const AGGREGATES = new Set([
  'count',
  'countif',
  'uniq',
  'uniqexact',
  'sum',
  'sumif',
  'avg',
  'min',
  'max',
  'any',
]);

/** A parsed, compiled query: evaluate it once, page it many times. */
export interface PreparedQuery {
  /** Identifies the result regardless of LIMIT/OFFSET, for caching. */
  cacheKey: string;
  limit: number;
  offset: number;
  evaluate(): EvaluatedQuery;
}

/** Every row of a query in order, before LIMIT/OFFSET. */
export interface EvaluatedQuery {
  columns: string[];
  items: readonly Expr[];
  rows: unknown[][];
  rowsScanned: number;
}

/**
 * Parse and compile a query (syntax and unknown fields fail here, as a HogQL 400).
 *
 * @example
 * const prepared = prepareHogQL("SELECT event, count() FROM events GROUP BY event LIMIT 10", table);
 * const result = pageOf(prepared.evaluate(), prepared);
 */
export function prepareHogQL(text: string, table: EventTable, options: QueryOptions = {}): PreparedQuery {
  const query = parseHogQL(text);
  if (query.table !== 'events')
    throw new HogQLError(`Unknown table "${query.table}": the simulator serves "events"`);
  const compiler = new Compiler(query, table, options);
  const run = compiler.compile();
  const limit = Math.min(query.limit ?? options.defaultLimit ?? 100, options.maxLimit ?? 50_000);
  return {
    cacheKey: `${JSON.stringify({ ...query, limit: null, offset: null })}${JSON.stringify(options.values ?? {})}`,
    limit,
    offset: query.offset ?? 0,
    evaluate: run,
  };
}

/** One page of an evaluated query, shaped like PostHog's answer. */
export function pageOf(
  evaluated: EvaluatedQuery,
  prepared: Pick<PreparedQuery, 'limit' | 'offset'>,
): QueryResult {
  const { limit, offset } = prepared;
  const page = evaluated.rows.slice(offset, offset + limit).map((row) => row.map(serialize));
  return {
    columns: evaluated.columns,
    types: evaluated.items.map((item, k) => typeName(item, page[0]?.[k])),
    results: page,
    hasMore: evaluated.rows.length > offset + limit,
    limit,
    offset,
    rowsScanned: evaluated.rowsScanned,
  };
}

/**
 * Run one HogQL query.
 *
 * @example
 * executeHogQL("SELECT event, count() FROM events WHERE timestamp >= {from} GROUP BY event",
 *   table, { values: { from: '2025-05-01' } });
 */
export function executeHogQL(text: string, table: EventTable, options: QueryOptions = {}): QueryResult {
  const prepared = prepareHogQL(text, table, options);
  return pageOf(prepared.evaluate(), prepared);
}

class Compiler {
  private readonly aliases = new Map<string, Expr>();
  private readonly values: Record<string, unknown>;
  private readonly now: () => number;

  constructor(
    private readonly query: SelectQuery,
    private readonly table: EventTable,
    private readonly options: QueryOptions,
  ) {
    this.values = options.values ?? {};
    this.now = options.now ?? Date.now;
    for (const item of query.items) if (item.alias) this.aliases.set(item.alias, item.expr);
  }

  /** Compile everything now (so errors surface before any scan); the returned function scans. */
  compile(): () => EvaluatedQuery {
    const q = this.query;
    const where = q.where ? this.row(q.where) : null;
    const hint = this.scanHint();
    const columns = q.items.map((item, k) => item.alias ?? columnName(item.expr, k));
    const items = q.items.map((i) => i.expr);
    const aggregating =
      q.groupBy.length > 0 || q.having !== null || q.items.some((i) => hasAggregate(i.expr));
    const scan = aggregating ? this.compileAggregate(where, hint) : this.compilePlain(where, hint);
    const desc = q.orderBy.map((o) => o.desc);
    return () => {
      const { output, sortKeys, rowsScanned } = scan();
      let order = output.map((_, k) => k);
      if (desc.length > 0) {
        order.sort((a, b) => {
          const ka = sortKeys[a]!;
          const kb = sortKeys[b]!;
          for (let k = 0; k < desc.length; k++) {
            const c = compareForSort(ka[k], kb[k]);
            if (c !== 0) return desc[k] ? -c : c;
          }
          return a - b;
        });
      }
      if (q.distinct) {
        const seen = new Set<string>();
        order = order.filter((k) => {
          const id = JSON.stringify(output[k]);
          if (seen.has(id)) return false;
          seen.add(id);
          return true;
        });
      }
      return { columns, items, rows: order.map((k) => output[k]!), rowsScanned };
    };
  }

  private compileAggregate(where: RowFn | null, hint: ScanHint): () => Scanned {
    const q = this.query;
    const groupExprs = q.groupBy.map((e) => this.resolveAlias(e));
    const groupSignatures = new Map(groupExprs.map((e, k) => [signature(e), k]));
    const groupFns = groupExprs.map((e) => this.row(e));
    const aggs: Aggregate[] = [];
    const itemFns = q.items.map((i) => this.group(i.expr, groupSignatures, aggs));
    const havingFn = q.having ? this.group(this.resolveAlias(q.having), groupSignatures, aggs) : null;
    const orderFns = q.orderBy.map((o) => this.group(this.resolveAlias(o.expr), groupSignatures, aggs));
    return () => {
      let rowsScanned = 0;
      // Groups in nested maps, one level per GROUP BY key: no key strings built per row.
      const root = new Map<unknown, unknown>();
      const groups: Group[] = [];
      const depth = groupFns.length;
      this.table.scan(hint, (row) => {
        rowsScanned++;
        if (where && !truthy(where(row, 0))) return;
        let level = root;
        let g: Group | undefined;
        for (let k = 0; k < depth; k++) {
          const key = mapKey(groupFns[k]!(row, 0));
          let next = level.get(key);
          if (next === undefined) {
            next =
              k === depth - 1
                ? { keys: groupFns.map((f) => f(row, 0)), accs: aggs.map((a) => a.init()) }
                : new Map();
            if (k === depth - 1) groups.push(next as Group);
            level.set(key, next);
          }
          if (k === depth - 1) g = next as Group;
          else level = next as Map<unknown, unknown>;
        }
        if (depth === 0) {
          if (groups.length === 0) groups.push({ keys: [], accs: aggs.map((a) => a.init()) });
          g = groups[0];
        }
        for (let k = 0; k < aggs.length; k++) g!.accs[k] = aggs[k]!.add(g!.accs[k], row);
      });
      // An aggregate without GROUP BY answers one row even when nothing matched.
      if (groups.length === 0 && depth === 0) groups.push({ keys: [], accs: aggs.map((a) => a.init()) });
      const output: unknown[][] = [];
      const sortKeys: unknown[][] = [];
      for (const g of groups) {
        if (havingFn && !truthy(havingFn(g))) continue;
        output.push(itemFns.map((f) => f(g)));
        sortKeys.push(orderFns.map((f) => f(g)));
      }
      return { output, sortKeys, rowsScanned };
    };
  }

  private compilePlain(where: RowFn | null, hint: ScanHint): () => Scanned {
    const q = this.query;
    const itemFns = q.items.map((i) => this.row(i.expr));
    const orderFns = q.orderBy.map((o) => this.row(this.resolveAlias(o.expr)));
    const maxRows = this.options.maxRows ?? 2_000_000;
    return () => {
      let rowsScanned = 0;
      const output: unknown[][] = [];
      const sortKeys: unknown[][] = [];
      this.table.scan(hint, (row) => {
        rowsScanned++;
        for (let copy = 0; copy < row.count; copy++) {
          if (where && !truthy(where(row, copy))) continue;
          output.push(itemFns.map((f) => f(row, copy)));
          sortKeys.push(orderFns.map((f) => f(row, copy)));
          if (output.length > maxRows) {
            throw new HogQLError(
              `Query exceeds the memory limit (${maxRows} rows): aggregate, or narrow the WHERE clause`,
            );
          }
        }
      });
      return { output, sortKeys, rowsScanned };
    };
  }

  /** Top-level AND conjuncts that bound the scan: timestamp ranges and `$group_0` keys. */
  private scanHint(): ScanHint {
    const hint: ScanHint = {
      fromMs: Number.NEGATIVE_INFINITY,
      toMs: Number.POSITIVE_INFINITY,
      groupKeys: null,
    };
    const conjuncts: Expr[] = [];
    const collect = (e: Expr) => {
      if (e.k === 'binary' && e.op === 'and') {
        collect(e.left);
        collect(e.right);
      } else conjuncts.push(e);
    };
    if (this.query.where) collect(this.query.where);
    for (const c of conjuncts) {
      if (c.k === 'binary' && ['<', '<=', '>', '>=', '='].includes(c.op)) {
        const [fieldSide, valueSide, flipped] = this.isTimestamp(c.left)
          ? [c.left, c.right, false]
          : this.isTimestamp(c.right)
            ? [c.right, c.left, true]
            : [null, null, false];
        if (fieldSide && valueSide && !hasField(valueSide)) {
          const bound = toDateTime(this.row(valueSide)(EMPTY_ROW, 0));
          if (bound === null) continue;
          let ms = bound.getTime();
          const dayLevel = fieldSide.k === 'call';
          const op = flipped ? flip(c.op) : c.op;
          if (dayLevel) {
            // toDate(timestamp) OP day: widen to whole days.
            ms = Math.floor(ms / 86_400_000) * 86_400_000;
            if (op === '>=' || op === '=') hint.fromMs = Math.max(hint.fromMs, ms);
            if (op === '>') hint.fromMs = Math.max(hint.fromMs, ms + 86_400_000);
            if (op === '<') hint.toMs = Math.min(hint.toMs, ms);
            if (op === '<=' || op === '=') hint.toMs = Math.min(hint.toMs, ms + 86_400_000);
          } else {
            if (op === '>=' || op === '>' || op === '=') hint.fromMs = Math.max(hint.fromMs, ms);
            if (op === '<' || op === '<=' || op === '=')
              hint.toMs = Math.min(hint.toMs, ms + (op === '<' ? 0 : 1));
          }
        }
        if (c.op === '=' && this.isGroup0(c.left) && !hasField(c.right)) {
          hint.groupKeys = new Set([String(this.row(c.right)(EMPTY_ROW, 0))]);
        }
      }
      if (c.k === 'in' && !c.negated && this.isGroup0(c.expr) && !hasField(c.list)) {
        const list = this.row(c.list)(EMPTY_ROW, 0);
        if (Array.isArray(list)) hint.groupKeys = new Set(list.map(String));
      }
    }
    return hint;
  }

  private isTimestamp(e: Expr): boolean {
    const field = (x: Expr) => x.k === 'field' && this.fieldPath(x.path).join('.') === 'timestamp';
    if (field(e)) return true;
    return (
      e.k === 'call' &&
      ['todate', 'tostartofday'].includes(e.name.toLowerCase()) &&
      e.args.length === 1 &&
      field(e.args[0]!)
    );
  }

  private isTimestampField(e: Expr): boolean {
    return e.k === 'field' && this.fieldPath(e.path).join('.') === 'timestamp';
  }

  /**
   * Comparisons against a constant, compiled without allocating: `timestamp >= {from}` compares
   * milliseconds, `event = '$pageview'` compares strings. Other shapes fall back to the general path.
   */
  private fastComparison(e: Extract<Expr, { k: 'binary' }>): RowFn | null {
    const ops = ['=', '!=', '<', '<=', '>', '>='];
    if (!ops.includes(e.op)) return null;
    let [fieldSide, constSide, op] = [e.left, e.right, e.op as string];
    if (hasField(constSide)) {
      if (hasField(fieldSide)) return null;
      [fieldSide, constSide, op] = [e.right, e.left, flip(e.op)];
    }
    const constant = this.row(constSide)(EMPTY_ROW, 0);
    if (constant === null || constant === undefined) return null;
    const test = comparisonTest(op);
    if (this.isTimestampField(fieldSide)) {
      const bound = toDateTime(constant);
      if (!bound) throw new HogQLError(`Cannot compare a DateTime with ${JSON.stringify(constant)}`);
      const ms = bound.getTime();
      return (r, c) => test(Math.sign(r.time + c * 1000 - ms));
    }
    if (typeof constant !== 'string') return null;
    const f = this.row(fieldSide);
    return (r, c) => {
      const v = f(r, c);
      if (v === null || v === undefined) return null;
      if (typeof v === 'string') return test(v < constant ? -1 : v > constant ? 1 : 0);
      const general = compare(v, constant);
      return general === null ? null : test(general);
    };
  }

  private isGroup0(e: Expr): boolean {
    return e.k === 'field' && this.fieldPath(e.path).join('.') === '$group_0';
  }

  private resolveAlias(e: Expr): Expr {
    if (e.k === 'field' && e.path.length === 1 && !COLUMNS.has(e.path[0]!) && this.aliases.has(e.path[0]!)) {
      return this.aliases.get(e.path[0]!)!;
    }
    return e;
  }

  private fieldPath(path: string[]): string[] {
    const alias = this.query.tableAlias;
    if ((alias && path[0] === alias && path.length > 1) || (path[0] === 'events' && path.length > 1))
      return path.slice(1);
    return path;
  }

  /** Compile an expression evaluated per row. */
  row(e: Expr): RowFn {
    switch (e.k) {
      case 'const': {
        const v = e.v;
        return () => v;
      }
      case 'placeholder': {
        if (!(e.name in this.values))
          throw new HogQLError(`Placeholder {${e.name}} is not available in this context`);
        const v = this.values[e.name];
        return () => v;
      }
      case 'star':
        throw new HogQLError('SELECT * is not supported here: name the columns');
      case 'tuple': {
        const items = e.items.map((i) => this.row(i));
        return (r, c) => items.map((f) => f(r, c));
      }
      case 'field':
        return this.field(e.path);
      case 'not': {
        const f = this.row(e.expr);
        return (r, c) => {
          const v = f(r, c);
          return v === null ? null : !truthy(v);
        };
      }
      case 'neg': {
        const f = this.row(e.expr);
        return (r, c) => {
          const v = f(r, c);
          return v === null ? null : -Number(v);
        };
      }
      case 'isNull': {
        const f = this.row(e.expr);
        return e.negated ? (r, c) => f(r, c) !== null : (r, c) => f(r, c) === null;
      }
      case 'in': {
        const f = this.row(e.expr);
        const listFn = this.row(e.list);
        const negated = e.negated;
        if (!hasField(e.list)) {
          const list = listFn(EMPTY_ROW, 0);
          const items = Array.isArray(list) ? list : [list];
          if (items.every((x) => typeof x === 'string')) {
            const strings = new Set(items as string[]);
            return (r, c) => {
              const v = f(r, c);
              if (v === null) return null;
              return (
                (typeof v === 'string' ? strings.has(v) : items.some((x) => compare(v, x) === 0)) !== negated
              );
            };
          }
          const set = new Set(items.map(keyString));
          return (r, c) => {
            const v = f(r, c);
            if (v === null) return null;
            return set.has(keyString(v)) !== negated;
          };
        }
        return (r, c) => {
          const list = listFn(r, c);
          const items = Array.isArray(list) ? list : [list];
          const v = f(r, c);
          return items.some((x) => compare(v, x) === 0) !== negated;
        };
      }
      case 'binary':
        return this.fastComparison(e) ?? this.binary(e.op, this.row(e.left), this.row(e.right));
      case 'call':
        if (AGGREGATES.has(e.name.toLowerCase())) {
          throw new HogQLError(`Aggregate function ${e.name}() is not allowed here`);
        }
        if (e.name.toLowerCase() === 'todate' && e.args.length === 1 && this.isTimestampField(e.args[0]!)) {
          return dayOfRow();
        }
        return this.call(
          e.name,
          e.args.map((a) => this.row(a)),
        );
    }
  }

  /** Compile an expression evaluated per group: group keys, aggregates, and functions of them. */
  private group(e: Expr, groupSignatures: Map<string, number>, aggs: Aggregate[]): GroupFn {
    const sig = signature(e);
    const keyIndex = groupSignatures.get(sig);
    if (keyIndex !== undefined) return (g) => g.keys[keyIndex];
    switch (e.k) {
      case 'const':
      case 'placeholder': {
        const f = this.row(e);
        const v = f(EMPTY_ROW, 0);
        return () => v;
      }
      case 'field': {
        const resolved = this.resolveAlias(e);
        if (resolved !== e) return this.group(resolved, groupSignatures, aggs);
        throw new HogQLError(
          `Column ${e.path.join('.')} is neither in GROUP BY nor inside an aggregate function`,
        );
      }
      case 'call': {
        const name = e.name.toLowerCase();
        if (AGGREGATES.has(name)) {
          let index = aggs.findIndex((a) => a.signature === sig);
          if (index < 0) {
            aggs.push(this.aggregate(name, e, sig));
            index = aggs.length - 1;
          }
          const agg = aggs[index]!;
          return (g) => agg.result(g.accs[index]);
        }
        const args = e.args.map((a) => this.group(a, groupSignatures, aggs));
        const fn = this.call(
          e.name,
          args.map((a) => (g: EventRow) => a(g as unknown as Group)),
        );
        return (g) => fn(g as unknown as EventRow, 0);
      }
      case 'binary': {
        const l = this.group(e.left, groupSignatures, aggs);
        const r = this.group(e.right, groupSignatures, aggs);
        const fn = this.binary(
          e.op,
          (g) => l(g as unknown as Group),
          (g) => r(g as unknown as Group),
        );
        return (g) => fn(g as unknown as EventRow, 0);
      }
      case 'not': {
        const f = this.group(e.expr, groupSignatures, aggs);
        return (g) => {
          const v = f(g);
          return v === null ? null : !truthy(v);
        };
      }
      case 'neg': {
        const f = this.group(e.expr, groupSignatures, aggs);
        return (g) => -Number(f(g));
      }
      case 'isNull': {
        const f = this.group(e.expr, groupSignatures, aggs);
        return e.negated ? (g) => f(g) !== null : (g) => f(g) === null;
      }
      case 'in': {
        const f = this.group(e.expr, groupSignatures, aggs);
        const list = this.group(e.list, groupSignatures, aggs);
        return (g) => {
          const l = list(g);
          const items = Array.isArray(l) ? l : [l];
          return items.some((x) => compare(f(g), x) === 0) !== e.negated;
        };
      }
      case 'tuple': {
        const items = e.items.map((i) => this.group(i, groupSignatures, aggs));
        return (g) => items.map((f) => f(g));
      }
      case 'star':
        throw new HogQLError('SELECT * is not supported here: name the columns');
    }
  }

  private aggregate(name: string, e: Extract<Expr, { k: 'call' }>, sig: string): Aggregate {
    const arg = (k: number) => {
      const a = e.args[k];
      if (!a) throw new HogQLError(`${e.name}() needs ${k + 1} argument${k ? 's' : ''}`);
      return this.row(a);
    };
    if (name === 'count' && (e.args.length === 0 || e.args[0]!.k === 'star')) {
      return {
        signature: sig,
        init: () => 0,
        add: (acc, r) => (acc as number) + r.count,
        result: (acc) => acc,
      };
    }
    if ((name === 'count' && e.distinct) || name === 'uniq' || name === 'uniqexact') {
      const f = arg(0);
      return {
        signature: sig,
        init: () => new Set<unknown>(),
        add: (acc, r) => {
          const v = f(r, 0);
          if (v !== null)
            (acc as Set<unknown>).add(v instanceof Date ? v.getTime() : Array.isArray(v) ? keyString(v) : v);
          return acc;
        },
        result: (acc) => (acc as Set<unknown>).size,
      };
    }
    if (name === 'count') {
      const f = arg(0);
      return {
        signature: sig,
        init: () => 0,
        add: (acc, r) => (acc as number) + (f(r, 0) === null ? 0 : r.count),
        result: (acc) => acc,
      };
    }
    if (name === 'countif') {
      const f = arg(0);
      return {
        signature: sig,
        init: () => 0,
        add: (acc, r) => (acc as number) + (truthy(f(r, 0)) ? r.count : 0),
        result: (acc) => acc,
      };
    }
    if (name === 'sum' || name === 'sumif') {
      const f = arg(0);
      const cond = name === 'sumif' ? arg(1) : null;
      return {
        signature: sig,
        init: () => 0,
        add: (acc, r) => (cond && !truthy(cond(r, 0)) ? acc : (acc as number) + toNumber(f(r, 0)) * r.count),
        result: (acc) => acc,
      };
    }
    if (name === 'avg') {
      const f = arg(0);
      return {
        signature: sig,
        init: () => ({ sum: 0, n: 0 }),
        add: (acc, r) => {
          const v = f(r, 0);
          if (v === null) return acc;
          const a = acc as { sum: number; n: number };
          a.sum += toNumber(v) * r.count;
          a.n += r.count;
          return a;
        },
        result: (acc) => {
          const a = acc as { sum: number; n: number };
          return a.n === 0 ? null : a.sum / a.n;
        },
      };
    }
    const f = arg(0);
    const pick = name === 'min' ? -1 : name === 'max' ? 1 : 0;
    return {
      signature: sig,
      init: () => null,
      add: (acc, r) => {
        const v = f(r, 0);
        if (v === null) return acc;
        if (acc === null) return v;
        if (pick === 0) return acc;
        return compareForSort(v, acc) * pick > 0 ? v : acc;
      },
      result: (acc) => acc,
    };
  }

  private field(rawPath: string[]): RowFn {
    const path = this.fieldPath(rawPath);
    const [head, ...rest] = path;
    if (path.length === 1 && !COLUMNS.has(head!) && this.aliases.has(head!))
      return this.row(this.aliases.get(head!)!);
    switch (head) {
      case 'event':
        return (r) => r.event;
      case 'timestamp':
        return (r, c) => new Date(r.time + c * 1000);
      case 'uuid':
        return (r, c) => (c === 0 ? r.uuid : copyUuid(r.uuid, c));
      case 'distinct_id':
        return (r) => r.distinctId;
      case 'person_id':
        return (r) => r.personId;
      case '$group_0':
        return (r) => r.groupKey;
      case '$group_1':
      case '$group_2':
      case '$group_3':
      case '$group_4':
        return () => '';
      case 'properties': {
        if (rest.length === 0) return (r) => JSON.stringify(r.properties);
        const key = rest[0]!;
        return (r) => (rest.length === 1 ? (r.properties[key] ?? null) : null);
      }
      case 'person': {
        if (rest[0] === 'id') return (r) => r.personId;
        if (rest[0] === 'created_at')
          return (r) => toDateTime(this.table.person(r.personId)?.createdAt ?? null);
        if (rest[0] === 'properties' && rest.length === 2) {
          const key = rest[1]!;
          return (r) => this.table.person(r.personId)?.properties[key] ?? null;
        }
        break;
      }
    }
    throw new HogQLError(`Unable to resolve field: ${rawPath.join('.')}`);
  }

  private binary(op: string, l: RowFn, r: RowFn): RowFn {
    switch (op) {
      case 'and':
        return (row, c) => {
          const a = l(row, c);
          if (a !== null && !truthy(a)) return false;
          const b = r(row, c);
          if (b !== null && !truthy(b)) return false;
          return a === null || b === null ? null : true;
        };
      case 'or':
        return (row, c) => {
          const a = l(row, c);
          if (truthy(a)) return true;
          const b = r(row, c);
          if (truthy(b)) return true;
          return a === null || b === null ? null : false;
        };
      case '=':
        return (row, c) => cmp(l(row, c), r(row, c), (x) => x === 0);
      case '!=':
        return (row, c) => cmp(l(row, c), r(row, c), (x) => x !== 0);
      case '<':
        return (row, c) => cmp(l(row, c), r(row, c), (x) => x < 0);
      case '<=':
        return (row, c) => cmp(l(row, c), r(row, c), (x) => x <= 0);
      case '>':
        return (row, c) => cmp(l(row, c), r(row, c), (x) => x > 0);
      case '>=':
        return (row, c) => cmp(l(row, c), r(row, c), (x) => x >= 0);
      case 'like':
      case 'not like':
      case 'ilike': {
        const negate = op === 'not like';
        const flags = op === 'ilike' ? 'i' : '';
        let cachedPattern: unknown;
        let matches: (text: string) => boolean = () => false;
        return (row, c) => {
          const v = l(row, c);
          const p = r(row, c);
          if (v === null || p === null) return null;
          if (p !== cachedPattern) {
            cachedPattern = p;
            matches = likeMatcher(String(p), flags);
          }
          return matches(String(v)) !== negate;
        };
      }
      case '+':
      case '-':
      case '*':
      case '/':
      case '%':
        return (row, c) => arithmetic(op, l(row, c), r(row, c));
    }
    throw new HogQLError(`Unsupported operator ${op}`);
  }

  private call(name: string, args: RowFn[]): RowFn {
    const lower = name.toLowerCase();
    const need = (n: number) => {
      if (args.length !== n)
        throw new HogQLError(`Function ${name}() takes ${n} argument${n === 1 ? '' : 's'}`);
    };
    const [a, b, c] = args;
    switch (lower) {
      case 'todate':
        need(1);
        return (r, k) => {
          const d = toDateTime(a!(r, k));
          return d === null ? null : d.toISOString().slice(0, 10);
        };
      case 'tostartofday':
        need(1);
        return (r, k) => {
          const d = toDateTime(a!(r, k));
          return d === null ? null : new Date(Math.floor(d.getTime() / 86_400_000) * 86_400_000);
        };
      case 'todatetime':
      case 'parsedatetimebesteffort':
        need(1);
        return (r, k) => toDateTime(a!(r, k));
      case 'tostring':
        need(1);
        return (r, k) => {
          const v = a!(r, k);
          return v === null ? null : v instanceof Date ? formatDateTime(v) : String(v);
        };
      case 'toint':
      case 'toint64':
      case 'tointornull':
        need(1);
        return (r, k) => {
          const v = a!(r, k);
          const n = typeof v === 'number' ? v : Number.parseInt(String(v), 10);
          return v === null || Number.isNaN(n) ? (lower === 'tointornull' ? null : 0) : Math.trunc(n);
        };
      case 'tofloat':
      case 'tofloat64':
      case 'tofloatornull':
        need(1);
        return (r, k) => {
          const v = a!(r, k);
          const n = Number(v);
          return v === null || Number.isNaN(n) ? (lower === 'tofloatornull' ? null : 0) : n;
        };
      case 'lower':
        need(1);
        return (r, k) => {
          const v = a!(r, k);
          return v === null ? null : String(v).toLowerCase();
        };
      case 'upper':
        need(1);
        return (r, k) => {
          const v = a!(r, k);
          return v === null ? null : String(v).toUpperCase();
        };
      case 'length':
        need(1);
        return (r, k) => {
          const v = a!(r, k);
          return Array.isArray(v) ? v.length : v === null ? 0 : String(v).length;
        };
      case 'concat':
        return (r, k) => args.map((f) => toText(f(r, k))).join('');
      case 'startswith':
        need(2);
        return (r, k) => {
          const v = a!(r, k);
          return v === null ? null : String(v).startsWith(String(b!(r, k)));
        };
      case 'endswith':
        need(2);
        return (r, k) => {
          const v = a!(r, k);
          return v === null ? null : String(v).endsWith(String(b!(r, k)));
        };
      case 'empty':
      case 'notempty':
        need(1);
        return (r, k) => {
          const v = a!(r, k);
          const empty = v === null || v === '' || (Array.isArray(v) && v.length === 0);
          return lower === 'empty' ? empty : !empty;
        };
      case 'if':
        need(3);
        return (r, k) => (truthy(a!(r, k)) ? b!(r, k) : c!(r, k));
      case 'multiif': {
        if (args.length < 3 || args.length % 2 === 0)
          throw new HogQLError('multiIf() takes pairs of condition, value and a default');
        return (r, k) => {
          for (let i = 0; i + 1 < args.length; i += 2) if (truthy(args[i]!(r, k))) return args[i + 1]!(r, k);
          return args[args.length - 1]!(r, k);
        };
      }
      case 'coalesce':
      case 'ifnull':
        return (r, k) => {
          for (const f of args) {
            const v = f(r, k);
            if (v !== null && v !== undefined) return v;
          }
          return null;
        };
      case 'now':
        need(0);
        return () => new Date(this.now());
      case 'today':
        need(0);
        return () => new Date(this.now()).toISOString().slice(0, 10);
      case 'and':
        return (r, k) => args.every((f) => truthy(f(r, k)));
      case 'or':
        return (r, k) => args.some((f) => truthy(f(r, k)));
      case 'equals':
        need(2);
        return (r, k) => cmp(a!(r, k), b!(r, k), (x) => x === 0);
      case 'tuple':
        return (r, k) => args.map((f) => f(r, k));
    }
    throw new HogQLError(`Unsupported function: ${name}()`);
  }
}

/** `toDate(timestamp)` per row, remembering the last day (rows arrive day by day). */
function dayOfRow(): RowFn {
  let lastDay = Number.NaN;
  let lastText = '';
  return (r, c) => {
    const day = Math.floor((r.time + c * 1000) / 86_400_000);
    if (day !== lastDay) {
      lastDay = day;
      lastText = new Date(day * 86_400_000).toISOString().slice(0, 10);
    }
    return lastText;
  };
}

const COLUMNS = new Set([
  'event',
  'timestamp',
  'uuid',
  'distinct_id',
  'person_id',
  'properties',
  'person',
  '$group_0',
  '$group_1',
  '$group_2',
  '$group_3',
  '$group_4',
]);

const EMPTY_ROW: EventRow = {
  uuid: '',
  event: '',
  time: 0,
  distinctId: '',
  personId: '',
  groupKey: '',
  properties: {},
  count: 1,
};

function hasAggregate(e: Expr): boolean {
  if (e.k === 'call') return AGGREGATES.has(e.name.toLowerCase()) || e.args.some(hasAggregate);
  if (e.k === 'binary') return hasAggregate(e.left) || hasAggregate(e.right);
  if (e.k === 'not' || e.k === 'neg' || e.k === 'isNull') return hasAggregate(e.expr);
  if (e.k === 'in') return hasAggregate(e.expr) || hasAggregate(e.list);
  if (e.k === 'tuple') return e.items.some(hasAggregate);
  return false;
}

function hasField(e: Expr): boolean {
  if (e.k === 'field' || e.k === 'star') return true;
  if (e.k === 'call') return e.args.some(hasField);
  if (e.k === 'binary') return hasField(e.left) || hasField(e.right);
  if (e.k === 'not' || e.k === 'neg' || e.k === 'isNull') return hasField(e.expr);
  if (e.k === 'in') return hasField(e.expr) || hasField(e.list);
  if (e.k === 'tuple') return e.items.some(hasField);
  return false;
}

function signature(e: Expr): string {
  return JSON.stringify(e, (key, value) =>
    key === 'name' && typeof value === 'string' ? value.toLowerCase() : value,
  );
}

function columnName(e: Expr, k: number): string {
  if (e.k === 'field') return e.path.join('.');
  if (e.k === 'call')
    return `${e.name}(${e.args.map((a) => (a.k === 'field' ? a.path.join('.') : '')).join(', ')})`;
  return `column_${k}`;
}

function flip(op: string): string {
  return op === '<' ? '>' : op === '>' ? '<' : op === '<=' ? '>=' : op === '>=' ? '<=' : op;
}

function truthy(v: unknown): boolean {
  return v !== null && v !== undefined && v !== false && v !== 0 && v !== '';
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === null || v === undefined) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const n = Number(v);
  return Number.isNaN(n) ? 0 : n;
}

function toText(v: unknown): string {
  if (v === null || v === undefined) return '';
  return v instanceof Date ? formatDateTime(v) : String(v);
}

/** A Map key for a value: primitives as themselves (1 and '1' stay apart), dates by time, tuples as text. */
function mapKey(v: unknown): unknown {
  if (v instanceof Date) return v.getTime();
  if (Array.isArray(v)) return keyString(v);
  return v === undefined ? null : v;
}

function keyString(v: unknown): string {
  if (v instanceof Date) return `d${v.getTime()}`;
  if (typeof v === 'number') return `n${v}`;
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return `b${v}`;
  if (Array.isArray(v)) return `[${v.map(keyString).join(',')}]`;
  return `s${String(v)}`;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(:\d{2}(\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?$/;

/** A DateTime from a Date, a date or date-time string (UTC unless it says otherwise) or unix seconds. */
export function toDateTime(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v;
  if (typeof v === 'number') return new Date(v * 1000);
  const s = String(v).trim();
  if (DATE_ONLY.test(s)) return new Date(`${s}T00:00:00Z`);
  const m = DATE_TIME.exec(s);
  if (m) return new Date(`${m[1]}T${m[2]}${m[5] ?? 'Z'}`);
  const parsed = Date.parse(s);
  return Number.isNaN(parsed) ? null : new Date(parsed);
}

function compare(a: unknown, b: unknown): number | null {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  if (a instanceof Date || b instanceof Date) {
    const da = toDateTime(a);
    const db = toDateTime(b);
    if (!da || !db)
      throw new HogQLError(`Cannot compare a DateTime with ${JSON.stringify(a instanceof Date ? b : a)}`);
    return Math.sign(da.getTime() - db.getTime());
  }
  if (typeof a === 'boolean' || typeof b === 'boolean') return Math.sign(toNumber(a) - toNumber(b));
  if (typeof a === 'number' || typeof b === 'number') {
    const na = Number(a);
    const nb = Number(b);
    if (!Number.isNaN(na) && !Number.isNaN(nb)) return Math.sign(na - nb);
  }
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function cmp(a: unknown, b: unknown, test: (c: number) => boolean): boolean | null {
  const c = compare(a, b);
  return c === null ? null : test(c);
}

/** Sort order: NULLs last, as ClickHouse does by default. */
function compareForSort(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  const an = a === null || a === undefined;
  const bn = b === null || b === undefined;
  if (an || bn) return an === bn ? 0 : an ? 1 : -1;
  return compare(a, b) ?? 0;
}

function arithmetic(op: string, a: unknown, b: unknown): unknown {
  if (a === null || b === null) return null;
  if (a instanceof Date && typeof b === 'number' && (op === '+' || op === '-')) {
    return new Date(a.getTime() + (op === '+' ? b : -b) * 1000);
  }
  const x = toNumber(a);
  const y = toNumber(b);
  switch (op) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      return y === 0 ? null : x / y;
    default:
      return y === 0 ? null : x % y;
  }
}

/** A comparison result test for an operator, chosen once at compile time. */
function comparisonTest(op: string): (c: number) => boolean {
  switch (op) {
    case '=':
      return (c) => c === 0;
    case '!=':
      return (c) => c !== 0;
    case '<':
      return (c) => c < 0;
    case '<=':
      return (c) => c <= 0;
    case '>':
      return (c) => c > 0;
    default:
      return (c) => c >= 0;
  }
}

/** LIKE as a function: plain prefix/suffix/contains patterns skip the regular expression. */
function likeMatcher(pattern: string, flags: string): (text: string) => boolean {
  const inner = pattern.replace(/^%/, '').replace(/%$/, '');
  if (flags === '' && !/[%_\\]/.test(inner)) {
    const starts = !pattern.startsWith('%');
    const ends = !pattern.endsWith('%') || pattern === '%';
    if (starts && ends) return (t) => t === inner;
    if (starts) return (t) => t.startsWith(inner);
    if (ends) return (t) => t.endsWith(inner);
    return (t) => t.includes(inner);
  }
  const re = likeRegExp(pattern, flags);
  return (t) => re.test(t);
}

function likeRegExp(pattern: string, flags: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\' && i + 1 < pattern.length) source += escapeRe(pattern[++i]!);
    else if (ch === '%') source += '.*';
    else if (ch === '_') source += '.';
    else source += escapeRe(ch);
  }
  return new RegExp(`^${source}$`, `s${flags}`);
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function formatDateTime(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

function serialize(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  if (v instanceof Set) return [...v];
  return v === undefined ? null : v;
}

function copyUuid(uuid: string, copy: number): string {
  if (uuid.length < 8) return `${uuid}-${copy}`;
  return `${uuid.slice(0, uuid.length - 4)}${copy.toString(16).padStart(4, '0')}`;
}

function typeName(e: Expr, sample: unknown): string {
  if (e.k === 'call') {
    const n = e.name.toLowerCase();
    if (n === 'todate' || n === 'today') return 'Date';
    if (n === 'count' || n === 'countif' || n === 'uniq' || n === 'uniqexact') return 'UInt64';
  }
  if (typeof sample === 'number') return Number.isInteger(sample) ? 'Int64' : 'Float64';
  if (typeof sample === 'boolean') return 'Bool';
  if (typeof sample === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(sample))
    return "DateTime64(6, 'UTC')";
  return 'String';
}
