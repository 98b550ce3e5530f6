import { EventEmitter } from 'node:events';
import type Database from 'better-sqlite3';
import pg from 'pg';

/**
 * Commit signals: a writer asks for a channel to be signalled when its transaction commits (never
 * when it rolls back), and a listener hears it then — so work that follows a commit (dispatching
 * the events it wrote) starts at once instead of at the next poll.
 *
 * `notifyOnCommit` (dialect.ts) asks for a signal; `Db.listen` hears it.
 *
 * Postgres: `pg_notify` in the transaction, which Postgres delivers at commit to every connection
 * LISTENing, in any process. The payload is the writer's schema, and a listener keeps only its own
 * (tests and several Betons share one database in separate schemas; channels are database-wide).
 *
 * SQLite: one process writes through its handle, so the signal stays in the process: channels
 * asked for during a transaction are emitted after its COMMIT (see the driver in dialect.ts), and
 * a BackgroundWriter batch emits its statements' `notify` after it commits. A commit made by
 * another process on the same file (a CLI command beside the server) is not heard.
 */

const emitters = new WeakMap<Database.Database, EventEmitter>();
const pending = new WeakMap<Database.Database, Set<string>>();

function emitterOf(handle: Database.Database): EventEmitter {
  let emitter = emitters.get(handle);
  if (!emitter) {
    emitter = new EventEmitter();
    // Every worker and consumer of the process may listen on one channel.
    emitter.setMaxListeners(0);
    emitters.set(handle, emitter);
  }
  return emitter;
}

/** Emit channels on this SQLite handle now (after a commit). */
export function emitSqliteSignals(handle: Database.Database, channels: Iterable<string>): void {
  const emitter = emitters.get(handle);
  if (!emitter) return;
  for (const channel of new Set(channels)) emitter.emit(channel);
}

/** The driver calls this after COMMIT: the signals asked for in the transaction go out. */
export function sqliteCommitted(handle: Database.Database): void {
  const channels = pending.get(handle);
  if (!channels || channels.size === 0) return;
  pending.delete(handle);
  emitSqliteSignals(handle, channels);
}

/** The driver calls this on ROLLBACK: nothing happened, nothing is signalled. */
export function sqliteRolledBack(handle: Database.Database): void {
  pending.delete(handle);
}

/** Ask for `channel` to be emitted when the transaction open on this SQLite handle commits. */
export function askSqliteSignal(handle: Database.Database, channel: string): void {
  let channels = pending.get(handle);
  if (!channels) {
    channels = new Set();
    pending.set(handle, channels);
  }
  channels.add(channel);
}

/** Hear `channel` on this process's SQLite handle. Returns the function that stops listening. */
export function listenSqlite(handle: Database.Database, channel: string, onSignal: () => void) {
  const emitter = emitterOf(handle);
  emitter.on(channel, onSignal);
  return async () => {
    emitter.off(channel, onSignal);
  };
}

export interface ListenOptions {
  /** A lost connection (it is opened again after a pause); default: ignored. */
  onError?: (error: Error) => void;
  /** The pause before reconnecting (default 1 s). */
  reconnectMs?: number;
}

/**
 * Hear `channel` on a Postgres connection of its own (LISTEN holds it), keeping only the signals
 * sent from this schema. A lost connection is opened again after a pause, and `onSignal` is
 * called once then, since signals sent meanwhile were missed.
 */
export async function listenPostgres(
  target: { url: string; schema?: string },
  channel: string,
  onSignal: () => void,
  opts: ListenOptions = {},
): Promise<() => Promise<void>> {
  let stopped = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const next = new pg.Client({
      connectionString: target.url,
      application_name: 'beton-listen',
      ...(target.schema ? { options: `-c search_path=${target.schema}` } : {}),
    });
    next.on('error', (error) => {
      // Before it is established, connect() itself fails (and the caller reschedules).
      if (client !== next) return;
      opts.onError?.(error);
      client = undefined;
      void next.end().catch(() => undefined);
      if (!stopped) schedule();
    });
    await next.connect();
    const { rows } = await next.query<{ schema: string }>('select current_schema() as schema');
    const schema = rows[0]?.schema;
    next.on('notification', (message) => {
      if (message.channel === channel && message.payload === schema) onSignal();
    });
    await next.query(`listen ${pg.escapeIdentifier(channel)}`);
    if (stopped) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
  };
  const schedule = () => {
    retry = setTimeout(() => {
      connect().then(
        // Signals sent while the connection was down were missed: act as if one came.
        () => onSignal(),
        (error: Error) => {
          opts.onError?.(error);
          if (!stopped) schedule();
        },
      );
    }, opts.reconnectMs ?? 1_000);
    retry.unref();
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await client?.end().catch(() => undefined);
    client = undefined;
  };
}
