import { sql } from "@aim/testkit"
import { useFreshDatabases } from "@aim/testkit/hooks"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { type DriftReport, detectDrift } from "../src/drift/Drift.js"
import { checksumOf } from "../src/source/checksum.js"
import type { Migration } from "../src/source/Migration.js"
import { databaseFor } from "../src/database/databases.js"
import { ReplayProgress } from "../src/migrator/replay.js"
import { serverSettings } from "./support.js"

// Drift end to end on a small schema of two files (the shipped 21 are drift.test.ts's): the live
// catalog and seed rows read, the expected one built on a scratch database, the two compared.
const fresh = useFreshDatabases("aim_drift_live")

const file = (version: number, text: string): Migration => ({
  version,
  name: `00${version}_f.sql`,
  path: "",
  sql: text,
  checksum: checksumOf(text),
  transactional: true,
})
const files = [
  file(
    1,
    `CREATE TABLE IF NOT EXISTS security_policies (id serial PRIMARY KEY, name text NOT NULL, priority int NOT NULL);
     INSERT INTO security_policies (name, priority) SELECT 'Data Exfiltration Detection', 250 WHERE NOT EXISTS (SELECT 1 FROM security_policies);`,
  ),
  file(2, "CREATE TABLE IF NOT EXISTS notes (id int PRIMARY KEY, body text DEFAULT 'x'); CREATE INDEX IF NOT EXISTS notes_body ON notes (body);"),
]

const drift = (url: string, applied = files): Promise<DriftReport> => {
  const settings = serverSettings(url)
  return Effect.runPromise(detectDrift(settings, applied).pipe(Effect.provide(databaseFor(settings))))
}

describe("detectDrift on a server", () => {
  it("nothing on the files' own result; then each change, with the seed rows compared by priority and an operator's policy left alone", async () => {
    const db = await fresh()
    for (const f of files) await sql(db.url, f.sql)
    expect(await drift(db.url)).toMatchObject({ ok: true, files: 2, differences: [] })

    await sql(
      db.url,
      `DROP INDEX notes_body; ALTER TABLE notes ALTER COLUMN body SET DEFAULT 'y';
       UPDATE security_policies SET priority = 5 WHERE name = 'Data Exfiltration Detection';
       INSERT INTO security_policies (name, priority) VALUES ('Operator policy', 1);
       CREATE TABLE scratchpad (id int)`,
    )
    const found = await drift(db.url)
    expect(found.ok).toBe(false)
    expect(found.database).toMatch(/aim_drift_live/)
    expect(found.differences.map((d) => `${d.kind} ${d.objectType} ${d.name}: ${d.actual ?? "-"}`)).toEqual([
      "changed column notes.body: text DEFAULT 'y'::text",
      "missing index notes_body: -",
      "changed seed security_policies/Data Exfiltration Detection: priority 5",
      "extra table scratchpad: ",
    ])
    expect(found.differences.find((d) => d.objectType === "index")?.fix).toBe(
      "CREATE INDEX notes_body ON public.notes USING btree (body); (002_f.sql creates it)",
    )
    // The file named there came from a second replay, told as such: its count starts over at 1.
    const told: Array<string> = []
    const settings = serverSettings(db.url)
    await Effect.runPromise(
      detectDrift(settings, files).pipe(
        Effect.provideService(ReplayProgress, (done, total, again) =>
          Effect.sync(() => told.push(`${done}/${total}${again === undefined ? "" : ` again ${again}`}`)),
        ),
        Effect.provide(databaseFor(settings)),
      ),
    )
    expect(told).toEqual(["1/2", "2/2", "1/2 again to name the file of each difference", "2/2 again to name the file of each difference"])
    // Without a difference that fails, one replay only.
    told.length = 0
    await sql(
      db.url,
      "CREATE INDEX notes_body ON notes (body); ALTER TABLE notes ALTER COLUMN body SET DEFAULT 'x'; UPDATE security_policies SET priority = 250 WHERE name = 'Data Exfiltration Detection'",
    )
    await Effect.runPromise(
      detectDrift(settings, files).pipe(
        Effect.provideService(ReplayProgress, (done, total, again) =>
          Effect.sync(() => told.push(`${done}/${total}${again === undefined ? "" : ` again ${again}`}`)),
        ),
        Effect.provide(databaseFor(settings)),
      ),
    )
    expect(told).toEqual(["1/2", "2/2"])
  })

  it("a database without the policies table has no seed rows to compare", async () => {
    const db = await fresh()
    await sql(db.url, files[1]?.sql ?? "")
    expect(await drift(db.url, [files[1] as Migration])).toMatchObject({ ok: true, files: 1, differences: [] })
  })
})
