import { Effect } from "effect"
import { AimConfig } from "../config/AimConfig.js"
import type { DatabaseSettings } from "../config/DatabaseConfig.js"
import { type CatalogSnapshot, catalogSnapshot } from "../database/catalogSnapshot.js"
import { Database, type DatabaseShape } from "../database/Database.js"
import type { Migration } from "../migrations/Migration.js"
import { MigrationSource } from "../migrations/MigrationSource.js"
import { Migrator } from "../migrations/Migrator.js"
import { replayFiles } from "../migrations/replay.js"
import { withScratchDatabase } from "../database/databases.js"
import { backendOwnedDefinitions, backendTables, defaultPolicies, deployedDifferences, deployedShapes } from "../verify/expectations.js"

export type ObjectType = "table" | "column" | "constraint" | "index" | "trigger" | "function" | "seed"

/** One way the live database differs from what its applied migration files produce. */
export interface Difference {
  readonly kind: "missing" | "changed" | "extra"
  readonly objectType: ObjectType
  /** e.g. `users.email`, `idx_agents_status`, `security_policies/Capability Violation Detection`. */
  readonly name: string
  readonly expected: string | null
  readonly actual: string | null
  readonly fix: string
  /** Set when this is a known difference of a database the deployed AIM backend built (AIM-VER-004). */
  readonly known?: string
}

export interface DriftReport {
  readonly database: string
  /** False when something the files define is missing or changed (known differences aside). */
  readonly ok: boolean
  /** Applied files the expected catalog was built from. */
  readonly files: number
  readonly differences: ReadonlyArray<Difference>
}

const seedKey = (name: string) => `seed:security_policies/${name}`

/** The default policies by name, with their priority: the seed rows drift compares (never extra: users add policies). */
const seedRows = (db: Pick<DatabaseShape, "query">) =>
  Effect.gen(function* () {
    const exists = yield* db.query<{ t: string | null }>("SELECT to_regclass('public.security_policies')::text AS t")
    if (exists[0]?.t === null || exists[0]?.t === undefined) return new Map<string, string>()
    const rows = yield* db.query<{ name: string; priorities: string }>(
      "SELECT name, string_agg(DISTINCT priority::text, ', ' ORDER BY priority::text) AS priorities FROM security_policies WHERE name = ANY($1) GROUP BY name",
      [defaultPolicies.map((p) => p.name)],
    )
    return new Map(rows.map((r) => [seedKey(r.name), `priority ${r.priorities}`]))
  })

const snapshotWithSeeds = (db: Pick<DatabaseShape, "query">) =>
  Effect.gen(function* () {
    const snapshot = new Map(yield* catalogSnapshot(db, {}))
    for (const [key, value] of yield* seedRows(db)) snapshot.set(key, value)
    return snapshot as CatalogSnapshot
  })

/** What the applied files produce, on a scratch database (one session for every file: a session per file costs more than the file itself). */
const expectedCatalog = (settings: DatabaseSettings | undefined, applied: ReadonlyArray<Migration>) =>
  withScratchDatabase(
    settings,
    Effect.scoped(
      Effect.flatMap(
        Effect.flatMap(Database, (scratch) => scratch.session),
        (session) => replayFiles(session, applied, snapshotWithSeeds),
      ),
    ),
    "drift",
  )

const split = (key: string): { objectType: ObjectType; name: string } => {
  const at = key.indexOf(":")
  return { objectType: key.slice(0, at) as ObjectType, name: key.slice(at + 1) }
}

/** The table an object belongs to, so the parts of a missing or extra table are not listed one by one. */
const tableOf = (objectType: ObjectType, name: string, snapshot: CatalogSnapshot): string | undefined => {
  if (objectType === "column" || objectType === "constraint" || objectType === "trigger") return name.split(".")[0]
  if (objectType === "index") return / ON (?:public\.)?"?([A-Za-z0-9_]+)"? USING /.exec(snapshot.get(`index:${name}`) ?? "")?.[1]
  return undefined
}

/** The statements that create an object of this type from its definition, and that replace a changed one. */
const restatement = (objectType: ObjectType, name: string, definition: string | undefined): { create: string; replace: string } | undefined => {
  const [table, part] = name.split(".")
  switch (objectType) {
    case "index":
      return { create: `${definition};`, replace: `DROP INDEX ${name}; ${definition};` }
    case "trigger":
      return table === undefined || part === undefined ? undefined : { create: `${definition};`, replace: `DROP TRIGGER ${part} ON ${table}; ${definition};` }
    case "constraint":
      return table === undefined || part === undefined
        ? undefined
        : {
            create: `ALTER TABLE ${table} ADD CONSTRAINT ${part} ${definition};`,
            replace: `ALTER TABLE ${table} DROP CONSTRAINT ${part}, ADD CONSTRAINT ${part} ${definition};`,
          }
    default:
      return undefined
  }
}

const fixFor = (kind: Difference["kind"], objectType: ObjectType, name: string, expected: string | undefined, file: string | undefined): string => {
  if (kind === "extra") {
    if (objectType === "table" && backendTables.has(name)) return "the AIM backend's own table, which aim's files 016-020 also create: leave it"
    return `no migration file defines it: if it is wanted, add it in a migration (aim new) so the files say so; if not, drop it`
  }
  const statements = restatement(objectType, name, expected)
  if (kind === "missing") {
    const again = file === undefined ? "" : ` (${file} creates it; the files are idempotent, so psql -f migrations/${file} recreates what is missing)`
    return `${statements?.create ?? "recreate it"}${again}`
  }
  return `put back the definition ${file === undefined ? "the files give" : `${file} gives`}${statements === undefined ? "" : ` (${statements.replace})`}, or, if the change is wanted, make it a migration (aim new) so the files say so`
}

