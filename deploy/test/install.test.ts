import { createTestDatabase, packedCli, sql, testPostgresUrl } from "@aim/testkit"
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"

const repoRoot = resolve(import.meta.dirname, "../..")

/** The environment of a machine with nothing configured, plus `env`. */
const cleanEnv = (env: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const base: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(POSTGRES_|DATABASE_URL|REDIS_|SMTP_|NODE_ENV|PG|AIM_)/.test(key)) continue
    base[key] = value
  }
  return { ...base, NO_COLOR: "1", ...env }
}

const version = JSON.parse(readFileSync(join(repoRoot, "apps/cli/package.json"), "utf8")).version as string

// Here, beside the image's tests, because both take the run's one tarball (turbo's pack task): the CLI's
// own suite then depends on nothing and starts with the other long tasks.
describe("the installable CLI", () => {
  it("pnpm pack writes one tarball; npm install -g of it in an empty directory gives an aim that migrates a server and the embedded default", async () => {
    // The run's one pack (turbo's pack task, scripts/pack-cli.mjs), shared with the image's tests.
    const { tarball, files } = packedCli()
    expect(files).toEqual([`aim-migrate-${version}.tgz`])

    // An empty directory and an empty home: nothing of this repository is reachable from there.
    const work = mkdtempSync(join(tmpdir(), "aim-installed-"))
    const prefix = mkdtempSync(join(tmpdir(), "aim-prefix-"))
    const installed = spawnSync("npm", ["install", "-g", "--prefix", prefix, tarball], { cwd: work, encoding: "utf8" })
    expect(installed.status, installed.stderr).toBe(0)
    const aim = join(prefix, "bin", "aim")
    const run = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
      spawnSync(aim, args, { cwd: work, encoding: "utf8", env: { ...cleanEnv(env), HOME: work } })

    expect(run(["--version"]).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)

    const db = await createTestDatabase(testPostgresUrl(), "aim_installed")
    try {
      const server = run(["migrate", "--json"], { DATABASE_URL: db.url })
      expect(server.status, server.stderr).toBe(0)
      expect(JSON.parse(server.stdout)).toMatchObject({ ok: true, upToDate: true })
      expect(JSON.parse(server.stdout).applied).toHaveLength(25)
      expect(server.stderr).toMatch(/using the AIM migrations shipped with aim \(.*aim-migrate\/migrations\)/)
      expect(await sql(db.url, "SELECT count(*)::int AS n FROM security_policies")).toEqual([{ n: 6 }])
    } finally {
      await db.drop()
    }

    const embedded = run(["migrate"])
    expect(embedded.status, embedded.stderr).toBe(0)
    expect(embedded.stderr).toMatch(/No database configured: using the embedded PostgreSQL \(PGlite\)/)
    expect(embedded.stdout).toMatch(/25 migrations applied/)
    expect(existsSync(join(work, ".aim", "pglite"))).toBe(true)
    // It started from the prepared cluster packed beside the bundle, not from an initdb of its own:
    // pg_control begins with the cluster's system identifier, which a copy keeps and initdb draws anew.
    const packed = join(prefix, "lib", "node_modules", "aim-migrate", "dist", "pglite-cluster.tar.gz")
    const preparedControl = spawnSync("tar", ["-xzOf", packed, "/global/pg_control"], { encoding: "buffer" }).stdout
    expect(preparedControl.length).toBeGreaterThan(8)
    expect(readFileSync(join(work, ".aim", "pglite", "global", "pg_control")).subarray(0, 8)).toEqual(preparedControl.subarray(0, 8))
    // And drift's, with the shipped files applied, from which a scratch replay of an operator's files starts.
    expect(existsSync(join(prefix, "lib", "node_modules", "aim-migrate", "dist", "pglite-cluster-shipped.tar.gz"))).toBe(true)

    // Another directory, named explicitly; a missing one is an error, never replaced by the shipped files.
    const mine = mkdtempSync(join(tmpdir(), "aim-mine-"))
    writeFileSync(join(mine, "001_hello.sql"), "CREATE TABLE IF NOT EXISTS hello (id int);\n")
    const other = run(["status", "--json", "--migrations-dir", mine])
    // This embedded database already ran the shipped 001: the named directory is the one read.
    expect(JSON.parse(other.stdout).refusals).toContainEqual(expect.objectContaining({ kind: "changed", name: "001_hello.sql" }))
    const missing = run(["status", "--migrations-dir", join(work, "nowhere")])
    expect(missing.status).toBe(2)
    expect(missing.stderr).toMatch(/AIM-MIG-005/)
  })
})
