import { Data, Duration, Effect, Option } from "effect"
import type { Row, Session } from "../database/Database.js"
import type { SqlError } from "../database/SqlError.js"

/** The two-key advisory lock all aim-migrate processes agree on ("AIM", 1); scoped to the database. */
export const lockKeys = [0x41494d, 1] as const

export interface LockHolder {
  readonly pid: number
  readonly applicationName: string
  readonly clientAddress: string | null
  readonly since: string | null
  /** The holder's role: an application name is whatever a client says it is; the role is not. */
  readonly role: string | null
  /**
   * Whether that role could run migrations here (superuser, or CREATE on the database or schema
   * public). A role that cannot is not an aim migrating: it holds aim's lock to stall deploys.
   */
  readonly canMigrate: boolean
}

export class LockWaitTimeout extends Data.TaggedError("LockWaitTimeout")<{
  readonly waitedMs: number
  readonly holder: LockHolder | undefined
}> {
  override get message(): string {
    return `waited ${Math.round(this.waitedMs / 1000)} s for the migration lock${this.holder === undefined ? "" : ` held by ${describeHolder(this.holder)}`}`
  }
}

export const describeHolder = (holder: LockHolder): string =>
  `${holder.canMigrate ? "" : `role ${holder.role ?? "(unknown)"}, which cannot migrate this database and so is not an aim migrating, as `}${holder.applicationName || "an unnamed client"} (server pid ${holder.pid}${holder.role === null || !holder.canMigrate ? "" : `, role ${holder.role}`}${holder.clientAddress === null ? "" : `, from ${holder.clientAddress}`}${holder.since === null ? "" : `, since ${holder.since}`})${holder.canMigrate ? "" : `: ask the DBA to end it (SELECT pg_terminate_backend(${holder.pid})) and to revoke that role's access`}`

interface HolderRow extends Row {
  readonly pid: number
  readonly application_name: string | null
  readonly client_addr: string | null
  readonly since: Date | string | null
  readonly role: string | null
  readonly can_migrate: boolean | null
}

/** Who holds the migration lock now, from pg_locks and pg_stat_activity. */
export const lockHolder = (query: Session["query"]): Effect.Effect<Option.Option<LockHolder>, SqlError> =>
  query<HolderRow>(
    `SELECT a.pid, a.application_name, host(a.client_addr) AS client_addr, a.backend_start AS since, a.usename AS role,
            (r.rolsuper OR has_database_privilege(a.usesysid, current_database(), 'CREATE') OR has_schema_privilege(a.usesysid, 'public', 'CREATE')) AS can_migrate
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid LEFT JOIN pg_roles r ON r.oid = a.usesysid
      WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      LIMIT 1`,
    [...lockKeys],
  ).pipe(
    Effect.map((rows) =>
      Option.fromNullable(rows[0]).pipe(
        Option.map((row) => ({
          pid: Number(row.pid),
          applicationName: row.application_name ?? "",
          clientAddress: row.client_addr,
          since: row.since === null ? null : new Date(row.since).toISOString(),
          role: row.role,
          canMigrate: row.can_migrate !== false,
        })),
      ),
    ),
  )

export interface AcquireOptions {
  readonly wait: Duration.DurationInput
  /** Called once when the lock is found taken, with who holds it. */
  readonly onWait?: (holder: LockHolder | undefined) => Effect.Effect<void>
}

/**
 * Takes the session advisory lock, waiting at most `wait`. It polls with pg_try_advisory_lock rather
 * than blocking in pg_advisory_lock: a blocked waiter holds a snapshot, and CREATE INDEX CONCURRENTLY
 * in the holder's no-transaction migration would wait for it forever.
 */
export const acquireLock = (session: Session, options: AcquireOptions): Effect.Effect<void, LockWaitTimeout | SqlError> =>
  Effect.gen(function* () {
    const started = Date.now()
    const limit = Duration.toMillis(options.wait)
    let told = false
    let delay = 50
    for (;;) {
      const rows = yield* session.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1, $2) AS locked", [...lockKeys])
      if (rows[0]?.locked === true) return
      const holder = yield* lockHolder(session.query).pipe(
        Effect.map(Option.getOrUndefined),
        Effect.orElseSucceed(() => undefined),
      )
      if (!told) {
        told = true
        if (options.onWait !== undefined) yield* options.onWait(holder)
      }
      const waited = Date.now() - started
      if (waited >= limit) return yield* new LockWaitTimeout({ waitedMs: waited, holder })
      yield* Effect.sleep(Math.min(delay + Math.floor(Math.random() * 25), limit - waited))
      delay = Math.min(delay * 2, 250)
    }
  })

export const releaseLock = (session: Session): Effect.Effect<void, SqlError> =>
  session.query("SELECT pg_advisory_unlock($1, $2)", [...lockKeys]).pipe(Effect.asVoid)

export interface BlockingSession {
  readonly pid: number
  readonly applicationName: string
  readonly state: string | null
  readonly transactionStart: string | null
  readonly query: string | null
}

/**
 * Other sessions holding locks on tables in `public`, longest transaction first: after a
 * lock_timeout, the likeliest culprits. The query text is cut short and carries no parameters.
 */
export const blockingSessions = (query: Session["query"]): Effect.Effect<ReadonlyArray<BlockingSession>, SqlError> =>
  query<{ pid: number; application_name: string | null; state: string | null; xact_start: Date | string | null; query: string | null }>(
    `SELECT DISTINCT a.pid, a.application_name, a.state, a.xact_start, left(a.query, 120) AS query
       FROM pg_locks l
       JOIN pg_class c ON c.oid = l.relation
       JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.granted AND c.relnamespace = 'public'::regnamespace AND a.pid <> pg_backend_pid()
        AND a.datname = current_database() AND a.xact_start IS NOT NULL
      ORDER BY a.xact_start
      LIMIT 5`,
  ).pipe(
    Effect.map((rows) =>
      rows.map((r) => ({
        pid: Number(r.pid),
        applicationName: r.application_name ?? "",
        state: r.state,
        transactionStart: r.xact_start === null ? null : new Date(r.xact_start).toISOString(),
        query: r.query,
      })),
    ),
  )

export const describeBlocker = (b: BlockingSession): string => `server pid ${b.pid}${b.applicationName === "" ? "" : ` (${b.applicationName})`}`
