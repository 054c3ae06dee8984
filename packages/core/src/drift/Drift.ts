import { createHash } from "node:crypto"
import { Effect } from "effect"
import { AimConfig } from "../config/AimConfig.js"
import type { DatabaseSettings } from "../config/DatabaseConfig.js"
import { Database, type DatabaseShape } from "../database/Database.js"
import { withScratchDatabaseFrom } from "../database/databases.js"
import { ident } from "../database/sqlText.js"
import type { Migration } from "../source/Migration.js"
import { MigrationSource } from "../source/MigrationSource.js"
import { Migrator } from "../migrator/Migrator.js"
import { type KnownPrefix, ReplayProgress, replayFiles } from "../migrator/replay.js"
import { type DeployedObject, backendOwnedDefinitions, backendTables, deployedDifferences, deployedShapes } from "../verify/expectations.js"
import {
  type Catalog,
  type CatalogObject,
  type ObjectType,
  catalogOf,
  definitionOf,
  keyOf,
  nameOf,
  readCatalog,
  readCatalogKeys,
  seededTables,
} from "./catalog.js"
import { shippedCatalogOf, shippedDigestOf, shippedPrefixOf } from "./shippedCatalog.js"
import { type Renamable, type Repair, comparable, renameRepair, repairScript, repairsFor } from "./repair.js"

export type { ObjectType }

/** One way the live database differs from what its applied migration files produce. */
export interface Difference {
  /** renamed: a missing object and an extra one with the same definition, so one object under another name. */
  readonly kind: "missing" | "changed" | "extra" | "renamed"
  readonly objectType: ObjectType
  /** e.g. `users.email`, `idx_agents_status`, `security_policies/Capability Violation Detection`; the files' name when renamed. */
  readonly name: string
  /** renamed: the live object's name. */
  readonly from?: string
  readonly expected: string | null
  readonly actual: string | null
  /** What to do, in words and statements. */
  readonly fix: string
  /** The statements that repair it, each with its step in the repair script; none for what is not the files' (extra) or known. */
  readonly repair: ReadonlyArray<Repair>
  /** Set when this is a known difference of a database the deployed AIM backend built (none since 0.3.0: 022-025 converge them). */
  readonly known?: string
}

export interface DriftReport {
  readonly database: string
  /** False when something the files define is missing, changed or renamed (known differences aside). */
  readonly ok: boolean
  /** Applied files the expected catalog was built from. */
  readonly files: number
  readonly differences: ReadonlyArray<Difference>
  /** Every finding's repair in the order that converges, as one script (aim drift --sql prints it). */
  readonly script: ReadonlyArray<string>
}

type Of<K extends ObjectType> = Extract<CatalogObject, { kind: K }>

/** The table (or enum type) an object is part of, so the parts of a missing or extra one are not listed one by one. */
const ownerOf = (o: CatalogObject): string | undefined =>
  o.kind === "column" || o.kind === "constraint" || o.kind === "index" || o.kind === "trigger" || o.kind === "policy"
    ? `table:${o.table}`
    : o.kind === "label"
      ? `type:${o.type}`
      : undefined

/** An identifier in a definition (bare or quoted), not part of a longer one. */
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
const identifierPattern = (name: string) => new RegExp(`(?<![\\w$"])${escaped(name)}(?![\\w$"])|"${escaped(name.replace(/"/g, '""'))}"`, "g")

const replaceIdentifier = (text: string, from: string, to: string) => text.replace(identifierPattern(from), ident(to))

/** The live catalog as it is after `ALTER TABLE from RENAME TO to`: the table's parts and every definition naming it. */
const afterTableRename = (catalog: Catalog, from: string, to: string): Catalog => {
  const rename = (text: string) => replaceIdentifier(text, from, to)
  const moved = [...catalog.values()].map((o): CatalogObject => {
    switch (o.kind) {
      case "table":
        return o.name === from ? { ...o, name: to } : o
      case "column":
        return o.table === from ? { ...o, table: to } : o
      case "constraint":
        return { ...o, table: o.table === from ? to : o.table, definition: rename(o.definition), references: o.references === from ? to : o.references }
      case "index":
      case "trigger":
      case "policy":
        return { ...o, table: o.table === from ? to : o.table, definition: rename(o.definition) }
      case "sequence":
        return o.ownedBy === null ? o : { ...o, ownedBy: rename(o.ownedBy) }
      case "view":
        return { ...o, definition: rename(o.definition) }
      default:
        return o
    }
  })
  return catalogOf(moved)
}

