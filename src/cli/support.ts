import readline from 'node:readline/promises';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import type { Workspace } from '../auth/index.js';
import { ConfigError, configuredSecrets, loadConfig } from '../core/config.js';
import { isAppError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { REDACTED, scrubString } from '../core/redact.js';
import { storageErrorOf } from '../db/storage-errors.js';
import type { Runtime } from '../runtime/index.js';

/** A CLI failure the user can act on: printed as one line, exit code 1. */
export class CliError extends Error {
  override name = 'CliError';
}

/** The SQLite file the configuration points at, to name it in a storage error (none when it cannot tell). */
function databaseFile(): string | undefined {
  try {
    const { database } = loadConfig();
    return database.dialect === 'sqlite' ? database.file : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A message with key-shaped strings and the configured secrets (session secret, encryption keys, the
 * database password) removed: a library's error (pg, better-auth, a URL parser) may quote them.
 */
function scrubStartupText(text: string): string {
  let out = scrubString(text);
  for (const secret of configuredSecrets()) out = out.split(secret).join(REDACTED);
  return out;
}

/** Print an error as one clear line (never a stack unless LOG_LEVEL=debug) and set exit code 1. */
export function reportError(thrown: unknown): void {
  // A full or read-only disk, a data directory that cannot be created: named, with what to do.
  const error = storageErrorOf(thrown, databaseFile()) ?? thrown;
  const known = error instanceof ConfigError || error instanceof CliError || isAppError(error);
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`beton: ${scrubStartupText(message)}\n`);
  if (!known && process.env.LOG_LEVEL === 'debug' && error instanceof Error && error.stack) {
    process.stderr.write(`${scrubStartupText(error.stack)}\n`);
  } else if (!known) {
    process.stderr.write('beton: (unexpected error; run with LOG_LEVEL=debug for details)\n');
  }
  process.exitCode = 1;
}

/**
 * Run a command against the database: load the config, create the runtime (migrating, checking
 * the keyring), run `fn`, close (unless `keepOpen`: a server closes it on shutdown). Errors print
 * as one line and exit 1. Logs go to stderr so `--json` output on stdout stays clean.
 *
 * @example
 * program.command('workspaces list').action((opts) =>
 *   withRuntime(async (rt) => output(await listWorkspaces(rt), opts)));
 */
export async function withRuntime<T>(
  fn: (rt: Runtime) => Promise<T>,
  opts: { keepOpen?: boolean; server?: boolean } = {},
): Promise<T | undefined> {
  let rt: Runtime | undefined;
  try {
    const config = loadConfig();
    // A server logs at LOG_LEVEL to stdout; a one-shot command only warnings, to stderr.
    const logger = opts.server
      ? createLogger({ level: config.LOG_LEVEL })
      : createLogger({
          level: process.env.LOG_LEVEL ? config.LOG_LEVEL : 'warn',
          destination: process.stderr,
        });
    // Loaded on demand so `beton --help` and config errors answer without loading the server.
    const { createRuntime } = await import('../runtime/index.js');
    rt = await createRuntime(config, { logger });
    return await fn(rt);
  } catch (error) {
    reportError(error);
    return undefined;
  } finally {
    if (rt && !opts.keepOpen) await rt.close();
  }
}

export interface OutputOptions {
  json?: boolean;
  /** For arrays of objects: which fields to show as table columns, in order. */
  columns?: string[];
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Plain-text table with a header row, columns padded to fit. */
export function formatTable(rows: Record<string, unknown>[], columns?: string[]): string {
  if (rows.length === 0) return '(none)';
  const cols = columns ?? Object.keys(rows[0]!);
  const cells = rows.map((r) => cols.map((c) => cell(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(cols.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n');
}

/**
 * Print data: JSON (stable, for scripts) with `--json`, else a table (arrays), `key: value`
 * lines (objects) or the text itself.
 *
 * @example
 * output(keys, { json: opts.json, columns: ['prefix', 'name', 'role', 'lastUsedAt'] });
 */
export function output(data: unknown, opts: OutputOptions = {}): void {
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    return;
  }
  let text: string;
  if (Array.isArray(data)) text = formatTable(data as Record<string, unknown>[], opts.columns);
  else if (data && typeof data === 'object') {
    const entries = Object.entries(data as Record<string, unknown>);
    const width = Math.max(...entries.map(([k]) => k.length));
    text = entries.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${cell(v)}`).join('\n');
  } else text = String(data);
  process.stdout.write(`${text}\n`);
}

/** Add `--workspace <id|slug>` to a command (default: BETON_WORKSPACE, else the only workspace). */
export const workspaceOption = (cmd: Command) =>
  cmd.option('-w, --workspace <id|slug>', 'workspace to act on (default: BETON_WORKSPACE, or the only one)');

/** Add `--json` to a command. */
export const jsonOption = (cmd: Command) => cmd.option('--json', 'print JSON instead of text');

/**
 * The workspace a command acts on: `--workspace`, else BETON_WORKSPACE, else the only one.
 *
 * @example
 * const ws = await resolveWorkspaceOption(rt, opts);
 */
export async function resolveWorkspaceOption(rt: Runtime, opts: { workspace?: string }): Promise<Workspace> {
  const { resolveWorkspace } = await import('../auth/index.js');
  return resolveWorkspace(rt, opts.workspace ?? rt.config.BETON_WORKSPACE);
}

/**
 * The account id a command's `<account>` names: an id as given (`acc_…`), a domain as the id its
 * workspace keys it by.
 *
 * @example const id = await accountIdOf(ws.id, 'acme.io');
 */
export async function accountIdOf(workspaceId: string, ref: string): Promise<string> {
  if (!ref.includes('.') || ref.startsWith('acc_')) return ref;
  const { accountIdFor } = await import('../accounts/index.js');
  return accountIdFor(workspaceId, ref.toLowerCase());
}

export interface Progress {
  update(value: number, total?: number): void;
  increment(by?: number): void;
  stop(): void;
}

const noProgress: Progress = { update() {}, increment() {}, stop() {} };

/**
 * A progress bar on stderr, or a no-op when stderr is not a terminal or output is JSON.
 *
 * @example
 * const bar = progressBar({ total: 120, label: 'Rotating', json: opts.json });
 * bar.increment(); bar.stop();
 */
export function progressBar(opts: { total: number; label: string; json?: boolean }): Progress {
  if (opts.json || !process.stderr.isTTY) return noProgress;
  const bar = new SingleBar({
    // The estimate is cli-progress's: the recent pace carried over what is left.
    format: `${opts.label} [{bar}] {value}/{total} · {eta_formatted} left`,
    etaBuffer: 50,
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: false,
  });
  bar.start(opts.total, 0);
  return {
    update: (value, total) => {
      if (total !== undefined) bar.setTotal(total);
      bar.update(value);
    },
    increment: (by = 1) => bar.increment(by),
    stop: () => bar.stop(),
  };
}

/** Whether the command may ask questions (stdin and stdout are terminals). */
export const isInteractive = () => Boolean(process.stdin.isTTY && process.stdout.isTTY);

/** Ask one question on the terminal; an empty answer gives `fallback`. */
export async function ask(question: string, fallback = ''): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = (await rl.question(fallback ? `${question} [${fallback}]: ` : `${question}: `)).trim();
    return answer || fallback;
  } finally {
    rl.close();
  }
}

/** How long a stopping server or worker may take before it exits anyway. */
export const SHUTDOWN_DEADLINE_MS = 30_000;

/**
 * Exit with status 1 if shutting down takes longer than `SHUTDOWN_DEADLINE_MS` (a hung connection
 * must not keep a stopped process alive: whatever runs is picked up again from its checkpoint).
 *
 * @example
 * exitIfShutdownHangs(rt.logger);
 * await stop();
 */
export function exitIfShutdownHangs(logger: { error(msg: string): void }): void {
  const timer = setTimeout(() => {
    logger.error(`shutdown did not finish within ${SHUTDOWN_DEADLINE_MS / 1000} s; exiting anyway`);
    process.exit(1);
  }, SHUTDOWN_DEADLINE_MS);
  timer.unref();
}
