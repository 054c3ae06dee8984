import { PGlite } from "@electric-sql/pglite"
import { readdirSync, readFileSync } from "node:fs"
let t=Date.now()
const db = await PGlite.create("memory://x")
console.log("create", Date.now()-t); t=Date.now()
for (const f of readdirSync("../../migrations").filter(f=>f.endsWith(".sql")).sort()) { await db.exec("SET search_path=public;"+readFileSync("../../migrations/"+f,"utf8")) }
console.log("migrate", Date.now()-t); t=Date.now()
const dump = await db.dumpDataDir("none"); console.log("dump", Date.now()-t, dump.size); t=Date.now()
const db2 = await PGlite.create({ loadDataDir: dump }); console.log("load", Date.now()-t)
console.log(process.memoryUsage().rss/1e6)
