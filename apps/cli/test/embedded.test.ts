import { spawn } from "node:child_process"
import { cpSync, existsSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { aim, aimProcess, cleanEnv, repoRoot, shippedMigrations } from "./run.js"

describe("the embedded default", () => {
  it("with nothing configured, aim migrate says so in one line and migrates .aim/ in the working directory", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "aim-embedded-"))
    cpSync(shippedMigrations, join(cwd, "migrations"), { recursive: true })
    const first = await aimProcess(["migrate"], {}, cwd)
    expect(first.code, first.stderr).toBe(0)
    expect(first.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^ℹ No database configured: using the embedded PostgreSQL \(PGlite\) in .*\.aim\/pglite/),
    ])
    expect(first.stdout).toMatch(/25 migrations applied/)
    expect(existsSync(join(cwd, ".aim", "pglite", "PG_VERSION"))).toBe(true)
    const status = await aimProcess(["status", "--json"], {}, cwd)
    expect(JSON.parse(status.stdout)).toMatchObject({ upToDate: true, pending: [] })
  })

  it("the README's pnpm aim runs the bundle through scripts/built.mjs: the re-start with --liftoff-only for PGlite is the bundle's, with its arguments", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "aim-built-"))
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [join(repoRoot, "scripts/built.mjs"), "cli", "migrate", "--no-verify", "--migrations-dir", shippedMigrations], {
        cwd,
        env: cleanEnv(),
      })
      let [stdout, stderr] = ["", ""]
      child.stdout.on("data", (chunk) => {
        stdout += chunk
      })
      child.stderr.on("data", (chunk) => {
        stderr += chunk
      })
      child.on("exit", (code) => resolve({ code, stdout, stderr }))
    })
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/25 migrations applied/)
  })

  it("several processes on the same embedded database take turns: each migration applied once, all exit 0", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "aim-embedded-race-"))
    cpSync(shippedMigrations, join(cwd, "migrations"), { recursive: true })
    const results = await Promise.all(Array.from({ length: 3 }, () => aimProcess(["migrate", "--json", "--no-verify"], {}, cwd)))
    for (const r of results) expect(r.code, `${r.stderr}\n${r.stdout}`).toBe(0)
    const applied = results.flatMap((r) => JSON.parse(r.stdout).applied as Array<{ version: number }>).map((a) => a.version)
    expect(applied.sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1))
  })

  it("never falls back to the embedded database in production: the missing variables are listed", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "aim-prod-"))
    const result = await aimProcess(["migrate", "--migrations-dir", shippedMigrations], { NODE_ENV: "production" }, cwd)
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/AIM-CFG-001/)
    for (const v of ["POSTGRES_HOST", "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"]) expect(result.stderr).toContain(v)
    expect(existsSync(join(cwd, ".aim"))).toBe(false)
  })

  it("never falls back when a server is configured but unreachable", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "aim-noserver-"))
    const result = await aimProcess(
      ["migrate", "--migrations-dir", shippedMigrations],
      { POSTGRES_HOST: "127.0.0.1", POSTGRES_PORT: "1", POSTGRES_USER: "u", POSTGRES_PASSWORD: "p4ss", POSTGRES_DB: "d" },
      cwd,
    )
    expect(result.code).toBe(1)
    expect(result.stderr).not.toMatch(/embedded/)
    expect(existsSync(join(cwd, ".aim"))).toBe(false)
  })

  it("aim plan and aim drift work on it too: 25 files planned, then no drift after migrate", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "aim-plan-embedded-"))
    cpSync(shippedMigrations, join(cwd, "migrations"), { recursive: true })
    const planned = await aim(["plan", "--json"], {}, cwd)
    expect(planned.code, planned.stderr).toBe(0)
    expect(JSON.parse(planned.stdout).pending).toHaveLength(25)
    expect(planned.stderr).toMatch(/No database configured: using the embedded PostgreSQL/)
    expect((await aim(["migrate", "--no-verify"], {}, cwd)).code).toBe(0)
    const drift = await aim(["drift"], {}, cwd)
    expect(drift.code, drift.stderr).toBe(0)
    expect(drift.stdout).toMatch(/no drift/)
    // The file workload on PGlite (no pg_stat_statements here): a rename breaks the read of its column, an addition nothing.
    const workload = join(cwd, "workload.sql")
    writeFileSync(workload, "SELECT description FROM agents WHERE id = $1;\nSELECT name FROM agents;\n")
    writeFileSync(
      join(cwd, "migrations", "026_rename.sql"),
      "-- 026: renamed\nALTER TABLE agents ADD COLUMN nickname text;\nALTER TABLE agents RENAME COLUMN description TO summary;\n",
    )
    const breaking = await aim(["plan", "--workload", workload, "--fail-on", "breaking", "--json"], {}, cwd)
    expect(breaking.code, breaking.stderr).toBe(1)
    expect(JSON.parse(breaking.stdout).workload).toMatchObject({
      source: "file",
      queries: 2,
      breaks: [{ file: "026_rename.sql", line: 3, query: "SELECT description FROM agents WHERE id = $1", sqlState: "42703" }],
    })
  })
})
