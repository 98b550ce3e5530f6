import pg from 'pg';
import PgBoss from 'pg-boss';
import type { Logger } from '../core/logger.js';
import { scrubString } from '../core/redact.js';
import type { EnqueueOptions, HandlerOptions, JobHandler, JobRunner } from './runner.js';

export interface PgBossRunnerOptions {
  connectionString: string;
  /** pg-boss's own schema. Default: derived from the connection's schema by `pgBossSchema`. */
  schema?: string;
  logger: Logger;
  /**
   * A running job heartbeats; one whose worker stops heartbeating (killed, frozen, cut off) for
   * this long is handed to another worker (default 60 s; the run it executes is taken over once
   * the run's own lease, two minutes in src/runs, has run out too).
   */
  leaseSeconds?: number;
  /** How often an idle worker looks for jobs (default 2 s; jobs enqueued in this process start at once). */
  pollSeconds?: number;
  /** How often one of the workers hands expired jobs back (default 15 s). */
  maintenanceSeconds?: number;
}

/** What a pg-boss job carries: the handler's payload, and the key no two workers may hold at once. */
interface Envelope {
  payload: unknown;
  exclusiveKey?: string;
}

interface Registered {
  handler: JobHandler<unknown>;
  concurrency: number;
  active: number;
}

interface Queue {
  boss: PgBoss;
  schema: string;
  pool: pg.Pool;
}

interface Opened {
  mode: 'producer' | 'worker';
  ready: Promise<Queue>;
}

/** Completed jobs stay in the job table this long, which also bounds a schedule's period. */
const KEEP_COMPLETED_SECONDS = 2 * 86_400;
const MAX_SCHEDULE_SECONDS = 86_400;
/** A job whose exclusive key another worker holds goes back to the queue for this long. */
const EXCLUSIVE_RETRY_SECONDS = 2;

/**
 * pg-boss's schema for a Beton schema: `pgboss` beside `public`, `<schema>_pgboss` beside any
 * other (so each test schema, or each Beton sharing a database, gets its own queue).
 *
 * @example
 * pgBossSchema('public'); // 'pgboss'
 * pgBossSchema('t_1a2b'); // 't_1a2b_pgboss'
 */
export function pgBossSchema(schema: string | null | undefined): string {
  if (!schema || schema === 'public') return 'pgboss';
  const name = `${schema}_pgboss`;
  if (!/^[a-z_][a-z0-9_]*$/.test(name) || name.length > 50) {
    throw new Error(`Cannot derive a job queue schema from "${schema}"; use a lower-case schema name.`);
  }
  return name;
}

/**
 * The job runner for Postgres: pg-boss queues shared by every Beton process on the database, so N
 * `beton worker`s split the work and `beton serve --no-worker` only enqueues. On top of pg-boss:
 * - a running job heartbeats (`started_on` moves forward), so a dead worker's job is handed to
 *   another worker one lease later, while a long healthy job never expires;
 * - `singletonKey` holds while a job with that key is queued, retrying or running (checked under
 *   a transaction-level advisory lock, so two processes enqueueing at once get one job);
 *   `debounceKey` the same while it is queued or retrying only (not once it runs);
 * - `exclusiveKey` is a session-level advisory lock held while the job runs: released by
 *   Postgres itself when the worker dies, so nothing waits for a lease;
 * - a schedule enqueues at most one job per period slot across all workers (pg-boss throttling
 *   on the database clock), and none while the previous one is still queued or running;
 * - `stop()` aborts the handlers' signal, waits up to the grace period, and puts the jobs they
 *   left back in the queue (not counted as a failed attempt): a sync commits its page first.
 *
 * @example
 * const runner = new PgBossJobRunner({ connectionString: process.env.DATABASE_URL!, logger });
 * runner.register('hello', async (p: { name: string }, ctx) => ctx.logger.info(`hi ${p.name}`));
 * await runner.start();
 * await runner.enqueue('hello', { name: 'Ada' }, { singletonKey: 'ada' });
 * await runner.stop({ graceMs: 30_000 });
 */
