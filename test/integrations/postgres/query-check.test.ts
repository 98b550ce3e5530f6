import { describe, expect, it } from 'vitest';
import { assertSafeHost } from '../../../src/core/http/index.js';
import { checkSelect, codeOnly, parseConnectionString } from '../../../src/integrations/postgres/index.js';

/** The shape check a query passes before it is sent, and the parts of a connection string. */
const usage = {
  what: 'The usage query',
  parameters: [{ name: 'the first day to read', example: 'WHERE day >= $1' }],
};
const none = { what: 'The accounts query', parameters: [] };

describe('codeOnly', () => {
  it('blanks comments, literals, quoted names and dollar-quoted bodies, keeping every offset', () => {
    const sql = `select ';', "a;b", $x$ ; $x$, $$;$$ /* ; /* nested ; */ ; */ -- ;\nfrom t`;
    const code = codeOnly(sql);
    expect(code).toHaveLength(sql.length);
    expect(code).not.toContain(';');
    expect(code).toMatch(/^select\s+,\s+,\s+,\s+\s+from t$/);
  });
});

describe('checkSelect', () => {
  it('keeps a SELECT or WITH, without its trailing semicolon and comment', () => {
    expect(checkSelect('select 1 where $1 is not null; -- done', usage)).toBe(
      'select 1 where $1 is not null',
    );
    expect(checkSelect('  WITH d AS (select 1) select * from d', none)).toBe(
      'WITH d AS (select 1) select * from d',
    );
  });

  it('refuses other statements and a second statement, but not a ";" inside a string', () => {
    expect(() => checkSelect('insert into t values (1)', none)).toThrow(/must be a SELECT .* "INSERT"/);
    expect(() => checkSelect('select 1; select 2', none)).toThrow(/more than one statement/);
    expect(() => checkSelect('', none)).toThrow(/is empty/);
    expect(checkSelect("select 'a;b' as x", none)).toBe("select 'a;b' as x");
  });

  it('holds each query to its parameters: $1 in the usage query, none elsewhere', () => {
    expect(() => checkSelect('select 1', usage)).toThrow(/must use \$1, the first day to read/);
    expect(() => checkSelect('select $1, $2', usage)).toThrow(
      /takes \$1 \(the first day to read\) only; remove \$2/,
    );
    expect(() => checkSelect('select $1', none)).toThrow(/takes no parameters; remove \$1/);
    // "$1" inside a literal is text, not a parameter.
    expect(checkSelect("select '$1' as price", none)).toBe("select '$1' as price");
  });
});

describe('parseConnectionString', () => {
  it('reads host, port, database, user, password and sslmode (verify-full by default)', () => {
    expect(parseConnectionString('postgres://reader:p%40ss@db.example.com/app')).toEqual({
      host: 'db.example.com',
      port: 5432,
      database: 'app',
      user: 'reader',
      password: 'p@ss',
      sslmode: 'verify-full',
    });
    expect(parseConnectionString('postgresql://r@[::1]:6543/app?sslmode=disable')).toMatchObject({
      host: '::1',
      port: 6543,
      sslmode: 'disable',
    });
  });

  it('says what is missing, never repeating the password', () => {
    const refused = (text: string) => {
      try {
        parseConnectionString(text);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused('mysql://u:hunter2@h/db')).toMatch(/must start with postgres:\/\//);
    expect(refused('postgres://u:hunter2@h')).toMatch(/names no database/);
    expect(refused('postgres://u:hunter2@h/db?sslmode=allow')).toMatch(/sslmode must be one of/);
    expect(refused('postgres://u:hunter2@h/db?options=-c%20x')).toMatch(/only sslmode is read/);
    for (const text of ['mysql://u:hunter2@h/db', 'postgres://u:hunter2@h', 'postgres://u:hunter2@h/db?x=1'])
      expect(refused(text)).not.toContain('hunter2');
  });
});

describe('assertSafeHost', () => {
  const closed = {
    allowPrivateHosts: false,
    resolve: async (host: string) => (host === 'db.internal' ? ['10.1.2.3'] : ['93.184.216.34']),
  };

  it('refuses private addresses and names that resolve to them, and socket paths', async () => {
    await expect(assertSafeHost('10.0.0.5', 5432, closed, 'postgres')).rejects.toThrow(/private or reserved/);
    await expect(assertSafeHost('169.254.169.254', 5432, closed, 'postgres')).rejects.toThrow(
      /private or reserved/,
    );
    await expect(assertSafeHost('db.internal', 5432, closed, 'postgres')).rejects.toThrow(/10\.1\.2\.3/);
    await expect(assertSafeHost('/var/run/postgresql', 5432, closed, 'postgres')).rejects.toThrow(
      /not a host name/,
    );
    await expect(assertSafeHost('db.example.com', 5432, closed, 'postgres')).resolves.toBeUndefined();
  });

  it('lets through exactly a granted scheme://host:port, or everything when private hosts are allowed', async () => {
    const granted = { ...closed, privateOrigins: ['postgres://127.0.0.1:5432'] };
    await expect(assertSafeHost('127.0.0.1', 5432, granted, 'postgres')).resolves.toBeUndefined();
    await expect(assertSafeHost('127.0.0.1', 5433, granted, 'postgres')).rejects.toThrow(
      /private or reserved/,
    );
    await expect(
      assertSafeHost('10.0.0.5', 5432, { allowPrivateHosts: true }, 'postgres'),
    ).resolves.toBeUndefined();
  });
});
