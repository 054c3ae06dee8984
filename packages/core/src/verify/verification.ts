import bcrypt from "bcryptjs"
import { Effect, Option } from "effect"
import { AimConfig, type AimConfigShape, ServicesConfig, type ServicesConfigShape } from "../config/AimConfig.js"
import { Database, type DatabaseShape, transaction } from "../database/Database.js"
import type { ConnectionError, SqlError } from "../database/SqlError.js"
import { literal } from "../database/sqlText.js"
import { type MigratorError, Migrator, type StatusReport } from "../migrator/Migrator.js"
import type { LockWaitTimeout } from "../migrator/MigrationLock.js"
import type { MigrationFailed, MigrationRefused } from "../migrator/MigratorError.js"
import { type CatalogEntry, catalog, findEntry } from "../errors/catalog.js"
import { explain, refusalEntry } from "../diagnose/diagnose.js"
import { readLegacyLedger } from "../aim/backendLedger.js"
import { backendReleases, isKnownBackendFile, passwordResettingFiles, supportedRelease } from "../aim/backendRelease.js"
import { schemaDifferences, schemaItemsQuery } from "./backendSchema.js"
import { backendTables, defaultAdmin, defaultPolicies, enforcedPolicy, expectedTables } from "./expectations.js"
import { type Check, type VerifyReport, summarise } from "./VerifyReport.js"

/** What Verifier.ts's service runs: made here, loaded on the first verification. */
export interface VerifierShape {
  /** Every check of the guide's Steps 3 and 4 and its post-migration list that the database can answer. */
  readonly run: Effect.Effect<VerifyReport, SqlError | ConnectionError>
  /** The same with the ledger's status already known (aim migrate's, from the run it just made): the files and ledger are not read again. */
  readonly runWith: (status: StatusReport) => Effect.Effect<VerifyReport, SqlError | ConnectionError>
}

const isBcrypt = (hash: string) => /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/.test(hash) && bcrypt.getRounds(hash) >= 10

const pass = (id: string, group: string, title: string, detail: string): Check => ({ id, group, title, status: "pass", detail })
/** A warning or failure with its troubleshooting entry; `fix` replaces the entry's where the situation needs its own words. */
const problem = (status: "warn" | "fail", id: string, group: string, title: string, detail: string, entry: CatalogEntry, fix = entry.fix): Check => ({
  id,
  group,
  title,
  status,
  detail,
  code: entry.code,
  fix,
})

/** The columns of each table in public, read once; every check asks it before querying. */
type Columns = ReadonlyMap<string, ReadonlySet<string>>

/** The tables and columns of `needed` that the database lacks, as `table` or `table.column`. */
const lacking = (columns: Columns, needed: Readonly<Record<string, ReadonlyArray<string>>>): ReadonlyArray<string> =>
  Object.entries(needed).flatMap(([table, cols]) => {
    const present = columns.get(table)
    return present === undefined ? [table] : cols.filter((c) => !present.has(c)).map((c) => `${table}.${c}`)
  })

const lackingDetail = (missing: ReadonlyArray<string>) =>
  `cannot be checked: ${missing.map((m) => (m.includes(".") ? `column ${m}` : `table ${m}`)).join(", ")} ${missing.length === 1 ? "is" : "are"} missing`

interface ColumnRow {
  readonly table_name: string
  readonly column_name: string
  readonly [key: string]: unknown
}

/**
 * What every check group reads from: the database, the configuration (when one was given), and a
 * long-lived verifier's memo of bcrypt answers (a hash's answer never changes).
 */
interface VerifyContext {
  readonly db: DatabaseShape
  readonly config: Option.Option<AimConfigShape>
  /** The services' settings, for the guide's email check (given with the configuration). */
  readonly services: Option.Option<ServicesConfigShape>
  readonly defaultPasswordWorks: Map<string, boolean>
}

