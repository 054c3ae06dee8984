// Writes the prepared PGlite clusters new embedded and scratch clusters start from (PgliteDatabase.ts):
// - src/database/pglite-cluster.tar.gz: the cluster PGlite's initdb makes, dumped before anything runs
//   on it (every new embedded or scratch cluster);
// - src/database/pglite-cluster-shipped.tar.gz: that cluster with the shipped files replayed on it as
//   drift replays them (drift's scratch replay of an operator's files on top of the shipped ones).
// `pnpm --filter @aim/core pglite-cluster --initdb` writes both (after upgrading @electric-sql/pglite);
// without --initdb, only the shipped one, from the first (after changing a shipped file, with
// `shipped-catalog`). embedded.test.ts fails until both are this PGlite's and the shipped files' again.
import { readFileSync, writeFileSync } from "node:fs"
import { resolve } from "node:path"
import { PGlite } from "@electric-sql/pglite"
import { Effect } from "effect"
import { type Row, type Session, sessionSettings } from "../src/database/Database.js"
import { preparedClusterFile } from "../src/database/PgliteDatabase.js"
import { toSqlError } from "../src/database/SqlError.js"
import { shippedClusterFile } from "../src/drift/shippedCatalog.js"
import { executeFile } from "../src/migrator/replay.js"
import { loadMigrations } from "../src/source/MigrationSource.js"

const here = (file: string) => resolve(import.meta.dirname, "../src/database", file)
const write = async (db: PGlite, file: string) => {
  const dump = await db.dumpDataDir("gzip")
  const bytes = Buffer.from(await dump.arrayBuffer())
  writeFileSync(here(file), bytes)
  console.log(`${file}: ${(bytes.length / 1e6).toFixed(1)} MB`)
}

if (process.argv.includes("--initdb")) {
  const initdb = new PGlite("memory://")
  await initdb.waitReady
  await write(initdb, preparedClusterFile)
  await initdb.close()
}

// From the cluster every other new cluster starts from: the same system identifier and initdb's choices.
const fresh = new PGlite("memory://", { loadDataDir: new Blob([readFileSync(here(preparedClusterFile))]) })
await fresh.waitReady

// The shipped files, each as the replay runs it (executeFile: one transaction, the files' search_path),
// in a session with aim's settings, as PgliteDatabase opens one.
const session: Session = {
  query: <A extends Row = Row>(sql: string, params?: ReadonlyArray<unknown>) =>
    Effect.tryPromise({ try: () => fresh.query<A>(sql, params === undefined ? undefined : [...params]), catch: toSqlError }).pipe(Effect.map((r) => r.rows)),
  execute: (sql: string) => Effect.tryPromise({ try: () => fresh.exec(sql), catch: toSqlError }).pipe(Effect.asVoid),
  queries: (sql: string) =>
    Effect.tryPromise({ try: () => fresh.exec(sql), catch: toSqlError }).pipe(Effect.map((rs) => rs.map((r) => r.rows as ReadonlyArray<Row>))),
}
const files = await Effect.runPromise(loadMigrations(resolve(import.meta.dirname, "../../../migrations")))
await fresh.exec(
  Object.entries(sessionSettings)
    .map(([name, value]) => `SET ${name} = ${value};`)
    .join(" "),
)
await Effect.runPromise(Effect.forEach(files, (file) => executeFile(session, file), { discard: true }))
await fresh.exec("CHECKPOINT")
await write(fresh, shippedClusterFile)
await fresh.close()
