// What a rollback would lose, counted before anything runs: a table's rows, a column's values, values a
// narrower type cannot hold; the rows the rolled-back files seeded and nobody changed (which go without
// asking); and --save-data's copy of the rest, written before the rollback runs.
import { Effect, Option } from "effect"
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs"
import { join } from "node:path"
import { AimConfig } from "../config/AimConfig.js"
import { withScratchDatabase } from "../database/databases.js"
import { executeFile } from "../migrator/replay.js"
import { Database, type DatabaseShape } from "../database/Database.js"
import { ident } from "../database/sqlText.js"
import { type Difference, expectedCatalogOf } from "../drift/Drift.js"
import { type Catalog, type CatalogObject, decodeJsonRow } from "../drift/catalog.js"
import type { Migration } from "../source/Migration.js"
import { type DataLoss, RollbackRefused } from "../migrator/MigratorError.js"

/** Files 1..N's catalog as drift builds it: the shipped artifact, else a replay on the configured scratch database. */
export const configuredTarget = (kept: ReadonlyArray<Migration>) =>
  Effect.flatMap(Effect.serviceOption(AimConfig), (config) => expectedCatalogOf(Option.isSome(config) ? config.value.scratch : undefined, kept))

export type TargetError = Effect.Effect.Error<ReturnType<typeof configuredTarget>>

export interface SavedData {
  readonly object: string
  readonly file: string
  readonly rows: number
}

export const keyOfDifference = (d: Difference) => `${d.objectType}:${d.name}`

// Counted up to a cap: a rollback's plan must not scan a production table of billions of rows to say "rows".
export const lossCountCap = 100_000

export const capped = (from: string) => `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${from} LIMIT ${lossCountCap}) AS counted`

export type Column = Extract<CatalogObject, { kind: "column" }>

/**
 * Where each kind of loss is read from: the query that counts it, the one that counts every value
 * (a narrowing whose cast fails outright loses them all) and the rows --save-data writes.
 */
export const lossSource = (object: string, what: DataLoss["what"], table: string, column?: Column, target?: Column) => {
  const t = `public.${ident(table)}`
  const c = column === undefined ? undefined : `r.${ident(column.name)}`
  const present = c === undefined ? "" : ` WHERE ${c} IS NOT NULL`
  const where = what === "narrowed values" && target !== undefined ? `${present} AND (${c}::${target.dataType})::text IS DISTINCT FROM ${c}::text` : present
  return {
    object,
    what,
    count: capped(`${t} AS r${where}`),
    countAll: capped(`${t} AS r${present}`),
    rows: `SELECT row_to_json(r)::text AS r FROM ${t} AS r${where}`,
  }
}

export type LossSource = ReturnType<typeof lossSource>

/** The data each drop or narrowing would remove, as queries over the live database. */
export const lossSources = (differences: ReadonlyArray<Difference>, live: Catalog, target: Catalog): ReadonlyArray<LossSource> =>
  differences.flatMap((d): ReadonlyArray<LossSource> => {
    const object = live.get(keyOfDifference(d))
    if (d.kind === "extra" && object?.kind === "table") return [lossSource(object.name, "rows", object.name)]
    if (d.kind === "extra" && object?.kind === "column") return [lossSource(`${object.table}.${object.name}`, "values", object.table, object)]
    const want = target.get(keyOfDifference(d))
    if (d.kind === "changed" && object?.kind === "column" && want?.kind === "column" && want.dataType !== object.dataType)
      return [lossSource(`${object.table}.${object.name}`, "narrowed values", object.table, object, want)]
    return []
  })

export const counted = (db: Pick<DatabaseShape, "query">, sql: string) => Effect.map(db.query<{ n: number }>(sql), (rows) => Number(rows[0]?.n ?? 0))

/** Counts each loss (a value the narrower type cannot hold at all fails the cast: then every value counts); keeps those with rows. */
export const countLosses = (db: Pick<DatabaseShape, "query">, sources: ReadonlyArray<LossSource>, accepted: ReadonlySet<string>) =>
  Effect.forEach(sources, (source) =>
    counted(db, source.count).pipe(
      Effect.catchTag("SqlError", () => counted(db, source.countAll)),
      Effect.map((rows) => ({ source, loss: { object: source.object, what: source.what, rows, accepted: accepted.has(source.object) } satisfies DataLoss })),
    ),
  ).pipe(Effect.map((all) => all.filter((c) => c.loss.rows > 0)))

