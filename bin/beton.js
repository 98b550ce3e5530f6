#!/usr/bin/env node
// The `beton` command: the built CLI when `npm run build:server` has run, else the TypeScript
// sources through tsx (a fresh clone works without a build step).
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
