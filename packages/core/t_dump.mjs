import { PGlite } from "@electric-sql/pglite"
import { writeFileSync, readFileSync } from "node:fs"
const mode = process.argv[2]
const t0 = performance.now()
if (mode === "make") {
  const p = new PGlite(); await p.waitReady
  const blob = await p.dumpDataDir("gzip")
  writeFileSync("/tmp/pristine.tar.gz", Buffer.from(await blob.arrayBuffer()))
  console.log("dump bytes", blob.size)
} else if (mode === "fresh") {
  const p = new PGlite(); await p.waitReady; await p.query("select 1")
} else {
  const data = readFileSync("/tmp/pristine.tar.gz")
  const p = new PGlite("memory://", { loadDataDir: new Blob([data]) }); await p.waitReady; await p.query("select 1")
}
console.log(mode, Math.round(performance.now() - t0), "ms", Math.round(process.memoryUsage().rss / 1048576), "MB")
