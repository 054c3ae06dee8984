// Writes src/drift/shippedCatalog.json: the catalog the shipped migrations build, as aim drift reads
// it, by replaying them on an in-memory PGlite (the same catalog as PostgreSQL 15's: a test checks both).
import { writeFileSync } from "node:fs"
import { resolve } from "node:path"
import { Effect } from "effect"
import { replayedCatalogOf } from "../src/drift/Drift.js"
import { loadMigrations } from "../src/source/MigrationSource.js"
import type { ShippedCatalog } from "../src/drift/shippedCatalog.js"

const root = resolve(import.meta.dirname, "../../..")
const files = await Effect.runPromise(loadMigrations(resolve(root, "migrations")))
const replayed = await Effect.runPromise(replayedCatalogOf(undefined, files))
const artifact: ShippedCatalog = {
  files: files.map((f) => [f.name, f.checksum] as const),
  catalog: [...replayed.catalog].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  createdBy: [...replayed.createdBy].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
}
writeFileSync(resolve(import.meta.dirname, "../src/drift/shippedCatalog.json"), `${JSON.stringify(artifact)}\n`)
console.log(`shippedCatalog.json: ${files.length} files, ${artifact.catalog.length} objects`)