/** The live catalog as it is after `ALTER TABLE table RENAME COLUMN from TO to`. */
const afterColumnRename = (catalog: Catalog, table: string, from: string, to: string): Catalog => {
  const rename = (text: string) => replaceIdentifier(text, from, to)
  const moved = [...catalog.values()].map((o): CatalogObject => {
    if (o.kind === "column") return o.table === table && o.name === from ? { ...o, name: to } : o
    if (o.kind === "constraint" && o.table !== table && o.references === table) {
      // Another table's foreign key names the column after REFERENCES.
      const at = o.definition.indexOf(" REFERENCES ")
      return at < 0 ? o : { ...o, definition: o.definition.slice(0, at) + rename(o.definition.slice(at)) }
    }
    if ((o.kind === "constraint" || o.kind === "index" || o.kind === "trigger" || o.kind === "policy") && o.table === table)
      return { ...o, definition: rename(o.definition) }
    if (o.kind === "sequence" && o.ownedBy === `${ident(table)}.${ident(from)}`) return { ...o, ownedBy: `${ident(table)}.${ident(to)}` }
    return o
  })
  return catalogOf(moved)
}

/** The definition of `o` were it named `name` (an index's and a trigger's definitions hold their names). */
const namedAs = (o: Renamable, name: string): string => {
  if (o.kind === "index") return o.definition.replace(/^(CREATE (?:UNIQUE )?INDEX )(\S+)( ON )/, (_, a, _n, b) => `${a}${ident(name)}${b}`)
  if (o.kind === "trigger") return definitionOf(o).replace(/^(CREATE (?:CONSTRAINT )?TRIGGER )(\S+)( )/, (_, a, _n, b) => `${a}${ident(name)}${b}`)
  return comparable(o)
}

const sameTable = (a: CatalogObject, b: CatalogObject) => !("table" in a) || !("table" in b) || a.table === b.table

/**
 * Missing objects that are an extra object under another name: of one type (and table), the same
 * definition, and one candidate each way (two look-alikes are two findings, not a guess).
 */
const renamesOf = (
  kind: Renamable["kind"],
  expected: Catalog,
  live: Catalog,
  equal: (want: Renamable, have: Renamable) => boolean,
): ReadonlyArray<readonly [Renamable, Renamable]> => {
  const missing = [...expected.values()].filter((o): o is Renamable => o.kind === kind && !live.has(keyOf(o)))
  const extra = [...live.values()].filter((o): o is Renamable => o.kind === kind && !expected.has(keyOf(o)))
  const pairs: Array<readonly [Renamable, Renamable]> = []
  for (const want of missing) {
    const [have, ...others] = extra.filter((candidate) => sameTable(want, candidate) && equal(want, candidate))
    if (have === undefined || others.length > 0) continue
    // And no other missing object that the same extra one could be.
    if (missing.filter((other) => sameTable(other, have) && equal(other, have)).length === 1) pairs.push([want, have])
  }
  return pairs
}

/** A table's columns as compared, for finding a renamed table. */
const columnsOf = (catalog: Catalog, table: string) =>
  [...catalog.values()]
    .filter((o): o is Of<"column"> => o.kind === "column" && o.table === table)
    .map((c) => `${c.name} ${comparable(c)}`)
    .sort()
    .join(", ")

/**
 * Finds renames (tables first: their parts are then compared under the files' name) and returns the
 * live catalog as it is once they are applied, with a finding for each.
 */