/** A known difference of a database the deployed AIM backend built, for a catalog key and its live value. */
export type KnownDifference = (key: string, actual: string | undefined) => { readonly title: string; readonly fix: string } | undefined

/** A difference aim verify knows (AIM-VER-004) found on the database: its title, fix and the catalog keys it covers (`kind:table.*` for every object of a table). */
export interface FoundDifference {
  readonly title: string
  readonly fix: string
  readonly keys: ReadonlyArray<string>
}

/**
 * Whether a catalog key and its live value are a known difference of a database the deployed backend
 * built: one of the found differences, an object exactly as a deployed shape has it, or a definition
 * the backend owns (present: its live value is the backend's own).
 */
export const knownDifference =
  (found: ReadonlyArray<FoundDifference>): KnownDifference =>
  (key, actual) =>
    found.find((d) => d.keys.some((k) => (k.endsWith(".*") ? key.startsWith(k.slice(0, -1)) : key === k))) ??
    deployedShapes.find((shape) => actual !== undefined && shape.objects[key] === actual) ??
    backendOwnedDefinitions.find((owned) => actual !== undefined && owned.keys.includes(key))

/** The deployed backend's known differences present on `db` (aim verify's queries), as a KnownDifference. */
const knownDifferences = (db: Pick<DatabaseShape, "query">) =>
  Effect.gen(function* () {
    const found: Array<FoundDifference> = []
    for (const difference of deployedDifferences) {
      const items = (yield* db.query<{ item: string }>(difference.query)).map((r) => r.item)
      if (items.length > 0) found.push({ title: difference.title, fix: difference.fix(items), keys: difference.catalogKeys(items) })
    }
    return knownDifference(found)
  })

/**
 * A numeric default compares by value (the deployed backend wrote 0.00 where aim's files write 0), and
 * CURRENT_TIMESTAMP is now() under another name.
 */
const comparable = (key: string, value: string | undefined) =>
  value !== undefined && key.startsWith("column:")
    ? value.replace(/(?<=\s)-?\d+\.\d+(?=\s)/g, (n) => String(Number(n))).replace(/(?<=\s)CURRENT_TIMESTAMP(?=\s)/g, "now()")
    : value

/**
 * The differences between the catalog the applied files produce (`expected`, with the file that
 * creates each object) and the live one, each with its fix: the comparison itself, apart from the
 * reads, so that every rule of it is tested on snapshots.
 */
export const compareCatalogs = (
  expected: { readonly snapshot: CatalogSnapshot; readonly createdBy: ReadonlyMap<string, string> },
  live: CatalogSnapshot,
  known: KnownDifference,
): ReadonlyArray<Difference> => {
  const differences: Array<Difference> = []
  const keys = [...new Set([...expected.snapshot.keys(), ...live.keys()])].sort()
  const missingTables = new Set(keys.filter((k) => k.startsWith("table:") && !live.has(k)).map((k) => k.slice("table:".length)))
  const extraTables = new Set(keys.filter((k) => k.startsWith("table:") && !expected.snapshot.has(k)).map((k) => k.slice("table:".length)))
  for (const key of keys) {
    const want = expected.snapshot.get(key)
    const have = live.get(key)
    if (comparable(key, want) === comparable(key, have)) continue
    const { objectType, name } = split(key)
    const kind: Difference["kind"] = want === undefined ? "extra" : have === undefined ? "missing" : "changed"
    // Seed rows are the operator's data beyond the defaults: a policy the files do not seed is not drift.
    if (objectType === "seed" && kind === "extra") continue
    // The parts of a missing or extra table are that table's difference, not one each.
    const table = tableOf(objectType, name, kind === "extra" ? live : expected.snapshot)
    // (A changed object's table is in both catalogs, so never in either set.)
    if (table !== undefined && (kind === "missing" ? missingTables : extraTables).has(table)) continue
    const deployed = known(key, have)
    differences.push({
      kind,
      objectType,
      name,
      expected: want ?? null,
      actual: have ?? null,
      fix: deployed?.fix ?? fixFor(kind, objectType, name, want, expected.createdBy.get(key)),
      ...(deployed === undefined ? {} : { known: deployed.title }),
    })
  }
  return differences
}

/** Only what the files define and the live database lacks or has otherwise fails drift; extras and known shapes do not. */
export const driftOk = (differences: ReadonlyArray<Difference>): boolean => differences.every((d) => d.kind === "extra" || d.known !== undefined)

/**
 * The live database against the catalog its applied files produce: every table, column (type,
 * default, nullability), constraint, index, trigger, function and default policy that is missing,
 * changed or extra, each with its fix. The expected catalog is built on a scratch database.
 */
export const detectDrift = (settings: DatabaseSettings | undefined, applied: ReadonlyArray<Migration>) =>
  Effect.gen(function* () {
    const db = yield* Database
    const live = yield* snapshotWithSeeds(db)
    const expected = yield* expectedCatalog(settings, applied)
    const differences = compareCatalogs(expected, live, yield* knownDifferences(db))
    return { database: db.target, ok: driftOk(differences), files: applied.length, differences } satisfies DriftReport
  })

/** Drift of the configured database against the files its ledger says were applied. */
export const driftOfApplied = Effect.gen(function* () {
  const config = yield* AimConfig
  const files = yield* (yield* MigrationSource).load
  const status = yield* (yield* Migrator).statusOf(files)
  const applied = new Set(status.applied.map((a) => a.version))
  return yield* detectDrift(
    config.scratch,
    files.filter((f) => applied.has(f.version)),
  )
})
