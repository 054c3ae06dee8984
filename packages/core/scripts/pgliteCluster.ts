// Writes src/database/pglite-cluster.tar.gz: the cluster PGlite's initdb makes, dumped before anything
// runs on it, from which every new embedded or scratch cluster starts (PgliteDatabase.ts). Run it after
// upgrading @electric-sql/pglite: embedded.test.ts fails until the file is this PGlite's again.
import { writeFileSync } from "node:fs"
import { resolve } from "node:path"
import { PGlite } from "@electric-sql/pglite"
import { preparedClusterFile } from "../src/database/PgliteDatabase.js"

const fresh = new PGlite("memory://")
await fresh.waitReady
const dump = await fresh.dumpDataDir("gzip")
await fresh.close()
const bytes = Buffer.from(await dump.arrayBuffer())
writeFileSync(resolve(import.meta.dirname, "../src/database", preparedClusterFile), bytes)
console.log(`${preparedClusterFile}: ${(bytes.length / 1e6).toFixed(1)} MB`)