// The guide's "Email notifications working", as far as configuration can tell (aim doctor sends one).
const emailCheck = ({ services }: VerifyContext): Check => {
  const title = "Email notifications configured"
  if (Option.isNone(services)) return pass("email", "Post-Migration", title, "not checked: no configuration given")
  const { smtp, app } = services.value
  const missing = [smtp === undefined ? "SMTP_HOST/SMTP_USERNAME/SMTP_PASSWORD" : undefined, app.frontendUrl === undefined ? "FRONTEND_URL" : undefined].filter(
    (m): m is string => m !== undefined,
  )
  return missing.length === 0
    ? pass("email", "Post-Migration", title, `SMTP ${smtp?.host}:${smtp?.port}, links to ${app.frontendUrl}`)
    : problem("warn", "email", "Post-Migration", title, `not set: ${missing.join(", ")}`, catalog.emailNotConfigured)
}

const readColumns = ({ db }: VerifyContext) =>
  Effect.gen(function* () {
    const rows = yield* db.query<ColumnRow>(
      `SELECT c.table_name, c.column_name FROM information_schema.columns c
       JOIN pg_tables t ON t.tablename = c.table_name AND t.schemaname = c.table_schema
      WHERE c.table_schema = 'public'`,
    )
    const columns = new Map<string, Set<string>>()
    for (const row of rows) {
      const set = columns.get(row.table_name) ?? new Set<string>()
      set.add(row.column_name)
      columns.set(row.table_name, set)
    }
    return columns as Columns
  })

const tableChecks = (columns: Columns) => {
  const expected = Object.keys(expectedTables)
  const missing = expected.filter((t) => !columns.has(t))
  const checks: Array<Check> = [
    missing.length === 0
      ? pass("tables", "Step 3", "The 14 expected tables exist", expected.join(", "))
      : problem("fail", "tables", "Step 3", "The 14 expected tables exist", `missing: ${missing.join(", ")}`, catalog.migrationFailed),
  ]
  const missingColumns = Object.entries(expectedTables).flatMap(([table, cols]) =>
    columns.has(table) ? cols.filter((c) => !columns.get(table)?.has(c)).map((c) => `${table}.${c}`) : [],
  )
  checks.push(
    missingColumns.length === 0
      ? pass("columns", "Step 3", "Key columns exist", "every expected table has its key columns")
      : problem("fail", "columns", "Step 3", "Key columns exist", `missing: ${missingColumns.join(", ")}`, catalog.migrationFailed),
  )
  const unexpected = [...columns.keys()].filter((t) => !(t in expectedTables) && !backendTables.has(t)).sort()
  checks.push(
    unexpected.length === 0
      ? pass("unexpected-tables", "Step 3", "No unexpected tables in public", "public holds the 14 tables and the AIM backend's own")
      : problem("warn", "unexpected-tables", "Step 3", "No unexpected tables in public", `also present: ${unexpected.join(", ")}`, catalog.unexpectedTables),
  )
  return checks
}

// The backend's runner runs, at every start, each file of its release not recorded in its ledger.
const backendCheck = ({ db }: VerifyContext, known: StatusReport | undefined, schema: Check) =>
  Effect.gen(function* () {
    const title = "The AIM backend can start"
    const group = "Backend"
    // After aim migrate, the runner's ledger as that run read and left it; otherwise read now.
    const recorded = known !== undefined ? known.coLedger.recorded : yield* readLegacyLedger(db.query)
    const expected = backendReleases[supportedRelease]
    const have = new Set(recorded ?? [])
    const missing = expected.filter((f) => !have.has(f))
    if (missing.length > 0) {
      const resets = missing.filter((f) => passwordResettingFiles.has(f))
      const detail = [
        recorded === undefined
          ? `public.schema_migrations is missing: a backend start would run all ${expected.length} files of its release over this schema`
          : `not recorded in public.schema_migrations: ${missing.join(", ")} (a backend start would run them and stop at the first that fails)`,
        resets.length > 0 ? `${resets.join(" and ")} would set the admin password back to the published default` : "",
      ]
        .filter((d) => d !== "")
        .join("; ")
      return problem("fail", "backend", group, title, detail, catalog.backendWouldRun)
    }
    const unknown = [...have].filter((f) => !isKnownBackendFile(f)).sort()
    // Its runner runs nothing, yet a backend whose tables are not there (a table dropped by hand) does
    // not work: the start is only as good as the schema check above.
    if (schema.status === "fail") {
      return problem(
        "fail",
        "backend",
        group,
        title,
        `its runner would run none of its files, but the schema is not the backend's (the check above): its queries on what is missing or different fail`,
        schema.code === undefined ? catalog.backendWouldRun : (findEntry(schema.code) ?? catalog.backendWouldRun),
      )
    }
    return unknown.length > 0
      ? problem("warn", "backend", group, title, `recorded by a backend release aim does not know: ${unknown.join(", ")}`, catalog.backendNewerRelease)
      : pass("backend", group, title, `every file of the backend's current release is recorded (${expected.length}): its runner runs none`)
  })

