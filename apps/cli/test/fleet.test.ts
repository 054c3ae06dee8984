import { type TestDatabase, createTestDatabase, sql, testPostgresUrl } from "@aim/testkit"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { PassThrough } from "node:stream"
import { aim, cleanEnv, cliBundle, repoRoot } from "./run.js"

describe("aim migrate --databases (a fleet of 20 databases on the local server)", () => {
  const databases: Array<TestDatabase> = []
  beforeAll(async () => {
    for (let i = 0; i < 20; i++) databases.push(await createTestDatabase(testPostgresUrl(), "aim_fleet"))
  })
  afterAll(async () => {
    await Promise.all(databases.map((d) => d.drop()))
  })

  it("a rehearsal of a fleet is refused before any database is opened: --dry-run and --prove-idempotent never migrate it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aim-fleet-"))
    const file = join(dir, "databases.txt")
    writeFileSync(file, `${databases[0]?.url}\n`)
    for (const flag of ["--dry-run", "--prove-idempotent"]) {
      const result = await aim(["migrate", "--databases", file, flag, "--json"], { DATABASE_URL: testPostgresUrl() })
      expect(result.code, result.stderr).toBe(2)
      expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: "AIM-CLI-001", message: expect.stringContaining(flag) } })
    }
    expect(await sql(databases[0]?.url ?? "", "SELECT to_regclass('aim_migrations.schema_migrations') IS NULL AS untouched")).toEqual([{ untouched: true }])
  })

  it("migrates all with bounded concurrency; one failing database does not stop the others and sets the exit code", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aim-fleet-"))
    const file = join(dir, "databases.txt")
    // Half as URLs, half as names on the configured server, one that does not exist, a comment.
    const lines = databases.map((d, i) => (i % 2 === 0 ? d.url : d.name))
    lines.splice(7, 0, "aim_fleet_does_not_exist", "# staging is migrated separately")
    writeFileSync(file, `${lines.join("\n")}\n`)
    const result = await aim(["migrate", "--databases", file, "--concurrency", "4", "--json"], { DATABASE_URL: testPostgresUrl() })
    expect(result.code, result.stderr).toBe(1)
    const doc = JSON.parse(result.stdout)
    expect(doc.counts).toEqual({ ok: 20, failed: 1 })
    const failed = doc.databases.filter((d: { status: string }) => d.status === "failed")
    expect(failed).toEqual([
      expect.objectContaining({ database: expect.stringContaining("aim_fleet_does_not_exist"), error: expect.objectContaining({ code: "AIM-DB-007" }) }),
    ])
    for (const db of databases) expect(await sql(db.url, "SELECT count(*)::int AS n FROM aim_migrations.schema_migrations")).toEqual([{ n: 25 }])

    const again = await aim(["migrate", "--databases", file, "--concurrency", "8"], { DATABASE_URL: testPostgresUrl() })
    expect(again.code).toBe(1)
    expect(again.stdout).toMatch(/✖ 1 of 21 databases failed/)
    expect(again.stdout).toMatch(/^database +status +applied +ms$/m)
  })

  it("a bad line is a usage error naming the line", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "aim-fleet-")), "bad.txt")
    writeFileSync(file, "ok_name\nnot a database!\nmysql://root:Fleet-Secret-42@db.example/app\n")
    const result = await aim(["migrate", "--databases", file], { DATABASE_URL: testPostgresUrl() })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/bad\.txt:2: is neither a postgres:\/\/ URL nor a database name/)
    // A line with a password is named by its number and scheme, never echoed (text and JSON alike).
    expect(result.stderr).toMatch(/bad\.txt:3: is a mysql:\/\/ URL, not a postgres:\/\/ URL nor a database name/)
    const json = await aim(["migrate", "--databases", file, "--json"], { DATABASE_URL: testPostgresUrl() })
    for (const out of [result.stdout, result.stderr, json.stdout, json.stderr]) expect(out).not.toMatch(/Fleet-Secret|Secret-42|root:/)
  })

  it("the live table's cursor codes only on a terminal that understands them: not under TERM=dumb or NO_COLOR", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aim-fleet-tty-"))
    const file = join(dir, "databases.txt")
    writeFileSync(file, `${databases[19]?.name}\n`)
    const onTerminal = async (env: Record<string, string>) => {
      const { runCli } = await import("../src/main.js")
      const stdout = Object.assign(new PassThrough(), { isTTY: true })
      let text = ""
      stdout.on("data", (chunk: Buffer) => {
        text += chunk.toString()
      })
      const stdin = new PassThrough()
      stdin.end()
      const { NO_COLOR: _noColor, ...base } = cleanEnv({ DATABASE_URL: testPostgresUrl() })
      const code = await runCli({
        args: ["migrate", "--databases", file, "--no-verify"],
        env: { ...base, ...env },
        cwd: repoRoot,
        stdout,
        stderr: new PassThrough(),
        stdin,
        entry: cliBundle(),
      })
      return { code, text }
    }
    const xterm = await onTerminal({ TERM: "xterm-256color" })
    expect(xterm.code, xterm.text).toBe(0)
    expect(xterm.text).toContain("\u001b[2K")
    for (const env of [{ TERM: "dumb" }, { TERM: "xterm-256color", NO_COLOR: "1" }]) {
      const plain = await onTerminal(env)
      expect(plain.code).toBe(0)
      expect(plain.text).not.toContain("\u001b")
      expect(plain.text).toMatch(/1 databases?|migrat/)
    }
  })
})