export class PgBossJobRunner implements JobRunner {
  readonly kind = 'pg-boss' as const;
  private readonly handlers = new Map<string, Registered>();
  private readonly schedules = new Map<string, { seconds: number; payload: unknown }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly loops = new Map<string, Promise<void>>();
  private readonly wakers = new Map<string, () => void>();
  /** Exclusive keys held by this runner, with the lock session (generation) that holds them. */
  private readonly heldLocally = new Map<string, number>();
  private lockGeneration = 0;
  private controller = new AbortController();
  /** Queue creations in this process, one after the other (see `underQueueLock`). */
  private queueCreation: Promise<void> = Promise.resolve();
  private started = false;
  private opened: Opened | undefined;
  private lockClient: Promise<pg.Client> | undefined;
  private lockChain: Promise<unknown> = Promise.resolve();
  private readonly leaseSeconds: number;
  private readonly pollMs: number;

  constructor(private readonly opts: PgBossRunnerOptions) {
    this.leaseSeconds = Math.max(1, Math.round(opts.leaseSeconds ?? 60));
    this.pollMs = Math.max(500, Math.round((opts.pollSeconds ?? 2) * 1000));
  }

  register<P>(name: string, handler: JobHandler<P>, opts: HandlerOptions = {}): void {
    if (this.handlers.has(name)) throw new Error(`Job "${name}" already has a handler.`);
    this.handlers.set(name, {
      handler: handler as JobHandler<unknown>,
      concurrency: Math.max(1, opts.concurrency ?? 1),
      active: 0,
    });
    if (this.started) this.loops.set(name, this.loop(name));
  }

  async enqueue<P>(name: string, payload: P, opts: EnqueueOptions = {}): Promise<string | null> {
    if (!this.handlers.has(name)) throw new Error(`No handler registered for job "${name}".`);
    const id = await this.send(name, payload, opts);
    if (id) this.wake(name);
    return id;
  }

  async schedule<P>(name: string, every: { everyMinutes: number }, payload?: P): Promise<void> {
    if (!this.handlers.has(name)) throw new Error(`No handler registered for job "${name}".`);
    const seconds = Math.max(1, Math.round(every.everyMinutes * 60));
    if (seconds > MAX_SCHEDULE_SECONDS) {
      throw new Error(`Schedule "${name}": a period longer than a day is not supported.`);
    }
    this.schedules.set(name, { seconds, payload: payload ?? {} });
    if (this.started) this.arm(name);
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.controller = new AbortController();
    try {
      await this.open('worker');
    } catch (error) {
      this.started = false;
      throw error;
    }
    for (const name of this.handlers.keys()) this.loops.set(name, this.loop(name));
    for (const name of this.schedules.keys()) this.arm(name);
  }

