import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { configSchema } from '../../src/core/config.js';

const root = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

describe('deployment files', () => {
  it('docs/deploying.md documents every environment variable in its table', () => {
    const documented = new Set(
      [...read('docs/deploying.md').matchAll(/^\|\s*`([A-Z_]+)`\s*\|/gm)].map((m) => m[1]),
    );
    expect(Object.keys(configSchema.shape).filter((name) => !documented.has(name))).toEqual([]);
  });

  it('the Dockerfile and compose.yaml run commands and options the CLI has', () => {
    const program = buildProgram();
    const commands = new Map(program.commands.map((c) => [c.name(), c.options.map((o) => o.long)]));
    const invocations = [
      ...[...read('compose.yaml').matchAll(/command: \[(.*)\]/g)].map((m) => m[1]!),
      read('Dockerfile').match(/^CMD \[(.*)\]$/m)![1]!,
    ].map((list) => JSON.parse(`[${list}]`) as string[]);
    expect(invocations.length).toBeGreaterThanOrEqual(4);
    for (const [node, bin, verb, ...options] of invocations) {
      expect([node, bin]).toEqual(['node', 'bin/beton.js']);
      expect(commands.has(verb!), `beton ${verb}`).toBe(true);
      for (const option of options) expect(commands.get(verb!), `${verb} ${option}`).toContain(option);
    }
  });
});