// Rows compared for "seeded and unchanged" only up to this many per table: past it, every row counts.
export const seededCompareCap = 10_000

/** A column whose value is drawn when a row is inserted (a key, a clock, a random value): not part of what a seed wrote. */
export const drawn = (c: Column) =>
  c.identity !== "" ||
  c.generated !== null ||
  /nextval\(|gen_random_uuid|uuid_generate|now\(\)|current_timestamp|clock_timestamp|random\(\)/i.test(c.default ?? "")

/** A row as a seed wrote it: its columns but the drawn ones, in a stable order. */
export const written = (row: string, kept: ReadonlySet<string>) =>
  JSON.stringify(
    Object.entries(decodeJsonRow(row))
      .filter(([name]) => kept.has(name))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  )

/**
 * Of each table that goes, how many live rows are rows the files seeded, unchanged: the applied files
 * replayed on a scratch database give the seeded rows; a live row equal to one of them on every column
 * a seed writes (not a drawn key or clock) is that row, each seeded row matched once. Undefined for a
 * table with more rows than are compared.
 */
export type SeededRows = (
  applied: ReadonlyArray<Migration>,
  tables: ReadonlyArray<string>,
) => Effect.Effect<ReadonlyMap<string, ReadonlyArray<string>>, TargetError>

export const seededOnScratch: SeededRows = (applied, tables) =>
  Effect.flatMap(Effect.serviceOption(AimConfig), (config) =>
    withScratchDatabase(
      Option.isSome(config) ? config.value.scratch : undefined,
      Effect.scoped(
        Effect.gen(function* () {
          const session = yield* (yield* Database).session
          for (const m of applied) yield* executeFile(session, m)
          const seeded = new Map<string, ReadonlyArray<string>>()
          for (const table of tables)
            seeded.set(
              table,
              (yield* session.query<{ r: string }>(`SELECT row_to_json(r)::text AS r FROM public.${ident(table)} AS r`)).map((row) => row.r),
            )
          return seeded
        }),
      ),
      "rollback",
    ),
  )

/** How many of `table`'s live rows are not seeded-and-unchanged ones. */
export const unseededRows = (db: Pick<DatabaseShape, "query">, table: string, live: Catalog, seeded: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const kept = new Set([...live.values()].flatMap((o) => (o.kind === "column" && o.table === table && !drawn(o) ? [o.name] : [])))
    const rows = (yield* db.query<{ r: string }>(`SELECT row_to_json(r)::text AS r FROM public.${ident(table)} AS r LIMIT ${seededCompareCap + 1}`)).map(
      (row) => row.r,
    )
    if (rows.length > seededCompareCap) return undefined
    const left = new Map<string, number>()
    for (const row of seeded) {
      const key = written(row, kept)
      left.set(key, (left.get(key) ?? 0) + 1)
    }
    let unseeded = 0
    for (const row of rows) {
      const key = written(row, kept)
      const n = left.get(key) ?? 0
      if (n > 0) left.set(key, n - 1)
      else unseeded += 1
    }
    return unseeded
  })

/** Writes each loss's rows, one JSON object per line, to a file only its owner may read; refuses to overwrite one. */
export const saveData = (db: Pick<DatabaseShape, "query">, dir: string, sources: ReadonlyArray<LossSource>) =>
  Effect.gen(function* () {
    const saved: Array<SavedData> = []
    for (const source of sources) {
      const file = join(dir, `${source.object.replace(/[^A-Za-z0-9_.-]/g, "_")}.jsonl`)
      const rows = yield* db.query<{ r: string }>(source.rows)
      yield* Effect.try({
        try: () => {
          mkdirSync(dir, { recursive: true, mode: 0o700 })
          const fd = openSync(file, "wx", 0o600)
          try {
            for (const row of rows) writeSync(fd, `${row.r}\n`)
          } finally {
            closeSync(fd)
          }
        },
        catch: (error) =>
          new RollbackRefused({
            reason: "save",
            message: `--save-data cannot write ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}${(error as NodeJS.ErrnoException).code === "EEXIST" ? ": it holds an earlier save, which aim never overwrites" : ""}); nothing was changed: name an empty directory this user may write`,
          }),
      })
      saved.push({ object: source.object, file, rows: rows.length })
    }
    return saved
  })