  async stop(opts: { graceMs?: number } = {}): Promise<void> {
    this.started = false;
    for (const timer of this.timers) clearInterval(timer);
    this.timers.clear();
    this.controller.abort(new Error('The job runner is stopping.'));
    for (const wake of this.wakers.values()) wake();
    // Fetch loops end after their current fetch; what they fetched meanwhile goes straight back.
    await Promise.all(this.loops.values());
    this.loops.clear();
    let graceTimer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      Promise.all(this.running.values()).then(() => true),
      new Promise<boolean>((resolve) => {
        graceTimer = setTimeout(() => resolve(false), opts.graceMs ?? 30_000);
      }),
    ]);
    clearTimeout(graceTimer);
    if (!finished) {
      this.opts.logger.warn(
        { jobs: this.running.size },
        'jobs still running after the grace period; another worker takes them over when their lease runs out',
      );
    }
    const opened = this.opened;
    this.opened = undefined;
    this.queues.clear();
    const lockClient = this.lockClient;
    this.lockClient = undefined;
    this.lockGeneration += 1;
    const queue = await opened?.ready.catch(() => undefined);
    await queue?.boss.stop({ graceful: false, close: false }).catch(() => undefined);
    await (await lockClient?.catch(() => undefined))?.end().catch(() => undefined);
    // A handler still running past the grace period keeps a connection: don't wait for it.
    if (queue && finished) await queue.pool.end().catch(() => undefined);
    else if (queue) void queue.pool.end().catch(() => undefined);
  }

  /**
   * pg-boss on this runner's own small pool. A process that only enqueues (the API under
   * `--no-worker`, the CLI) opens it without maintenance; `start()` reopens it as a worker.
   */
  private open(mode: 'producer' | 'worker'): Opened['ready'] {
    const current = this.opened;
    if (current && (current.mode === 'worker' || mode === 'producer')) return current.ready;
    const ready = (async () => {
      const previous = await current?.ready.catch(() => undefined);
      await previous?.boss.stop({ graceful: false, close: false }).catch(() => undefined);
      let pool = previous?.pool;
      if (!pool) {
        pool = new pg.Pool({
          connectionString: this.opts.connectionString,
          max: 5,
          application_name: 'beton-jobs',
        });
        pool.on('error', (err) => this.opts.logger.warn({ err }, 'job queue connection error'));
      }
      const db = pool;
      let schema = this.opts.schema;
      if (!schema) {
        const { rows } = await pool.query<{ schema: string | null }>('select current_schema() as schema');
        schema = pgBossSchema(rows[0]?.schema);
      }
      const boss = new PgBoss({
        db: { executeSql: (text: string, values: unknown[]) => db.query(text, values) },
        schema,
        migrate: true,
        schedule: false,
        supervise: mode === 'worker',
        maintenanceIntervalSeconds: Math.max(1, Math.round(this.opts.maintenanceSeconds ?? 15)),
        archiveCompletedAfterSeconds: KEEP_COMPLETED_SECONDS,
      });
      boss.on('error', (err) => this.opts.logger.warn({ err }, 'job queue error'));
      await boss.start();
      await this.ensureSingletonIndex(pool, schema);
      return { boss, schema, pool };
    })();
    this.opened = { mode, ready };
    // A database that was down is tried again on the next call.
    ready.catch(() => {
      if (this.opened?.ready === ready) this.opened = undefined;
    });
    return ready;
  }

  /**
   * The singleton check looks jobs up by key among the unfinished ones; pg-boss indexes keys only
   * for its other queue policies, so Beton adds one (on every queue's partition).
   */
  private async ensureSingletonIndex(pool: pg.Pool, schema: string): Promise<void> {
    const index = 'job_beton_singleton';
    const exists = await pool.query('select 1 from pg_indexes where schemaname = $1 and indexname = $2', [
      schema,
      index,
    ]);
    if (exists.rowCount) return;
    await this.underQueueLock(pool, schema, () =>
      pool.query(
        `create index if not exists ${index} on ${schema}.job (name, singleton_key) where state < 'completed'`,
      ),
    );
  }

  /**
   * Schema changes inside pg-boss's tables, one process at a time — and one at a time within this
   * process: each waiter holds a pool connection, and the holder's `createQueue` needs one more.
   */
  private underQueueLock<T>(pool: pg.Pool, schema: string, fn: () => Promise<T>): Promise<T> {
    const turn = this.queueCreation.then(() => this.lockedQueueChange(pool, schema, fn));
    this.queueCreation = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  private async lockedQueueChange<T>(pool: pg.Pool, schema: string, fn: () => Promise<T>): Promise<T> {
    const client = await pool.connect();
    const lock = `${schema}:create-queue`;
    try {
      await client.query('select pg_advisory_lock(hashtextextended($1, 0))', [lock]);
      return await fn();
    } finally {
      await client.query('select pg_advisory_unlock(hashtextextended($1, 0))', [lock]).catch(() => undefined);
      client.release();
    }
  }

  /**
   * pg-boss 10 needs a queue (a partition of its job table) before the first send or fetch.
   * Creating two at once deadlocks inside pg-boss, so creation is serialized across processes.
   */
  private ensureQueue({ boss, pool, schema }: Queue, name: string): Promise<void> {
    let created = this.queues.get(name);
    if (!created) {
      created = (async () => {
        if (await boss.getQueue(name)) return;
        await this.underQueueLock(pool, schema, () => boss.createQueue(name));
      })();
      created.catch(() => this.queues.delete(name));
      this.queues.set(name, created);
    }
    return created;
  }

  private async send(
    name: string,
    payload: unknown,
    opts: EnqueueOptions,
    slotSeconds?: number,
  ): Promise<string | null> {
    const queue = await this.open(this.started ? 'worker' : 'producer');
    const { boss, schema, pool } = queue;
    await this.ensureQueue(queue, name);
    const envelope: Envelope = { payload, ...(opts.exclusiveKey ? { exclusiveKey: opts.exclusiveKey } : {}) };
    const options: PgBoss.SendOptions = {
      retryLimit: opts.retryLimit ?? 2,
      retryDelay: Math.max(1, Math.round((opts.retryDelayMs ?? 5_000) / 1000)),
      retryBackoff: true,
      expireInSeconds: this.leaseSeconds,
      ...(opts.startAfterMs && opts.startAfterMs > 0 ? { startAfter: opts.startAfterMs / 1000 } : {}),
      ...(slotSeconds ? { singletonSeconds: slotSeconds } : {}),
    };
    if (opts.singletonKey && opts.debounceKey)
      throw new Error('Pass a singletonKey or a debounceKey, not both.');
    const key = opts.singletonKey ?? opts.debounceKey;
    if (!key) return boss.send(name, envelope, options);
    // A singleton holds until its job finishes; a debounce only until it starts.
    const held = opts.singletonKey ? 'completed' : 'active';
    const client = await pool.connect();
    try {
      await client.query('begin');
      await client.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [
        `${schema}:singleton:${name}:${key}`,
      ]);
      const holding = await client.query(
        `select 1 from ${schema}.job where name = $1 and singleton_key = $2 and state < '${held}' limit 1`,
        [name, key],
      );
      const id = holding.rowCount
        ? null
        : await boss.send(name, envelope, {
            ...options,
            singletonKey: key,
            db: { executeSql: (text: string, values: unknown[]) => client.query(text, values) },
          });
      await client.query('commit');
      return id;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private arm(name: string): void {
    const { seconds, payload } = this.schedules.get(name)!;
    const tick = () => {
      if (!this.started) return;
      this.send(name, payload, { singletonKey: `schedule:${name}`, retryLimit: 0 }, seconds)
        .then((id) => id && this.wake(name))
        .catch((err) => this.opts.logger.warn({ err, job: name }, 'could not enqueue a scheduled job'));
    };
    // Check a few times a period, so the slot's job starts soon after the slot opens.
    const timer = setInterval(tick, Math.min(15_000, Math.max(1_000, (seconds * 1000) / 4)));
    timer.unref();
    this.timers.add(timer);
    tick();
  }

  private wake(name: string): void {
    this.wakers.get(name)?.();
  }

  private nap(name: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakers.set(name, done);
    });
  }

  private async loop(name: string): Promise<void> {
    const registered = this.handlers.get(name)!;
    while (this.started) {
      const free = registered.concurrency - registered.active;
      if (free > 0) {
        try {
          const queue = await this.open('worker');
          await this.ensureQueue(queue, name);
          const jobs = await queue.boss.fetch<Envelope>(name, { batchSize: free, includeMetadata: true });
          for (const job of jobs) this.run(queue, name, registered, job);
        } catch (err) {
          this.opts.logger.warn({ err, job: name }, 'could not fetch jobs');
        }
      }
      if (this.started) await this.nap(name, this.pollMs);
    }
  }

  private run(
    queue: Queue,
    name: string,
    registered: Registered,
    job: PgBoss.JobWithMetadata<Envelope>,
  ): void {
    registered.active += 1;
    const signal = this.controller.signal;
    const attempt = job.retryCount + 1;
    const logger = this.opts.logger.child({ job: name, jobId: job.id, attempt });
    const key = job.data?.exclusiveKey;
    const done = (async () => {
      let holding = false;
      try {
        if (signal.aborted) {
          await this.release(queue, name, job.id, 0);
          return;
        }
        if (key) {
          holding = await this.lockExclusive(queue, key);
          if (!holding) {
            await this.release(queue, name, job.id, EXCLUSIVE_RETRY_SECONDS);
            return;
          }
        }
        await this.heartbeat(queue, name, job.id);
        const beat = setInterval(
          () => {
            this.heartbeat(queue, name, job.id).catch((err) => logger.warn({ err }, 'job heartbeat failed'));
          },
          (this.leaseSeconds * 1000) / 4,
        );
        beat.unref();
        let failure: unknown;
        let ok = false;
        try {
          await registered.handler(job.data?.payload, { jobId: job.id, attempt, signal, logger });
          ok = true;
        } catch (error) {
          failure = error;
        } finally {
          clearInterval(beat);
        }
        if (signal.aborted) {
          // Stopping: the handler committed what it finished; the job goes back for another worker.
          await this.release(queue, name, job.id, 0);
          logger.info('job handed back at shutdown');
        } else if (ok) {
          await queue.boss.complete(name, job.id);
        } else {
          const retrying = job.retryCount < job.retryLimit;
          logger[retrying ? 'warn' : 'error'](
            { err: failure },
            retrying ? 'job failed; retrying' : 'job failed',
          );
          const message = failure instanceof Error ? failure.message : String(failure);
          await queue.boss.fail(name, job.id, { message: scrubString(message) });
        }
      } catch (err) {
        logger.error({ err }, 'job bookkeeping failed; the job is retried when its lease runs out');
      } finally {
        if (holding && key) await this.unlockExclusive(queue, key);
        registered.active -= 1;
        this.running.delete(job.id);
        this.wake(name);
      }
    })();
    this.running.set(job.id, done);
  }

  /** Keep the job's lease: pg-boss expires an active job `expire_in` after `started_on`. */
  private async heartbeat({ pool, schema }: Queue, name: string, id: string): Promise<void> {
    const result = await pool.query(
      `update ${schema}.job set started_on = now(), expire_in = $3 * interval '1 second'
        where name = $1 and id = $2 and state = 'active'`,
      [name, id, this.leaseSeconds],
    );
    if (result.rowCount === 0) {
      this.opts.logger.warn(
        { job: name, jobId: id },
        'job lease lost (expired); another worker may take it over',
      );
    }
  }

  /** Back to the queue, not counted as an attempt (`started_on` cleared keeps `retry_count`). */
  private async release(
    { pool, schema }: Queue,
    name: string,
    id: string,
    afterSeconds: number,
  ): Promise<void> {
    await pool.query(
      `update ${schema}.job set state = 'created', started_on = null,
          start_after = now() + $3 * interval '1 second'
        where name = $1 and id = $2 and state = 'active'`,
      [name, id, afterSeconds],
    );
  }

  /**
   * One session holds this runner's exclusive keys (if the process dies, Postgres frees them). Its
   * queries run one after another: a pg client must not be handed a query while it runs one.
   */
  private lockQuery(text: string, key: string): Promise<{ ok: boolean } | undefined> {
    const result = this.lockChain.then(async () => {
      const client = await this.locks();
      const { rows } = await client.query<{ ok: boolean }>(text, [key]);
      return rows[0];
    });
    this.lockChain = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private locks(): Promise<pg.Client> {
    if (!this.lockClient) {
      const connecting = (async () => {
        const client = new pg.Client({
          connectionString: this.opts.connectionString,
          application_name: 'beton-jobs-locks',
        });
        client.on('error', (err) => {
          this.opts.logger.error({ err }, 'job lock connection lost; its exclusive keys are free again');
          if (this.lockClient === connecting) {
            this.lockClient = undefined;
            this.lockGeneration += 1;
          }
        });
        await client.connect();
        return client;
      })();
      connecting.catch(() => {
        if (this.lockClient === connecting) this.lockClient = undefined;
      });
      this.lockClient = connecting;
    }
    return this.lockClient;
  }

  /** Whether the key was free (in this process and every other); it is then held until unlocked. */
  private async lockExclusive({ schema }: Queue, key: string): Promise<boolean> {
    // Advisory locks are re-entrant within a session: this process's own holders are checked here.
    if (this.heldLocally.has(key)) return false;
    this.heldLocally.set(key, this.lockGeneration);
    let ok = false;
    try {
      const row = await this.lockQuery(
        'select pg_try_advisory_lock(hashtextextended($1, 0)) as ok',
        `${schema}:exclusive:${key}`,
      );
      ok = Boolean(row?.ok);
      return ok;
    } finally {
      if (!ok) this.heldLocally.delete(key);
    }
  }

  private async unlockExclusive({ schema }: Queue, key: string): Promise<void> {
    // A session that closed meanwhile (runner stopped, connection lost) has let go of it already.
    if (this.heldLocally.get(key) !== this.lockGeneration) {
      this.heldLocally.delete(key);
      return;
    }
    await this.lockQuery(
      'select pg_advisory_unlock(hashtextextended($1, 0)) as ok',
      `${schema}:exclusive:${key}`,
    ).catch(() => undefined);
    this.heldLocally.delete(key);
  }
}
