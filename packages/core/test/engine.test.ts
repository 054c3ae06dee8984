import { sql } from "@aim/testkit"
import { useFreshDatabases } from "@aim/testkit/hooks"
import { Effect, Layer } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { AimProductLive } from "../src/aim/product.js"
import { databaseFor } from "../src/database/databases.js"
import { CoLedger, noCoLedger } from "../src/ledger/CoLedger.js"
import { LedgerAdmin, LedgerAdminLive } from "../src/migrator/LedgerAdmin.js"
import { Migrator, MigratorLive } from "../src/migrator/Migrator.js"
import { MigrationSourceLive } from "../src/source/MigrationSource.js"
import { ShippedFiles, nothingShipped } from "../src/source/ShippedFiles.js"
import { serverSettings } from "./support.js"

// The migration engine knows nothing of AIM: a second product reuses it with its own files and no
// co-ledger. This migrates a directory that is not AIM's through the engine alone (the migrator,
// the files, a database; no AimLive, no AIM product), beside a table of another tool that the AIM
// product would refuse, and shows that what AIM adds comes from AimProductLive alone.

const fresh = useFreshDatabases("aim_engine")
const dir = mkdtempSync(join(tmpdir(), "aim-engine-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
writeFileSync(join(dir, "001_create_widgets.sql"), "CREATE TABLE IF NOT EXISTS widgets (id bigint PRIMARY KEY, name text NOT NULL);\n")
writeFileSync(join(dir, "002_seed_widgets.sql"), "INSERT INTO widgets VALUES (1, 'first') ON CONFLICT DO NOTHING;\n")

const engineAlone = Layer.merge(Layer.succeed(CoLedger, noCoLedger), Layer.succeed(ShippedFiles, nothingShipped))

const stack = (url: string, product: Layer.Layer<CoLedger | ShippedFiles>) =>
  Layer.mergeAll(MigratorLive(), LedgerAdminLive()).pipe(
    Layer.provide(databaseFor(serverSettings(url))),
    Layer.provide(MigrationSourceLive(dir)),
    Layer.provide(product),
  )

// golang-migrate's ledger: to the AIM product, the sign of another application's database.
const otherTool =
  "CREATE TABLE public.schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO public.schema_migrations VALUES (20240101, false)"

describe("the engine alone", () => {
  it("migrates a directory that is not AIM's, once, and writes no ledger but its own", async () => {
    const { url } = await fresh()
    await sql(url, otherTool)
    const run = Effect.gen(function* () {
      const migrator = yield* Migrator
      const first = yield* migrator.apply()
      const second = yield* migrator.apply()
      const status = yield* migrator.status
      return { first, second, status }
    })
    const { first, second, status } = await Effect.runPromise(run.pipe(Effect.provide(stack(url, engineAlone))))
    expect(first.applied.map((a) => a.name)).toEqual(["001_create_widgets.sql", "002_seed_widgets.sql"])
    expect(first.backendRecorded).toEqual([])
    expect(second.applied).toEqual([])
    expect(status.upToDate).toBe(true)
    expect(status.coLedger).toEqual({ release: "none", unrecorded: [], unknown: [], recorded: undefined })
    expect(await sql(url, "SELECT name FROM widgets")).toEqual([{ name: "first" }])
    expect((await sql(url, "SELECT name FROM aim_migrations.schema_migrations ORDER BY version")).map((r) => r.name)).toEqual([
      "001_create_widgets.sql",
      "002_seed_widgets.sql",
    ])
    // The other tool's table is not the engine's: read by nothing, written by nothing.
    expect(await sql(url, "SELECT version::text AS version, dirty FROM public.schema_migrations")).toEqual([{ version: "20240101", dirty: false }])
  })

  it("has nothing to adopt from without a co-ledger, and says so", async () => {
    const { url } = await fresh()
    const refused = await Effect.runPromise(Effect.flatMap(LedgerAdmin, (admin) => Effect.flip(admin.adopt())).pipe(Effect.provide(stack(url, engineAlone))))
    expect(refused._tag).toBe("LedgerAdminRefused")
    expect(refused.message).toContain("no other runner's ledger to adopt from")
  })

  it("with the AIM product composed in, the same database is another application's and is refused", async () => {
    const { url } = await fresh()
    await sql(url, otherTool)
    const refused = await Effect.runPromise(
      Effect.flatMap(Migrator, (migrator) => Effect.flip(migrator.apply())).pipe(Effect.provide(stack(url, AimProductLive))),
    )
    expect(refused._tag).toBe("MigrationRefused")
    expect(refused._tag === "MigrationRefused" ? refused.refusals.map((r) => r.kind) : []).toEqual(["foreign-ledger"])
    expect(await sql(url, "SELECT to_regclass('widgets') IS NULL AS absent")).toEqual([{ absent: true }])
  })
})