// The guide's Step 4 asks for the default admin; a hardened database replaces it with its own
// admins. What the platform needs is an active admin it can log in as; the default admin, where it
// is still there, must have a proper hash and no longer the published password.
const adminChecks = ({ db, config, defaultPasswordWorks }: VerifyContext, columns: Columns) =>
  Effect.gen(function* () {
    const group = "Step 4"
    const missing = lacking(columns, { users: ["email", "role", "status", "password_hash", "organization_id"], organizations: ["id", "name", "is_active"] })
    if (missing.length > 0) return [problem("fail", "admin", group, "An active admin exists", lackingDetail(missing), catalog.migrationsPending)]
    const hasProvider = columns.get("users")?.has("provider") === true
    const admins = yield* db.query<{ email: string; org: string; org_active: boolean; password_hash: string | null; sso: boolean }>(
      // Every comparison names pg_catalog's operator on text: an operator a lower role planted in
      // public (=(varchar, varchar)) would otherwise be the exact match, and run as aim's role, on every
      // readiness probe. The same for the queries below.
      `SELECT u.email, o.name AS org, o.is_active AS org_active, u.password_hash,
              ${hasProvider ? "u.password_hash IS NULL AND coalesce(u.provider::text, 'local') OPERATOR(pg_catalog.<>) 'local'" : "false"} AS sso
         FROM public.users u JOIN public.organizations o ON o.id::text OPERATOR(pg_catalog.=) u.organization_id::text
        WHERE u.role::text OPERATOR(pg_catalog.=) 'admin' AND u.status::text OPERATOR(pg_catalog.=) 'active'${columns.get("users")?.has("deleted_at") === true ? " AND u.deleted_at IS NULL" : ""}
        ORDER BY u.email::text OPERATOR(pg_catalog.=) $1::text DESC, u.email`,
      [defaultAdmin.email],
    )
    // An admin who signs in through SSO (a provider other than local, no password hash) administers
    // as well as one with a password: the backend authenticates them at the provider.
    const canSignIn = (a: { password_hash: string | null; sso: boolean }) => a.sso || isBcrypt(a.password_hash ?? "")
    const usable = admins.filter((a) => a.org_active && canSignIn(a))
    // With no active admin, name who could be one (the default admin, former admins) and the statement that makes it so.
    const near =
      admins.length > 0
        ? []
        : yield* db.query<{ email: string; role: string | null; status: string | null }>(
            "SELECT email, role, status FROM public.users WHERE email::text OPERATOR(pg_catalog.=) $1::text OR role::text OPERATOR(pg_catalog.=) 'admin' ORDER BY email::text OPERATOR(pg_catalog.=) $1::text DESC, email LIMIT 3",
            [defaultAdmin.email],
          )
    const noAdmin =
      near.length === 0
        ? "no user has role admin and status active"
        : `no user has role admin and status active: ${near.map((u) => `${u.email} has role ${u.role ?? "NULL"}, status ${u.status ?? "NULL"}`).join("; ")}; to make ${near[0]?.email} the admin again: UPDATE users SET role = 'admin', status = 'active' WHERE email = ${literal(near[0]?.email ?? "")}`
    const unusable = admins
      .slice(0, 3)
      .map(
        (a) =>
          `${a.email} (${a.org_active ? "" : `organization ${a.org} is inactive`}${!a.org_active && !canSignIn(a) ? ", " : ""}${canSignIn(a) ? "" : "no valid bcrypt password hash and no SSO provider"})`,
      )
      .join("; ")
    const checks: Array<Check> = [
      usable.length > 0
        ? pass(
            "admin",
            group,
            "An active admin exists",
            `${usable.length} active admin${usable.length === 1 ? "" : "s"} in an active organization${usable.some((a) => a.email === defaultAdmin.email) ? ` (the default ${defaultAdmin.email} among them)` : ""}`,
          )
        : problem(
            "fail",
            "admin",
            group,
            "An active admin exists",
            admins.length === 0 ? noAdmin : `every active admin is in an inactive organization or has no valid bcrypt hash: ${unusable}`,
            catalog.adminNotCreated,
          ),
    ]
    const fallback = yield* db.query<{ password_hash: string | null }>(
      "SELECT password_hash FROM public.users WHERE email::text OPERATOR(pg_catalog.=) $1::text",
      [defaultAdmin.email],
    )
    const defaultRow = fallback[0]
    if (defaultRow === undefined) {
      checks.push(
        pass("admin-password", group, "Default admin password changed", `${defaultAdmin.email} is not there: nothing can log in with the published password`),
      )
      return checks
    }
    const hash = defaultRow.password_hash ?? ""
    if (!isBcrypt(hash)) {
      checks.push(
        problem(
          "fail",
          "admin-hash",
          group,
          "Admin password hash is bcrypt",
          `${defaultAdmin.email}: password_hash is not a bcrypt hash of cost 10 or more`,
          catalog.adminNotCreated,
        ),
      )
      return checks
    }
    checks.push(pass("admin-hash", group, "Admin password hash is bcrypt", `bcrypt, cost ${bcrypt.getRounds(hash)}`))
    // The shipped hash answers at once; only a re-hashed password needs the (deliberately slow) bcrypt.
    const known = defaultPasswordWorks.get(hash)
    const stillDefault = hash === defaultAdmin.shippedHash || (known ?? (yield* Effect.promise(() => bcrypt.compare(defaultAdmin.defaultPassword, hash))))
    defaultPasswordWorks.set(hash, stillDefault)
    const production = Option.isSome(config) && config.value.production
    checks.push(
      stillDefault
        ? problem(
            production ? "fail" : "warn",
            "admin-password",
            group,
            "Default admin password changed",
            production
              ? `the published default password still works for ${defaultAdmin.email} in production: anyone can log in as admin (the backend keeps serving so that the admin can log in and change it)`
              : "the default admin password from the guide still works: it MUST be changed on first login",
            catalog.defaultPassword,
          )
        : pass("admin-password", group, "Default admin password changed", "the default password no longer works"),
    )
    return checks
  })