const findRenames = (expected: Catalog, live: Catalog): { readonly live: Catalog; readonly renamed: ReadonlyArray<Difference> } => {
  const renamed: Array<Difference> = []
  const found = (want: Renamable, have: Renamable) => {
    const repair = renameRepair(want, have.name)
    renamed.push({
      kind: "renamed",
      objectType: want.kind,
      name: nameOf(want),
      from: nameOf(have),
      expected: comparable(want),
      actual: comparable(have),
      fix: `${repair.sql}; (the live ${want.kind} ${nameOf(have)} is the files' ${nameOf(want)} under another name: same definition)`,
      repair: [repair],
    })
  }
  let current = live
  for (const [want, have] of renamesOf("table", expected, current, (w, h) => columnsOf(expected, w.name) === columnsOf(current, h.name))) {
    found(want, have)
    current = afterTableRename(current, have.name, want.name)
  }
  for (const [want, have] of renamesOf("column", expected, current, (w, h) => comparable(w) === comparable(h))) {
    found(want, have)
    if (want.kind === "column") current = afterColumnRename(current, want.table, have.name, want.name)
  }
  for (const kind of ["constraint", "index", "trigger", "view"] as const) {
    for (const [want, have] of renamesOf(kind, expected, current, (w, h) => namedAs(h, w.name) === comparable(w))) {
      found(want, have)
      const moved = {
        ...have,
        name: want.name,
        ...(have.kind === "index" || have.kind === "trigger" ? { definition: namedAs(have, want.name) } : {}),
      } as Renamable
      const next = new Map(current)
      next.delete(keyOf(have))
      next.set(keyOf(moved), moved)
      current = next
    }
  }
  return { live: current, renamed }
}

/** The words for a finding, around the statements of its repair. */
const fixFor = (kind: "missing" | "changed", repair: ReadonlyArray<Repair>, file: string | undefined): string => {
  // A function's whole definition belongs in the script, not in a line of the report.
  const statements = repair
    .map((r) => (r.sql.includes("\n") ? `${r.sql.split("\n")[0]} … (the files' whole definition: aim drift --sql)` : `${r.sql};`))
    .join(" ")
  if (kind === "missing") return `${statements}${file === undefined ? "" : ` (${file} creates it)`}`
  return `${statements} — or, if the change is wanted, make it a migration (aim new) so the files say so`
}

const extraFix = (o: CatalogObject): string => {
  if (o.kind === "table" && backendTables.has(o.name)) return "the AIM backend's own table, which aim's files 016-020 also create: leave it"
  if (o.kind === "label")
    return "an enum value cannot be dropped in place; if it is not wanted, make sure no row holds it, and leave it or recreate the type in a migration (aim new)"
  return "no migration file defines it: if it is wanted, add it in a migration (aim new) so the files say so; if not, drop it"
}

/**
 * A known difference of a database the deployed AIM backend built, for a catalog key with the files'
 * and the live definition (undefined: absent there).
 */
export type KnownDifference = (
  key: string,
  expected: string | undefined,
  actual: string | undefined,
) => { readonly title: string; readonly fix: string } | undefined

/** A known difference of a deployed database found on it: its title, fix and the catalog objects it explains. */
export interface FoundDifference {
  readonly title: string
  readonly fix: string
  readonly objects: ReadonlyArray<DeployedObject>
}

/**
 * Whether a catalog key and its live definition are a known difference of a database the deployed
 * backend built: exactly the definition a found difference gives it, an object exactly as a deployed
 * shape has it, or a function exactly as the backend's own files define it.
 */
export const knownDifference =
  (found: ReadonlyArray<FoundDifference>): KnownDifference =>
  (key, expected, actual) =>
    found.find((d) => d.objects.some((o) => o.key === key && expected !== undefined && o.deployed(expected).includes(actual ?? null))) ??
    deployedShapes.find((shape) => actual !== undefined && shape.objects[key] === actual) ??
    backendOwnedDefinitions.find((owned) => actual !== undefined && owned.definitions[key] === actual)

