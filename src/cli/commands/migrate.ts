import type { Command } from 'commander';
import { loadConfig } from '../../core/config.js';
import { jsonOption, output, reportError } from '../support.js';

/** `beton migrate`: bring the database schema up to date (better-auth's tables, then Beton's). */
export function registerMigrate(program: Command) {
  jsonOption(
    program.command('migrate').description('Apply pending database migrations (also done on every start)'),
  ).action(async (opts: { json?: boolean }) => {
    try {
      const config = loadConfig();
      const [{ loadAuthSecret, migrateAuthTables }, { migrateToLatest, openDatabase }, { createLogger }] =
        await Promise.all([
          import('../../auth/index.js'),
          import('../../db/index.js'),
          import('../../core/logger.js'),
        ]);
      const db = openDatabase(config.database);
      try {
        const logger = createLogger({ level: 'warn', destination: process.stderr });
        const authTables = await migrateAuthTables({ config, db, logger, secret: loadAuthSecret(config) });
        const applied = await migrateToLatest(db.kysely);
        const result = { database: db.describe, authTables, migrations: applied };
        if (opts.json) output(result, { json: true });
        else if (authTables.length === 0 && applied.length === 0)
          output(`Database ${db.describe} is up to date.`);
        else
          output(
            `Migrated ${db.describe}: ${[...authTables.map((t) => `auth:${t}`), ...applied].join(', ')}`,
          );
      } finally {
        await db.close();
      }
    } catch (error) {
      reportError(error);
    }
  });
}