const policyChecks = ({ db }: VerifyContext, columns: Columns) =>
  Effect.gen(function* () {
    const group = "Step 4"
    const missing = lacking(columns, { security_policies: ["name", "priority", "is_enabled"] })
    if (missing.length > 0) {
      return [
        problem("fail", "policies", group, "Six default security policies", lackingDetail(missing), catalog.migrationsPending),
        problem("fail", "policy-enforced", "Post-Migration", "Capability violation enforcement active", lackingDetail(missing), catalog.migrationsPending),
      ]
    }
    // A deployed security_policies has no is_enforced until 009 converges it: the policies are still read.
    const hasEnforced = columns.get("security_policies")?.has("is_enforced") === true
    const rows = yield* db.query<{ name: string; priority: number; is_enabled: boolean; is_enforced: boolean }>(
      `SELECT name, priority, is_enabled, ${hasEnforced ? "is_enforced" : "false AS is_enforced"} FROM public.security_policies ORDER BY priority DESC, name`,
    )
    const byName = new Map(rows.map((r) => [r.name, r]))
    const wrong = defaultPolicies.flatMap((p) => {
      const row = byName.get(p.name)
      if (row === undefined) return [`${p.name} missing`]
      return Number(row.priority) === p.priority ? [] : [`${p.name} has priority ${row.priority}, expected ${p.priority}`]
    })
    const enforced = rows.filter((r) => r.is_enforced && r.is_enabled).map((r) => r.name)
    return [
      wrong.length === 0
        ? pass("policies", group, "Six default security policies", defaultPolicies.map((p) => `${p.name} (${p.priority})`).join(", "))
        : problem("fail", "policies", group, "Six default security policies", wrong.join("; "), catalog.policiesNotCreated),
      !hasEnforced
        ? problem(
            "fail",
            "policy-enforced",
            "Post-Migration",
            "Capability violation enforcement active",
            lackingDetail(["security_policies.is_enforced"]),
            catalog.migrationsPending,
          )
        : enforced.includes(enforcedPolicy)
          ? pass(
              "policy-enforced",
              "Post-Migration",
              "Capability violation enforcement active",
              enforced.length === 1 ? `${enforcedPolicy} is the one enforced policy` : `${enforcedPolicy} is enforced, and ${enforced.length - 1} more`,
            )
          : problem(
              "fail",
              "policy-enforced",
              "Post-Migration",
              "Capability violation enforcement active",
              enforced.length === 0 ? "no policy is enforced" : `${enforcedPolicy} is not enforced (enforced: ${enforced.join(", ")})`,
              catalog.policiesNotCreated,
            ),
    ]
  })