/** The deployed backend's known differences present on `db` (aim verify's queries), as a KnownDifference. */
const knownDifferences = (db: Pick<DatabaseShape, "query">) =>
  Effect.gen(function* () {
    const found: Array<FoundDifference> = []
    for (const difference of deployedDifferences) {
      const items = (yield* db.query<{ item: string }>(difference.query)).map((r) => r.item)
      if (items.length > 0) found.push({ title: difference.title, fix: difference.fix(items), objects: difference.inCatalog(items) })
    }
    return knownDifference(found)
  })

/**
 * The differences between the catalog the applied files produce (`expected`, with the file that
 * creates each object) and the live one, each with its repair: the comparison itself, apart from the
 * reads, so that every rule of it is tested on catalogs.
 */
export const compareCatalogs = (
  expected: Pick<ExpectedCatalog, "catalog" | "createdBy">,
  liveAsRead: Catalog,
  known: KnownDifference,
): ReadonlyArray<Difference> => {
  const { live, renamed } = findRenames(expected.catalog, liveAsRead)
  const differences: Array<Difference> = [...renamed]
  const keys = [...new Set([...expected.catalog.keys(), ...live.keys()])].sort()
  for (const key of keys) {
    const want = expected.catalog.get(key)
    const have = live.get(key)
    const wantDefinition = want === undefined ? undefined : comparable(want)
    const haveDefinition = have === undefined ? undefined : comparable(have)
    if (wantDefinition === haveDefinition) continue
    const object = (want ?? have) as CatalogObject
    const kind: Difference["kind"] = want === undefined ? "extra" : have === undefined ? "missing" : "changed"
    // Seed rows are the operator's data beyond the defaults: a policy the files do not seed is not drift.
    if (object.kind === "seed" && kind === "extra") continue
    // The parts of a missing or extra table (or type) are that table's difference, not one each.
    const owner = ownerOf(object)
    if (owner !== undefined && (kind === "missing" ? !live.has(owner) : kind === "extra" ? !expected.catalog.has(owner) : false)) continue
    const deployed = known(key, wantDefinition, haveDefinition)
    const repair = deployed !== undefined || want === undefined ? [] : repairsFor(want, have, expected.catalog)
    differences.push({
      kind,
      objectType: object.kind,
      name: nameOf(object),
      expected: wantDefinition ?? null,
      actual: haveDefinition ?? null,
      fix: deployed?.fix ?? (kind === "extra" ? extraFix(object) : fixFor(kind, repair, expected.createdBy.get(key))),
      repair,
      ...(deployed === undefined ? {} : { known: deployed.title }),
    })
  }
  return differences
}

/** Only what the files define and the live database lacks, has otherwise or under another name fails drift; extras and known shapes do not. */
export const driftOk = (differences: ReadonlyArray<Difference>): boolean => differences.every((d) => d.kind === "extra" || d.known !== undefined)

/** What the applied files produce, with the file that created each object: what the live catalog is compared with. */
export interface ExpectedCatalog {
  readonly catalog: Catalog
  readonly createdBy: ReadonlyMap<string, string>
  readonly files: number
  /** False when `createdBy` was not read (a replay without a snapshot between files): empty. */
  readonly attributed?: false
}

/**
 * The catalog the applied files produce: read from the shipped files' artifact when they are exactly
 * those (shippedCatalog.ts: no scratch database at all), else replayed.
 */
export const expectedCatalogOf = (settings: DatabaseSettings | undefined, applied: ReadonlyArray<Migration>, options: { readonly attribute?: boolean } = {}) =>
  Effect.flatMap(shippedCatalogOf(applied), (shipped) =>
    shipped === undefined
      ? Effect.flatMap(shippedPrefixOf(applied), (known) => replayedCatalogOf(settings, applied, known, options))
      : Effect.succeed<ExpectedCatalog>({ ...shipped, files: applied.length }),
  )

/**
 * What drift compares of a catalog, as one digest: two catalogs have the same one exactly when they
 * hold the same keys and each key's object compares equal (`comparable`), which is when
 * compareCatalogs finds no difference between them. (Not only then: an extra seed row is not a
 * difference, and changes the digest; a digest that differs only costs the full comparison.)
 */
