import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/core/config.js';

const readme = fs.readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');

describe('README', () => {
  it('documents every environment variable in its configuration table', () => {
    const documented = new Set([...readme.matchAll(/^\|\s*`([A-Z_]+)`\s*\|/gm)].map((m) => m[1]));
    expect([...Object.keys(configSchema.shape)].filter((name) => !documented.has(name))).toEqual([]);
  });

  it('keeps the quick start to npm install, npm start, npm test', () => {
    expect(readme).toContain('```sh\nnpm install\nnpm start\nnpm test\n```');
  });
});