// The backend's own schema (the contract): one read of the catalog, every difference named by kind.
const backendSchemaCheck = ({ db }: VerifyContext) =>
  Effect.map(db.query<{ kind: string; item: string }>(schemaItemsQuery), (rows): Check => {
    const title = "The backend's own schema"
    const differences = schemaDifferences(rows)
    if (differences.length === 0) {
      return pass("backend-schema", "Backend", title, "every column, constraint, index and trigger is the backend's current release's")
    }
    const byKind = (["column", "constraint", "index", "trigger"] as const)
      .map((kind) => differences.filter((d) => d.kind === kind))
      .filter((found) => found.length > 0)
      .map((found) => `${found.length} ${found[0]?.kind}${found.length === 1 ? "" : "s"} (${found.map((d) => `${d.change} ${d.item}`).join("; ")})`)
    // Only an added plain index leaves what the backend can write and delete as it was: a warning.
    const changesBehaviour = differences.some((d) => !(d.change === "extra" && d.kind === "index" && !d.item.startsWith("CREATE UNIQUE")))
    return problem(
      changesBehaviour ? "fail" : "warn",
      "backend-schema",
      "Backend",
      title,
      `${differences.length} difference${differences.length === 1 ? "" : "s"}: ${byKind.join(", ")}`,
      catalog.notBackendSchema,
    )
  })

// Inserts a request and rolls it back: proves the workflow table takes writes without leaving a row.
const registrationCheck = ({ db }: VerifyContext) =>
  Effect.scoped(
    Effect.gen(function* () {
      const session = yield* db.session
      const title = "New user registration workflow table is usable"
      // A session that may not write (a read-only role, an auditor's) proves nothing by failing to
      // insert, and must not try: the probe is skipped, said as a warning. A replica fails (readOnly).
      const [mode] = yield* session.query<{ read_only: string; replica: boolean }>(
        "SELECT pg_catalog.current_setting('transaction_read_only') AS read_only, pg_catalog.pg_is_in_recovery() AS replica",
      )
      if (mode?.replica === true) {
        return problem("fail", "registration", "Post-Migration", title, "the server is a read-only replica: the backend cannot write here", catalog.readOnly)
      }
      if (mode?.read_only === "on") {
        return problem(
          "warn",
          "registration",
          "Post-Migration",
          title,
          "not probed: this session is read-only (run verify as the migrating role to probe a write)",
          catalog.readOnly,
        )
      }
      const outcome = yield* transaction(
        session,
        session.query("INSERT INTO public.user_registration_requests (email, first_name, last_name) VALUES ($1, $2, $3) RETURNING status", [
          "aim-verify@example.invalid",
          "aim",
          "verify",
        ]),
        { rollback: "always" },
      ).pipe(Effect.either)
      return outcome._tag === "Right" && outcome.right[0]?.status === "pending"
        ? pass("registration", "Post-Migration", title, "a pending request can be written (rolled back)")
        : problem(
            "fail",
            "registration",
            "Post-Migration",
            title,
            outcome._tag === "Left" ? outcome.left.message : "unexpected default status",
            catalog.migrationFailed,
          )
    }),
  )