export const comparedDigest = (catalog: Catalog): string => {
  const hash = createHash("sha256")
  // One JSON line per object: a name may hold any character but NUL, a newline included.
  for (const key of [...catalog.keys()].sort()) hash.update(`${JSON.stringify([key, comparable(catalog.get(key) as CatalogObject)])}\n`)
  return hash.digest("hex")
}

/**
 * The catalog the applied files produce, built on a scratch database, never the configured one (one
 * session for every file: a session per file costs more than the file itself). With `known`, the
 * first files' objects are attributed as it says (drift: the artifact, when the files begin with the
 * shipped ones); without it, every object by the replay itself, as the artifact is made and tested.
 */
export const replayedCatalogOf = (
  settings: DatabaseSettings | undefined,
  applied: ReadonlyArray<Migration>,
  known?: KnownPrefix,
  { attribute = true }: { readonly attribute?: boolean } = {},
) =>
  withScratchDatabaseFrom(
    settings,
    known?.cluster,
    // An in-memory scratch database may start with the known files applied (the shipped files'
    // prepared cluster): then only the files after them run.
    (prefixApplied) =>
      Effect.scoped(
        Effect.flatMap(
          Effect.flatMap(Database, (scratch) => scratch.session),
          (session) => replayFiles(session, applied, readCatalog, { known, keys: readCatalogKeys, snapshotTables: seededTables, attribute, prefixApplied }),
        ),
      ),
    "drift",
  ).pipe(
    Effect.map(
      ({ snapshot, createdBy }): ExpectedCatalog => ({
        catalog: snapshot,
        createdBy,
        files: applied.length,
        ...(attribute ? {} : { attributed: false as const }),
      }),
    ),
  )

/** What drift reads of the live database (`Database`): its catalog and its known differences. */
const liveCatalog = Effect.gen(function* () {
  const db = yield* Database
  return { database: db.target, catalog: yield* readCatalog(db), known: yield* knownDifferences(db) }
})

type LiveCatalog = Effect.Effect.Success<typeof liveCatalog>

const reportOf = (expected: ExpectedCatalog, live: LiveCatalog): DriftReport => {
  const differences = compareCatalogs(expected, live.catalog, live.known)
  return {
    database: live.database,
    ok: driftOk(differences),
    files: expected.files,
    differences,
    script: repairScript(differences.flatMap((d) => d.repair)),
  }
}

/** The live database (`Database`) against an expected catalog. */
export const driftAgainst = (expected: ExpectedCatalog) => Effect.map(liveCatalog, (live) => reportOf(expected, live))

/**
 * The live database against the catalog its applied files produce: every type, sequence, table,
 * column, constraint, index, trigger, function, view, row-level security policy and default policy
 * that is missing, changed, renamed or extra, each with its repair. The expected catalog is built on a
 * scratch database.
 */
export const detectDrift = (settings: DatabaseSettings | undefined, applied: ReadonlyArray<Migration>) =>
  Effect.gen(function* () {
    // Exactly the shipped files, and a live catalog whose digest is theirs: nothing differs, and the
    // artifact's catalog is not even loaded (what aim drift does on every database aim built).
    const digest = shippedDigestOf(applied)
    const read = digest === undefined ? undefined : yield* liveCatalog
    if (read !== undefined && comparedDigest(read.catalog) === digest)
      return { database: read.database, ok: true, files: applied.length, differences: [], script: repairScript([]) } satisfies DriftReport
    // Which file creates an object is named only in the fix of a difference that fails drift: the
    // files are replayed once without a snapshot between them, and again, attributing each object,
    // only when there is such a difference (50 files of an operator's own: 40 snapshots saved).
    const expected = yield* expectedCatalogOf(settings, applied, { attribute: false })
    const live = read ?? (yield* liveCatalog)
    const first = reportOf(expected, live)
    if (first.ok || expected.attributed !== false) return first
    // The live database is compared again as it was read: only the expected side gains its files.
    const progress = yield* ReplayProgress
    const naming = expectedCatalogOf(settings, applied).pipe(
      Effect.provideService(ReplayProgress, (done, total) => progress(done, total, "to name the file of each difference")),
    )
    return reportOf(yield* naming, live)
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
