#!/usr/bin/env node
// `npm start`: build what is out of date (server with tsc, web app with Vite when web/ has a
// config), then run `beton serve` from the build. Arguments after `--` go to `serve`.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

/** Newest modification time under `dir` (0 when missing). */
function newest(dir) {
  if (!fs.existsSync(dir)) return 0;
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const mtime = fs.statSync(path.join(entry.parentPath ?? entry.path, entry.name)).mtimeMs;
    if (mtime > latest) latest = mtime;
  }
  return latest;
}

const mtime = (file) => (fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0);

function run(label, command, args) {
  const started = Date.now();
  process.stdout.write(`${label}… `);
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8' });
  if (result.status === 0) {
    process.stdout.write(`done in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
    return true;
  }
  process.stdout.write('failed\n');
  process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
  return false;
}

const serverEntry = path.join(root, 'dist', 'cli', 'main.js');
const serverSources = Math.max(newest(path.join(root, 'src')), mtime(path.join(root, 'tsconfig.build.json')));
if (mtime(serverEntry) < serverSources) {
  const ok = run('Building the server', bin('tsc'), ['-p', 'tsconfig.build.json']);
  // tsc still emits JavaScript on type errors; only a missing entry point is fatal.
  if (!ok && !fs.existsSync(serverEntry)) process.exit(1);
  if (!ok) process.stderr.write('Type errors above; starting anyway with the emitted JavaScript.\n');
  else fs.utimesSync(serverEntry, new Date(), new Date());
}

const webConfig = ['vite.config.ts', 'vite.config.mts', 'vite.config.js']
  .map((f) => path.join(root, 'web', f))
  .find(fs.existsSync);
if (webConfig) {
  const webIndex = path.join(root, 'web', 'dist', 'index.html');
  const webSources = Math.max(
    newest(path.join(root, 'web', 'src')),
    mtime(path.join(root, 'web', 'index.html')),
    mtime(webConfig),
  );
  if (
    mtime(webIndex) < webSources &&
    !run('Building the web app', bin('vite'), ['build', '--config', webConfig])
  ) {
    process.exit(1);
  }
}

// The environment goes through as it is: the demo's simulators on 127.0.0.1 are reached through a
// grant the server gives the demo's own connections, so the SSRF guard keeps its default (on) for
// every workspace — BETON_ALLOW_PRIVATE_HOSTS is the operator's choice alone.
const child = spawn(process.execPath, [serverEntry, 'serve', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: process.env,
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
