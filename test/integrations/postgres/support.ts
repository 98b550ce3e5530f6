import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The source database of the SQL source tests: always the CI Postgres (127.0.0.1:5432, user postgres,
 * trust auth; PGHOST/PGPORT/PGUSER override), whichever database Beton itself runs on. Each test
 * file gets a schema of its own, dropped after.
 */
export const sourceUrl = (): string => {
  const host = process.env.PGHOST ?? '127.0.0.1';
  const port = process.env.PGPORT ?? '5432';
  const user = process.env.PGUSER ?? 'postgres';
  return `postgres://${user}@${host}:${port}/postgres?sslmode=disable`;
};

export interface SourceSchema {
  name: string;
  /** Run SQL as the owner of the source (never through Beton). */
  exec(sql: string, values?: unknown[]): Promise<pg.QueryResult>;
  drop(): Promise<void>;
}

export async function createSourceSchema(): Promise<SourceSchema> {
  const name = `beton_src_${randomBytes(5).toString('hex')}`;
  const client = new pg.Client({ connectionString: sourceUrl().replace('?sslmode=disable', '') });
  await client.connect();
  await client.query(`create schema ${name}`);
  return {
    name,
    exec: (sql, values) => client.query(sql, values as unknown[] | undefined),
    drop: async () => {
      try {
        await client.query(`drop schema if exists ${name} cascade`);
      } finally {
        await client.end();
      }
    },
  };
}
