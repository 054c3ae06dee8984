// Writes src/drift/shippedCatalog.json (the catalog the shipped migrations build, as aim drift reads
// it, with the file that created each object) and src/drift/shippedCatalogDigest.json (the files it
// was computed from and the digest of what drift compares), by replaying them on an in-memory PGlite
// (the same catalog as PostgreSQL 15's: a test checks both).
import { writeFileSync } from "node:fs"
import { resolve } from "node:path"
import { Effect } from "effect"
import { comparedDigest, replayedCatalogOf } from "../src/drift/Drift.js"
import { loadMigrations } from "../src/source/MigrationSource.js"
import type { ShippedCatalogDigest, ShippedCatalogObjects } from "../src/drift/shippedCatalog.js"

const root = resolve(import.meta.dirname, "../../..")
const byKey = ([a]: readonly [string, unknown], [b]: readonly [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0)
const files = await Effect.runPromise(loadMigrations(resolve(root, "migrations")))
const replayed = await Effect.runPromise(replayedCatalogOf(undefined, files))
const objects: ShippedCatalogObjects = { catalog: [...replayed.catalog].sort(byKey), createdBy: [...replayed.createdBy].sort(byKey) }
const digest: ShippedCatalogDigest = { files: files.map((f) => [f.name, f.checksum] as const), digest: comparedDigest(replayed.catalog) }
writeFileSync(resolve(import.meta.dirname, "../src/drift/shippedCatalog.json"), `${JSON.stringify(objects)}\n`)
writeFileSync(resolve(import.meta.dirname, "../src/drift/shippedCatalogDigest.json"), `${JSON.stringify(digest, null, 1)}\n`)
console.log(`shippedCatalog.json: ${files.length} files, ${objects.catalog.length} objects; digest ${digest.digest}`)