const ledgerCheck = (state: LedgerState): Check => {
  const title = "Ledger agrees with the migration files"
  if (state._tag === "Unreadable") return problem("fail", "ledger", "Ledger", title, state.error.message, explain(state.error).entry)
  const status = state.status
  if (status.upToDate) return pass("ledger", "Ledger", title, `${status.applied.length} applied, none pending, no drift`)
  // Rows a newer release applied (a rolling update): this release's files are all there, a warning.
  const refusals = status.refusals.filter((r) => !status.ahead.includes(r))
  if (refusals.length > 0) {
    return problem(
      "fail",
      "ledger",
      "Ledger",
      title,
      refusals.map((r) => r.detail).join("; "),
      refusals[0] === undefined ? catalog.internal : refusalEntry(refusals[0].kind),
    )
  }
  if (status.ahead.length > 0 && status.pending.length === 0) {
    return problem(
      "warn",
      "ledger",
      "Ledger",
      title,
      `the database is ahead of these files: ${status.ahead.map((r) => r.name).join(", ")} applied by a newer release (a rolling update, or this is an older release)`,
      refusalEntry("missing"),
    )
  }
  return problem(
    "fail",
    "ledger",
    "Ledger",
    title,
    `${status.pending.length} pending: ${status.pending.map((p) => p.name).join(", ")}`,
    catalog.migrationsPending,
  )
}

export const makeVerifier = Effect.gen(function* () {
  const db = yield* Database
  const migrator = yield* Migrator
  const config = yield* Effect.serviceOption(AimConfig)
  const services = yield* Effect.serviceOption(ServicesConfig)
  // A long-lived verifier (the health endpoint's, re-run every few seconds) does its costly work once:
  // bcrypt's answer for a hash never changes, and the write probe, once it passed, need not insert a
  // row on every probe. A fresh process (aim verify, a boot) does both.
  const defaultPasswordWorks = new Map<string, boolean>()
  let registrationPassed: Check | undefined
  const context: VerifyContext = { db, config, services, defaultPasswordWorks }

  const verify = (known: StatusReport | undefined) =>
    Effect.gen(function* () {
      const columns = yield* readColumns(context)
      const ledger: LedgerState =
        known !== undefined
          ? { _tag: "Read", status: known }
          : yield* migrator.status.pipe(
              Effect.map((status) => ({ _tag: "Read" as const, status })),
              Effect.catchAll((error) => Effect.succeed({ _tag: "Unreadable" as const, error })),
            )
      const schema = yield* backendSchemaCheck(context)
      const checks = [
        ...tableChecks(columns),
        ...(yield* adminChecks(context, columns)),
        ...(yield* policyChecks(context, columns)),
        schema,
        yield* backendCheck(context, known, schema),
        registrationPassed ??
          (yield* registrationCheck(context).pipe(
            Effect.catchAll((e) =>
              Effect.succeed(
                problem("fail", "registration", "Post-Migration", "New user registration workflow table is usable", e.message, catalog.migrationFailed),
              ),
            ),
            Effect.tap((check) =>
              Effect.sync(() => {
                if (check.status === "pass") registrationPassed = check
              }),
            ),
          )),
        ledgerCheck(ledger),
        emailCheck(context),
      ]
      return summarise(db.target, checks)
    })

  return { run: verify(undefined), runWith: verify } satisfies VerifierShape
})

type LedgerState =
  | { readonly _tag: "Read"; readonly status: StatusReport }
  | { readonly _tag: "Unreadable"; readonly error: Exclude<MigratorError, MigrationRefused | MigrationFailed | LockWaitTimeout> }
