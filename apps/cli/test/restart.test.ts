import { appendFileSync, cpSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { type Launch, startsWithLiftoffOnly } from "../src/restart.js"
import { shippedMigrations } from "./run.js"

const server = { DATABASE_URL: "postgres://aim@db.example/aim" }
// An entry whose folder has no migrations beside it, so only what a test names counts.
const entry = join(tmpdir(), "nowhere", "dist", "aim.mjs")
const launch = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv, cwd: string, nodeMajor = 20): Launch => ({ nodeMajor, args, env, cwd, entry })
const project = (files: "shipped" | "changed" | "extra"): string => {
  const cwd = mkdtempSync(join(tmpdir(), "aim-restart-"))
  cpSync(shippedMigrations, join(cwd, "migrations"), { recursive: true })
  if (files === "changed") appendFileSync(join(cwd, "migrations", "025_validate_audit_logs_user_fkey.sql"), "\n-- an operator's edit\n")
  if (files === "extra") writeFileSync(join(cwd, "migrations", "026_own_table.sql"), "CREATE TABLE own (id int);\n")
  return cwd
}

describe("the entry's start with --liftoff-only: only where the parser's or PGlite's WebAssembly may run", () => {
  it("aim drift on exactly the shipped files reads the build artifact: no scratch database, so no second start", () => {
    const cwd = project("shipped")
    expect(startsWithLiftoffOnly(launch(["drift"], server, cwd))).toBe(false)
    expect(startsWithLiftoffOnly(launch(["drift", "--json"], server, cwd, 24))).toBe(false)
    expect(startsWithLiftoffOnly(launch(["drift", "--migrations-dir", join(cwd, "migrations")], server, tmpdir()))).toBe(false)
    expect(startsWithLiftoffOnly(launch(["drift", `--migrations-dir=${join(cwd, "migrations")}`], server, tmpdir()))).toBe(false)
  })

  it("aim drift on other files replays them: on PGlite unless AIM_SCRATCH_DATABASE_URL names a server", () => {
    for (const files of ["changed", "extra"] as const) {
      const cwd = project(files)
      expect(startsWithLiftoffOnly(launch(["drift"], server, cwd)), files).toBe(true)
      expect(startsWithLiftoffOnly(launch(["drift"], { ...server, AIM_SCRATCH_DATABASE_URL: "postgres://aim@scratch/aim" }, cwd)), files).toBe(false)
      // Node 24's optimising tier recompiles the parser a replay uses: started again all the same.
      expect(startsWithLiftoffOnly(launch(["drift"], { ...server, AIM_SCRATCH_DATABASE_URL: "postgres://aim@scratch/aim" }, cwd, 24)), files).toBe(true)
    }
    // A directory that cannot be read is "not the shipped files": the command then says what is wrong.
    expect(startsWithLiftoffOnly(launch(["drift", "--migrations-dir", "/does/not/exist"], server, tmpdir()))).toBe(true)
  })

  it("nothing configured means the embedded PGlite; a server named by any means does not", () => {
    const cwd = project("shipped")
    expect(startsWithLiftoffOnly(launch(["status"], {}, cwd))).toBe(true)
    for (const env of [server, { POSTGRES_HOST: "db" }, { PGHOST: "db" }, { PGSERVICE: "aim" }])
      expect(startsWithLiftoffOnly(launch(["status"], env, cwd)), JSON.stringify(env)).toBe(false)
    writeFileSync(join(cwd, ".env"), "DATABASE_URL=postgres://aim@db/aim\n")
    expect(startsWithLiftoffOnly(launch(["status"], {}, cwd))).toBe(false)
  })

  it("the parser's commands start again on Node 22 and later only; a scratch replay on either", () => {
    const cwd = project("shipped")
    for (const args of [["plan"], ["lint"], ["migrate", "--dry-run"], ["rollback", "--to", "20"], ["mcp"]]) {
      expect(startsWithLiftoffOnly(launch(args, server, cwd, 24)), args.join(" ")).toBe(true)
      expect(startsWithLiftoffOnly(launch(args, { ...server, AIM_SCRATCH_DATABASE_URL: "postgres://aim@scratch/aim" }, cwd, 20)), args.join(" ")).toBe(false)
    }
    expect(startsWithLiftoffOnly(launch(["rollback", "--to", "20"], server, cwd, 20))).toBe(true)
    expect(startsWithLiftoffOnly(launch(["migrate"], server, cwd, 24))).toBe(false)
  })
})
