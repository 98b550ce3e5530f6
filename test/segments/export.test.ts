import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdFor } from '../../src/accounts/index.js';
import type { DB } from '../../src/db/index.js';
import { csvCell, DEFAULT_EXPORT_COLUMNS, exportAccounts, exportFileName } from '../../src/segments/index.js';
import { createTestDb, type TestDb } from '../support/index.js';

const WS = 'ws_export';
const NOW = new Date('2026-12-07T12:00:00.000Z');
const N = 1_250;
let t: TestDb;

beforeAll(async () => {
  t = await createTestDb({ migrate: true });
  const rows: DB['accounts'][] = [];
  for (let i = 0; i < N; i++) {
    const domain = `co${String(i).padStart(5, '0')}.example`;
    rows.push({
      id: accountIdFor(WS, domain),
      workspace_id: WS,
      domain,
      name: i === 0 ? '=cmd|" /C calc"!A0' : `Company ${i}, Ltd`,
      name_source: 'domain',
      signup_at: null,
      history_json: null,
      history_hash: null,
      touched_at: null,
      replay_needed: 0,
      link_count: 0,
      created_at: NOW.toISOString(),
      updated_at: NOW.toISOString(),
    } as never);
  }
  for (let i = 0; i < rows.length; i += 200)
    await t.db.kysely
      .insertInto('accounts')
      .values(rows.slice(i, i + 200))
      .execute();
});
afterAll(() => t.close());

describe('CSV cells', () => {
  it('neutralise formulas: =, +, -, @, tab and carriage return first', () => {
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('+33 1 23')).toBe("'+33 1 23");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('\rx')).toBe(`"'\rx"`);
    expect(csvCell('Acme')).toBe('Acme');
    expect(csvCell(-2)).toBe('-2');
  });

  it('quote per RFC 4180', () => {
    expect(csvCell('Acme, Inc.')).toBe('"Acme, Inc."');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell(null)).toBe('');
  });

  it('name downloads safely', () => {
    expect(exportFileName('Hot trials: fit ≥ 80!', 'csv', NOW)).toBe(
      'segment-hot-trials-fit-80-2026-12-07.csv',
    );
    expect(exportFileName(null, 'jsonl', NOW)).toBe('accounts-2026-12-07.jsonl');
  });
});

describe('export streaming', () => {
  it('reads keyset pages one at a time: the first rows leave before the second page is read', async () => {
    const pages: number[] = [];
    const stream = exportAccounts(t.db.kysely, WS, {
      filters: [],
      columns: ['id', 'name'],
      format: 'csv',
      now: NOW,
      pageSize: 100,
      onPage: (n) => pages.push(n),
    });
    const header = await stream.next();
    expect(header.value).toBe('id,name\r\n');
    const first = await stream.next();
    expect(pages).toEqual([100]);
    expect(String(first.value).split('\r\n').filter(Boolean)).toHaveLength(100);
    let rows = 100;
    for await (const chunk of stream) rows += chunk.split('\r\n').filter(Boolean).length;
    expect(rows).toBe(N);
    expect(pages).toHaveLength(Math.ceil(N / 100));
    expect(pages.every((n) => n <= 100)).toBe(true);
  });

  it('writes every account once, formulas escaped, RFC 4180 quoted; JSON lines alike', async () => {
    let csv = '';
    for await (const chunk of exportAccounts(t.db.kysely, WS, {
      filters: [],
      columns: DEFAULT_EXPORT_COLUMNS,
      format: 'csv',
      now: NOW,
      pageSize: 300,
    }))
      csv += chunk;
    const lines = csv.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe(DEFAULT_EXPORT_COLUMNS.join(','));
    expect(lines).toHaveLength(N + 1);
    expect(new Set(lines).size).toBe(N + 1);
    expect(lines).toContain(`"'=cmd|"" /C calc""!A0",co00000.example,,,,,,,,,`);
    expect(lines).toContain('"Company 1, Ltd",co00001.example,,,,,,,,,');
    let jsonl = '';
    for await (const chunk of exportAccounts(t.db.kysely, WS, {
      filters: [{ q: 'co0000' }],
      columns: ['domain', 'score'],
      format: 'jsonl',
      now: NOW,
    }))
      jsonl += chunk;
    const objects = jsonl
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(objects).toHaveLength(10);
    expect(objects).toContainEqual({ domain: 'co00000.example', score: null });
  });
});
