/**
 * A parser for the subset of HogQL the simulator executes: one SELECT over `events` with
 * expressions, aggregates, WHERE, GROUP BY, HAVING, ORDER BY, LIMIT/OFFSET and `{placeholders}`.
 * Anything outside the subset is a `HogQLError`, which the server answers as PostHog does (400).
 */

export class HogQLError extends Error {
  override name = 'HogQLError';
}

export type Expr =
  | { k: 'const'; v: unknown }
  | { k: 'placeholder'; name: string }
  | { k: 'field'; path: string[] }
  | { k: 'star' }
  | { k: 'call'; name: string; args: Expr[]; distinct: boolean }
  | { k: 'binary'; op: BinaryOp; left: Expr; right: Expr }
  | { k: 'not'; expr: Expr }
  | { k: 'neg'; expr: Expr }
  | { k: 'in'; expr: Expr; list: Expr; negated: boolean }
  | { k: 'isNull'; expr: Expr; negated: boolean }
  | { k: 'tuple'; items: Expr[] };

export type BinaryOp =
  | 'and'
  | 'or'
  | '='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | 'like'
  | 'not like'
  | 'ilike'
  | '+'
  | '-'
  | '*'
  | '/'
  | '%';

export interface SelectItem {
  expr: Expr;
  alias: string | null;
}

export interface SelectQuery {
  distinct: boolean;
  items: SelectItem[];
  table: string;
  tableAlias: string | null;
  where: Expr | null;
  groupBy: Expr[];
  having: Expr | null;
  orderBy: { expr: Expr; desc: boolean }[];
  limit: number | null;
  offset: number | null;
}

type Token =
  | { t: 'ident'; v: string; quoted: boolean }
  | { t: 'num'; v: number }
  | { t: 'str'; v: string }
  | { t: 'placeholder'; v: string }
  | { t: 'op'; v: string }
  | { t: 'eof' };

const KEYWORDS = new Set([
  'select',
  'distinct',
  'from',
  'where',
  'group',
  'by',
  'having',
  'order',
  'asc',
  'desc',
  'limit',
  'offset',
  'and',
  'or',
  'not',
  'in',
  'like',
  'ilike',
  'as',
  'is',
  'null',
  'true',
  'false',
]);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '-' && text[i + 1] === '-') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new HogQLError('Unterminated string literal');
        const ch = text[i]!;
        if (ch === '\\') {
          const next = text[i + 1];
          if (next === undefined) throw new HogQLError('Unterminated string literal');
          v += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          i += 2;
        } else if (ch === "'") {
          if (text[i + 1] === "'") {
            v += "'";
            i += 2;
          } else {
            i++;
            break;
          }
        } else {
          v += ch;
          i++;
        }
      }
      tokens.push({ t: 'str', v });
      continue;
    }
    if (c === '`' || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new HogQLError('Unterminated quoted identifier');
      tokens.push({ t: 'ident', v: text.slice(i + 1, end), quoted: true });
      i = end + 1;
      continue;
    }
    if (c === '{') {
      const m = /^\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}/.exec(text.slice(i));
      if (!m) throw new HogQLError('Placeholders look like {name}');
      tokens.push({ t: 'placeholder', v: m[1]! });
      i += m[0].length;
      continue;
    }
    const num = /^(\d+(\.\d+)?([eE][+-]?\d+)?)/.exec(text.slice(i));
    if (num) {
      tokens.push({ t: 'num', v: Number(num[1]) });
      i += num[0].length;
      continue;
    }
    const ident = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(text.slice(i));
    if (ident) {
      tokens.push({ t: 'ident', v: ident[0], quoted: false });
      i += ident[0].length;
      continue;
    }
    const op = /^(<=|>=|!=|<>|==|[=<>+\-*/%(),.])/.exec(text.slice(i));
    if (op) {
      tokens.push({ t: 'op', v: op[0] === '<>' ? '!=' : op[0] === '==' ? '=' : op[0] });
      i += op[0].length;
      continue;
    }
    throw new HogQLError(`Syntax error at position ${i}: unexpected ${JSON.stringify(c)}`);
  }
  tokens.push({ t: 'eof' });
  return tokens;
}

