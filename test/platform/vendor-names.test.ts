import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { integrations } from '../../src/integrations/registry.js';

/**
 * The platform promise: the domain never names a vendor. Accounts, signals, scoring, enrichment,
 * push, jobs and the API routes walk the registry and read model facts, so adding an integration
 * needs no edit there. This scans those folders (code, strings, comments and examples) for every
 * registered integration's name as a word.
 */
const DOMAIN_FOLDERS = [
  'src/accounts',
  'src/signals',
  'src/scoring',
  'src/enrichment',
  'src/push',
  'src/jobs',
  'src/api/routes',
  'src/model',
];

const root = path.resolve(import.meta.dirname, '../..');

function filesUnder(folder: string): string[] {
  const dir = path.join(root, folder);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|tsx)$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/**
 * Integration names that are also the name of a part of Beton itself: `postgres` is the SQL source
 * and Beton's own database, which the domain may describe ("on Postgres"). For these, only a reference
 * to the integration counts: its name quoted as a string, or its folder.
 */
const SHARED_WORDS = new Set(['postgres']);

function mentions(name: string): RegExp {
  return SHARED_WORDS.has(name)
    ? new RegExp(`['"\`]${name}['"\`]|integrations/${name}\\b`, 'i')
    : new RegExp(`\\b${name}\\b`, 'i');
}

describe('no vendor names in the domain', () => {
  const names = integrations.map((integration) => integration.name);

  it('knows the registered integrations', () => {
    expect(names.length).toBeGreaterThan(0);
  });

  it.each(DOMAIN_FOLDERS)('%s names no registered integration', (folder) => {
    const hits: string[] = [];
    for (const file of filesUnder(folder)) {
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, index) => {
        for (const name of names) {
          if (mentions(name).test(line))
            hits.push(`${path.relative(root, file)}:${index + 1} names "${name}": ${line.trim()}`);
        }
      });
    }
    expect(hits).toEqual([]);
  });
});