/**
 * Parse one HogQL SELECT.
 *
 * @example
 * parseHogQL("SELECT event, count() FROM events WHERE timestamp >= {from} GROUP BY event LIMIT 10");
 */
export function parseHogQL(text: string): SelectQuery {
  return new Parser(tokenize(text)).query();
}

class Parser {
  private pos = 0;

  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)]!;
  }

  private isKeyword(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.t === 'ident' && !t.quoted && t.v.toLowerCase() === word;
  }

  private acceptKeyword(word: string): boolean {
    if (!this.isKeyword(word)) return false;
    this.pos++;
    return true;
  }

  private expectKeyword(word: string): void {
    if (!this.acceptKeyword(word))
      throw new HogQLError(`Syntax error: expected ${word.toUpperCase()} near ${this.describe()}`);
  }

  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }

  private acceptOp(v: string): boolean {
    if (!this.isOp(v)) return false;
    this.pos++;
    return true;
  }

  private expectOp(v: string): void {
    if (!this.acceptOp(v)) throw new HogQLError(`Syntax error: expected '${v}' near ${this.describe()}`);
  }

  private describe(): string {
    const t = this.peek();
    return t.t === 'eof' ? 'the end of the query' : `'${String(t.v)}'`;
  }

  query(): SelectQuery {
    this.expectKeyword('select');
    const distinct = this.acceptKeyword('distinct');
    const items: SelectItem[] = [];
    do {
      const expr = this.expr();
      let alias: string | null = null;
      if (this.acceptKeyword('as')) alias = this.identifier();
      else if (this.peek().t === 'ident' && !KEYWORDS.has((this.peek() as { v: string }).v.toLowerCase()))
        alias = this.identifier();
      items.push({ expr, alias });
    } while (this.acceptOp(','));
    this.expectKeyword('from');
    const table = this.identifier();
    let tableAlias: string | null = null;
    if (this.acceptKeyword('as')) tableAlias = this.identifier();
    else if (this.peek().t === 'ident' && !KEYWORDS.has((this.peek() as { v: string }).v.toLowerCase()))
      tableAlias = this.identifier();
    const where = this.acceptKeyword('where') ? this.expr() : null;
    const groupBy: Expr[] = [];
    if (this.acceptKeyword('group')) {
      this.expectKeyword('by');
      do groupBy.push(this.expr());
      while (this.acceptOp(','));
    }
    const having = this.acceptKeyword('having') ? this.expr() : null;
    const orderBy: SelectQuery['orderBy'] = [];
    if (this.acceptKeyword('order')) {
      this.expectKeyword('by');
      do {
        const expr = this.expr();
        const desc = this.acceptKeyword('desc');
        if (!desc) this.acceptKeyword('asc');
        orderBy.push({ expr, desc });
      } while (this.acceptOp(','));
    }
    let limit: number | null = null;
    let offset: number | null = null;
    if (this.acceptKeyword('limit')) {
      limit = this.integer('LIMIT');
      if (this.acceptOp(',')) {
        offset = limit;
        limit = this.integer('LIMIT');
      }
    }
    if (this.acceptKeyword('offset')) offset = this.integer('OFFSET');
    if (this.peek().t !== 'eof') throw new HogQLError(`Syntax error: unexpected ${this.describe()}`);
    return {
      distinct,
      items,
      table: table.toLowerCase(),
      tableAlias,
      where,
      groupBy,
      having,
      orderBy,
      limit,
      offset,
    };
  }

  private integer(what: string): number {
    const t = this.peek();
    if (t.t !== 'num' || !Number.isInteger(t.v) || t.v < 0)
      throw new HogQLError(`${what} takes a non-negative integer`);
    this.pos++;
    return t.v;
  }

  private identifier(): string {
    const t = this.peek();
    if (t.t !== 'ident') throw new HogQLError(`Syntax error: expected a name near ${this.describe()}`);
    this.pos++;
    return t.v;
  }

  expr(): Expr {
    return this.or();
  }

  private or(): Expr {
    let left = this.and();
    while (this.acceptKeyword('or')) left = { k: 'binary', op: 'or', left, right: this.and() };
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.acceptKeyword('and')) left = { k: 'binary', op: 'and', left, right: this.not() };
    return left;
  }

  private not(): Expr {
    if (this.acceptKeyword('not')) return { k: 'not', expr: this.not() };
    return this.comparison();
  }

  private comparison(): Expr {
    const left = this.additive();
    const t = this.peek();
    if (t.t === 'op' && ['=', '!=', '<', '<=', '>', '>='].includes(t.v)) {
      this.pos++;
      return { k: 'binary', op: t.v as BinaryOp, left, right: this.additive() };
    }
    if (this.isKeyword('is')) {
      this.pos++;
      const negated = this.acceptKeyword('not');
      this.expectKeyword('null');
      return { k: 'isNull', expr: left, negated };
    }
    const negated =
      this.isKeyword('not') &&
      (this.isKeyword('in', 1) || this.isKeyword('like', 1) || this.isKeyword('ilike', 1));
    if (negated) this.pos++;
    if (this.acceptKeyword('in')) return { k: 'in', expr: left, list: this.additive(), negated };
    if (this.acceptKeyword('like'))
      return { k: 'binary', op: negated ? 'not like' : 'like', left, right: this.additive() };
    if (this.acceptKeyword('ilike')) {
      const node: Expr = { k: 'binary', op: 'ilike', left, right: this.additive() };
      return negated ? { k: 'not', expr: node } : node;
    }
    if (negated) throw new HogQLError('Syntax error after NOT');
    return left;
  }

  private additive(): Expr {
    let left = this.multiplicative();
    for (;;) {
      const t = this.peek();
      if (t.t === 'op' && (t.v === '+' || t.v === '-')) {
        this.pos++;
        left = { k: 'binary', op: t.v, left, right: this.multiplicative() };
      } else return left;
    }
  }

  private multiplicative(): Expr {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.t === 'op' && (t.v === '*' || t.v === '/' || t.v === '%')) {
        this.pos++;
        left = { k: 'binary', op: t.v, left, right: this.unary() };
      } else return left;
    }
  }

  private unary(): Expr {
    if (this.acceptOp('-')) return { k: 'neg', expr: this.unary() };
    return this.primary();
  }

  private primary(): Expr {
    const t = this.peek();
    if (t.t === 'num') {
      this.pos++;
      return { k: 'const', v: t.v };
    }
    if (t.t === 'str') {
      this.pos++;
      return { k: 'const', v: t.v };
    }
    if (t.t === 'placeholder') {
      this.pos++;
      return { k: 'placeholder', name: t.v };
    }
    if (this.acceptOp('*')) return { k: 'star' };
    if (this.acceptOp('(')) {
      const first = this.expr();
      if (this.acceptOp(',')) {
        const items = [first];
        do items.push(this.expr());
        while (this.acceptOp(','));
        this.expectOp(')');
        return { k: 'tuple', items };
      }
      this.expectOp(')');
      return first;
    }
    if (t.t === 'ident') {
      const lower = t.v.toLowerCase();
      if (!t.quoted && lower === 'null') return this.advance({ k: 'const', v: null });
      if (!t.quoted && lower === 'true') return this.advance({ k: 'const', v: true });
      if (!t.quoted && lower === 'false') return this.advance({ k: 'const', v: false });
      if (!t.quoted && KEYWORDS.has(lower))
        throw new HogQLError(`Syntax error: unexpected ${t.v.toUpperCase()}`);
      this.pos++;
      if (!t.quoted && this.acceptOp('(')) {
        const distinct = this.acceptKeyword('distinct');
        const args: Expr[] = [];
        if (!this.isOp(')')) {
          do args.push(this.expr());
          while (this.acceptOp(','));
        }
        this.expectOp(')');
        return { k: 'call', name: t.v, args, distinct };
      }
      const path = [t.v];
      while (this.acceptOp('.')) path.push(this.identifier());
      return { k: 'field', path };
    }
    throw new HogQLError(`Syntax error: unexpected ${this.describe()}`);
  }

  private advance(e: Expr): Expr {
    this.pos++;
    return e;
  }
}
