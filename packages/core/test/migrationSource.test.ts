import fc from "fast-check"
import { Effect } from "effect"
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, relative } from "node:path"
import { describe, expect, it } from "vitest"
import { loadMigrations } from "../src/source/MigrationSource.js"
import { shippedMigrations as shipped } from "../src/aim/shipped.js"
import { checksumOf } from "../src/source/checksum.js"
import { MigrationSource, MigrationSourceLive, descriptionOf, fileNamePattern, isTransactional, textProblems } from "../src/source/MigrationSource.js"
import { shippedMigrations } from "./support.js"

const dirWith = (files: Record<string, string | Buffer>) => {
  const dir = mkdtempSync(join(tmpdir(), "aim-src-"))
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
  return dir
}

const load = (dir: string) => Effect.runPromise(Effect.either(loadMigrations(dir)))

describe("migration source", () => {
  it("reads the shipped migrations in order: the guide's 15 with its names, then the backend's", async () => {
    const result = await load(shippedMigrations)
    if (result._tag === "Left") throw new Error(result.left.message)
    expect(result.right.map((m) => m.name)).toEqual([
      "001_initial_schema.sql",
      "002_add_missing_user_columns.sql",
      "003_add_missing_agent_columns.sql",
      "004_create_mcp_servers_table.sql",
      "005_create_verification_events_table.sql",
      "006_add_password_hash_column.sql",
      "007_create_system_config_table.sql",
      "008_create_sdk_tokens_table.sql",
      "009_create_security_policies_table.sql",
      "010_create_analytics_tables.sql",
      "011_add_password_reset_fields.sql",
      "012_create_user_registration_requests_table.sql",
      "013_create_default_admin_user.sql",
      "014_fix_alerts_schema.sql",
      "015_add_default_security_policies.sql",
      "016_create_backend_metrics_tables.sql",
      "017_create_backend_capability_tables.sql",
      "018_create_backend_webhook_and_tag_tables.sql",
      "019_create_backend_mcp_tables.sql",
      "020_align_columns_with_backend.sql",
      "021_validate_audit_logs_user_fkey.sql",
      "022_converge_to_backend_schema.sql",
      "023_converge_audit_logs.sql",
      "024_converge_audit_logs_user_fkey.sql",
      "025_validate_audit_logs_user_fkey.sql",
    ])
    expect(result.right.every((m) => m.transactional)).toBe(true)
  })

  it("names every offending file: bad name, duplicate, empty, not UTF-8 (a gap is allowed)", async () => {
    const dir = dirWith({
      "001_ok.sql": "SELECT 1;",
      "002_ok.sql": "SELECT 2;",
      "002_twin.sql": "SELECT 2;",
      "005_after_gap.sql": "SELECT 5;",
      "006_empty.sql": "  \n",
      "007_latin1.sql": Buffer.from([0x53, 0x45, 0x4c, 0xe9, 0x0a]),
      "8_short.sql": "SELECT 8;",
      "008 spaces.sql": "SELECT 8;",
      "001_ok.down.sql": "DROP TABLE x;",
      "README.md": "not a migration",
    })
    const result = await load(dir)
    if (result._tag === "Right") throw new Error("expected a failure")
    expect(result.left._tag).toBe("MigrationSourceError")
    if (result.left._tag !== "MigrationSourceError") return
    const byFile = Object.fromEntries(result.left.problems.map((p) => [p.file, p.problem]))
    expect(Object.keys(byFile).sort()).toEqual(["002_twin.sql", "006_empty.sql", "007_latin1.sql", "8_short.sql", "008 spaces.sql"].sort())
    expect(byFile["002_twin.sql"]).toMatch(/same number as 002_ok\.sql/)
    expect(byFile["006_empty.sql"]).toMatch(/empty/)
    expect(byFile["007_latin1.sql"]).toMatch(/UTF-8/)
    expect(byFile["8_short.sql"]).toMatch(/NNN_description/)
  })

  it("reads the deployed backend's layout: NNN_x.up.sql is the up file, .down.sql is ignored; a shared number names both files and the next free one", async () => {
    const ok = await load(
      dirWith({
        "035_create_tags.sql": "SELECT 1;",
        "036_create_test_hooks.up.sql": "SELECT 2;",
        "036_create_test_hooks.down.sql": "DROP TABLE test_hooks;",
        "040_after_gap.sql": "SELECT 3;",
      }),
    )
    if (ok._tag === "Left") throw new Error(ok.left.message)
    expect(ok.right.map((m) => [m.version, m.name])).toEqual([
      [35, "035_create_tags.sql"],
      [36, "036_create_test_hooks.up.sql"],
      [40, "040_after_gap.sql"],
    ])
    const twins = await load(
      dirWith({
        "033_a.sql": "SELECT 1;",
        "034_add_agent_last_active.sql": "SELECT 2;",
        "034_reset_admin_password.sql": "SELECT 3;",
        "041_last.sql": "SELECT 4;",
      }),
    )
    if (twins._tag === "Right" || twins.left._tag !== "MigrationSourceError") throw new Error("expected a MigrationSourceError")
    expect(twins.left.problems).toEqual([
      {
        file: "034_reset_admin_password.sql",
        problem: expect.stringMatching(/same number as 034_add_agent_last_active\.sql.*Rename it 042_reset_admin_password\.sql \(the next free number\)/),
      },
    ])
    expect(twins.left.message).not.toMatch(/036|renumber it/)
  })

  it("the shipped-migrations list (what aim adopt may run again on a deployed database) is exactly migrations/", async () => {
    const result = await load(shippedMigrations)
    if (result._tag === "Left") throw new Error(result.left.message)
    const onDisk = Object.fromEntries(result.right.map((m) => [m.name, m.checksum]))
    // After editing a file in migrations/, update src/aim/shipped.ts with these checksums.
    expect(Object.fromEntries(shipped)).toEqual(onDisk)
  })

  it("reports a missing directory as an error, never as nothing to do", async () => {
    const result = await load(join(tmpdir(), "no-such-dir-aim"))
    expect(result._tag === "Left" && result.left._tag).toBe("MigrationsDirectoryMissing")
  })

  it("checksums ignore CRLF line endings and a BOM, but not content", () => {
    const text = "CREATE TABLE IF NOT EXISTS t (id int);\nSELECT 1;\n"
    expect(checksumOf(`\uFEFF${text.replace(/\n/g, "\r\n")}`)).toBe(checksumOf(text))
    expect(checksumOf(text)).not.toBe(checksumOf(text.replace("id", "idx")))
    expect(checksumOf(text)).toMatch(/^[0-9a-f]{64}$/)
  })

  it("reads the no-transaction directive from the first line only, and refuses one anywhere else (it would do nothing)", async () => {
    const good = await load(
      dirWith({ "001_a.sql": "\n-- aim:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (x);\n", "002_b.sql": "SELECT 1;\n" }),
    )
    if (good._tag === "Left") throw new Error(good.left.message)
    expect(good.right.map((m) => m.transactional)).toEqual([false, true])
    const late = await load(dirWith({ "001_a.sql": "-- header\n-- aim:no-transaction\nSELECT 1;\n", "002_b.sql": "SELECT 1;\n-- aim:no-transaction\n" }))
    expect(late._tag).toBe("Left")
    if (late._tag === "Left") {
      expect(late.left.message).toBe(
        "001_a.sql: line 2: -- aim:no-transaction works only as the file's first line; move it there (here the file would run in one transaction); 002_b.sql: line 2: -- aim:no-transaction works only as the file's first line; move it there (here the file would run in one transaction)",
      )
    }
  })
})

const problemsOf = async (files: Record<string, string | Buffer>) => {
  const result = await load(dirWith(files))
  if (result._tag === "Right") return []
  return result.left._tag === "MigrationSourceError" ? result.left.problems.map((p) => `${p.file}: ${p.problem}`) : [result.left._tag]
}
const loaded = async (files: Record<string, string | Buffer>) => {
  const result = await load(dirWith(files))
  if (result._tag === "Left") throw new Error(result.left.message)
  return result.right
}

describe("loading order and boundaries", () => {
  it("orders by number, not by name: 999 before 1000, 0010 as 10", async () => {
    const files = await loaded({ "1000_b.sql": "SELECT 2;", "999_a.sql": "SELECT 1;", "0010_c.sql": "SELECT 3;", "002_d.up.sql": "SELECT 4;" })
    expect(files.map((m) => [m.version, m.name])).toEqual([
      [2, "002_d.up.sql"],
      [10, "0010_c.sql"],
      [999, "999_a.sql"],
      [1000, "1000_b.sql"],
    ])
  })

  it("a generated directory of valid files loads in version order, every file once", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 0, max: 50_000 }), { minLength: 1, maxLength: 12 }), async (versions) => {
        const files = Object.fromEntries(versions.map((v) => [`${String(v).padStart(3, "0")}_m${v}.sql`, `SELECT ${v};`]))
        const migrations = await loaded(files)
        expect(migrations.map((m) => m.version)).toEqual([...versions].sort((a, b) => a - b))
        expect(migrations.map((m) => m.sql)).toEqual([...versions].sort((a, b) => a - b).map((v) => `SELECT ${v};`))
      }),
      { numRuns: 40 },
    )
  })

  it("keeps each file's text, path, checksum and checks as read", async () => {
    const dir = dirWith({ "001_a.sql": '\uFEFF-- aim:check "no dupes" SELECT 1 WHERE false\nSELECT 1;\n' })
    const result = await load(dir)
    if (result._tag === "Left") throw new Error(result.left.message)
    expect(result.right).toEqual([
      {
        version: 1,
        name: "001_a.sql",
        path: join(dir, "001_a.sql"),
        sql: '-- aim:check "no dupes" SELECT 1 WHERE false\nSELECT 1;\n',
        checksum: checksumOf('-- aim:check "no dupes" SELECT 1 WHERE false\nSELECT 1;\n'),
        transactional: true,
        checks: [{ line: 1, message: "no dupes", query: "SELECT 1 WHERE false" }],
      },
    ])
  })

  it("the largest number the ledger holds is accepted; one more, or more than ten digits, is refused", async () => {
    expect((await loaded({ "2147483647_max.sql": "SELECT 1;" })).map((m) => m.version)).toEqual([2147483647])
    expect(await problemsOf({ "2147483648_over.sql": "SELECT 1;" })).toEqual([
      "2147483648_over.sql: number 2147483648 does not fit the ledger (at most 2147483647); renumber it below that",
    ])
    expect(await problemsOf({ "00000000000000000001_zeros.sql": "SELECT 1;" })).toEqual([])
    expect(await problemsOf({ "99999999999_long.sql": "SELECT 1;" })).toEqual([
      "99999999999_long.sql: number 99999999999 does not fit the ledger (at most 2147483647); renumber it below that",
    ])
    expect((await loaded({ "000_zero.sql": "SELECT 1;" })).map((m) => m.version)).toEqual([0])
  })

  it("names each kind of bad file with its own words", async () => {
    expect(
      await problemsOf({
        "01_two_digits.sql": "SELECT 1;",
        "003_-dash.sql": "SELECT 1;",
        "004_x.sql.bak": "ignored",
        "005_empty.sql": "",
        "006_only_comments.sql": "-- nothing\n/* here */\n",
        "007_latin1.sql": Buffer.from([0xe9]),
        "008_nul.sql": "SELECT 1;\n\0",
        "009_bad_directive.sql": "-- aim:no-transactions\nSELECT 1;",
      }),
    ).toEqual([
      "003_-dash.sql: name is not NNN_description.sql or NNN_description.up.sql (three or more digits, an underscore, letters, digits, _ or -)",
      "01_two_digits.sql: name is not NNN_description.sql or NNN_description.up.sql (three or more digits, an underscore, letters, digits, _ or -)",
      "005_empty.sql: is empty; put the migration's SQL in it or delete it",
      "006_only_comments.sql: has no statement, only comments; put the migration's SQL in it or delete it",
      "007_latin1.sql: is not valid UTF-8; save it as UTF-8",
      "008_nul.sql: has a NUL byte at offset 10 (line 2): it is binary, or saved as UTF-16; save it as UTF-8 text",
      "009_bad_directive.sql: line 1: unknown directive -- aim:no-transactions; aim knows -- aim:no-transaction (the first line), -- aim:check (the leading comments) and -- aim:lint-ignore",
    ])
  })

  it("a directory named like a migration, and a FIFO, are named", async () => {
    const dir = dirWith({ "001_a.sql": "SELECT 1;" })
    mkdirSync(join(dir, "002_dir.sql"))
    spawnSync("mkfifo", [join(dir, "003_fifo.sql")])
    const result = await load(dir)
    expect(result._tag === "Left" && result.left._tag === "MigrationSourceError" && result.left.problems).toEqual([
      { file: "002_dir.sql", problem: "cannot be read (a directory); fix or remove it" },
      { file: "003_fifo.sql", problem: "is not a regular file (a FIFO, socket or device): only regular files are migrations; remove it" },
    ])
  })

  it("a link that loops is named", async () => {
    const dir = dirWith({ "001_a.sql": "SELECT 1;" })
    symlinkSync(join(dir, "002_loop.sql"), join(dir, "002_loop.sql"))
    const result = await load(dir)
    expect(result._tag === "Left" && result.left._tag === "MigrationSourceError" && result.left.problems).toEqual([
      { file: "002_loop.sql", problem: "cannot be read (a symbolic link that loops); fix or remove it" },
    ])
  })

  it("a link out of the directory is refused (a pgpass file is never read as SQL); a link inside it, as a ConfigMap mounts its files, is followed", async () => {
    const outside = mkdtempSync(join(tmpdir(), "aim-outside-"))
    writeFileSync(join(outside, "pgpass"), "db.example:5432:*:aim:Secret-Pw1\n")
    const dir = dirWith({ "001_a.sql": "SELECT 1;" })
    symlinkSync(join(outside, "pgpass"), join(dir, "002_pgpass.sql"))
    const refused = await load(dir)
    expect(refused._tag === "Left" && refused.left._tag === "MigrationSourceError" && refused.left.problems).toEqual([
      {
        file: "002_pgpass.sql",
        problem: "is a symbolic link to a file outside the migrations directory: aim reads no file a link leads out to; copy the file in instead",
      },
    ])
    const mounted = dirWith({})
    mkdirSync(join(mounted, "..data"))
    writeFileSync(join(mounted, "..data", "001_a.sql"), "SELECT 1;")
    symlinkSync(join("..data", "001_a.sql"), join(mounted, "001_a.sql"))
    const loaded = await load(mounted)
    expect(loaded._tag === "Right" && loaded.right.map((m) => m.name)).toEqual(["001_a.sql"])
  })

  it("three files on one number: each after the first is named with the next free numbers", async () => {
    expect(await problemsOf({ "001_a.sql": "SELECT 1;", "001_b.sql": "SELECT 1;", "001_c.up.sql": "SELECT 1;", "004_d.sql": "SELECT 1;" })).toEqual([
      "001_b.sql: has the same number as 001_a.sql: aim records one file per number. Rename it 005_b.sql (the next free number); if the deployed backend already applied it, aim adopt recognises it by its name after the number and records it without running it again",
      "001_c.up.sql: has the same number as 001_b.sql: aim records one file per number. Rename it 006_c.sql (the next free number); if the deployed backend already applied it, aim adopt recognises it by its name after the number and records it without running it again",
    ])
  })

  it("a path that is a file is MigrationsDirectoryMissing, saying it is a file", async () => {
    const dir = dirWith({ "x.txt": "" })
    const result = await load(join(dir, "x.txt"))
    expect(result._tag === "Left" && result.left).toMatchObject({ _tag: "MigrationsDirectoryMissing", isFile: true })
    const missing = await load(join(dir, "nope"))
    expect(missing._tag === "Left" && missing.left._tag === "MigrationsDirectoryMissing" && missing.left.isFile).not.toBe(true)
  })
})

describe("text rules", () => {
  it("isTransactional reads only the first non-blank line, with CRLF too", () => {
    expect(isTransactional("-- aim:no-transaction\nSELECT 1;")).toBe(false)
    expect(isTransactional("\n\n  -- aim:no-transaction  \r\nSELECT 1;")).toBe(false)
    expect(isTransactional("--aim:no-transaction\nSELECT 1;")).toBe(false)
    expect(isTransactional("-- aim:no-transaction")).toBe(false)
    expect(isTransactional("-- aim:no-transactional\nSELECT 1;")).toBe(true)
    expect(isTransactional("SELECT 1; -- aim:no-transaction")).toBe(true)
    expect(isTransactional("-- x\n-- aim:no-transaction")).toBe(true)
  })

  it("textProblems names a check below the first statement and accepts one above it", () => {
    expect(textProblems('-- aim:check "m" SELECT 1\nSELECT 1;')).toEqual([])
    expect(textProblems('\n-- c\n\n-- aim:check "m" SELECT 1\nSELECT 1;')).toEqual([])
    expect(textProblems('SELECT 1;\n-- aim:check "m" SELECT 1\n')).toEqual([
      "line 2: -- aim:check is read only in the comments above the first statement; move it there (here it would not run)",
    ])
    expect(textProblems("SELECT 1; -- aim:lint-ignore\n  --   aim:lint-ignore x\nSELECT 2;")).toEqual([])
    expect(textProblems("SELECT 1;\n-- aim:\n")).toEqual([
      "line 2: unknown directive -- aim:; aim knows -- aim:no-transaction (the first line), -- aim:check (the leading comments) and -- aim:lint-ignore",
    ])
    expect(textProblems("SELECT 1;\r\n\r\n-- aim:Check\r\n")).toEqual([
      "line 3: directives are lower case: write -- aim:check (as written, aim would not read it)",
    ])
  })

  it("a directive in upper case is refused, never silently ignored (the file would run in one transaction)", () => {
    expect(textProblems("-- AIM:NO-TRANSACTION\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (c);\n")).toEqual([
      "line 1: directives are lower case: write -- aim:no-transaction (as written, aim would not read it)",
    ])
    expect(textProblems('-- Aim:check "m" SELECT 1\nSELECT 1;\n')).toEqual([
      "line 1: directives are lower case: write -- aim:check (as written, aim would not read it)",
    ])
  })

  it("a file whose only problem is a bad directive is not also called statement-less", () => {
    expect(textProblems("-- aim:nope\n")).toEqual([
      "line 1: unknown directive -- aim:nope; aim knows -- aim:no-transaction (the first line), -- aim:check (the leading comments) and -- aim:lint-ignore",
    ])
    expect(textProblems(";;\n")).toEqual(["has no statement, only comments; put the migration's SQL in it or delete it"])
  })

  it("a NUL byte is named by its byte offset and line, alone", () => {
    expect(textProblems("é\n\n\0 -- aim:nope")).toEqual(["has a NUL byte at offset 4 (line 3): it is binary, or saved as UTF-16; save it as UTF-8 text"])
    expect(textProblems("\0")).toEqual(["has a NUL byte at offset 0 (line 1): it is binary, or saved as UTF-16; save it as UTF-8 text"])
  })

  it("descriptionOf is the name after the number, for both layouts", () => {
    expect(descriptionOf("034_reset_admin_password.sql")).toBe("reset_admin_password")
    expect(descriptionOf("036_x-y.up.sql")).toBe("x-y")
    expect(descriptionOf("36_x.sql")).toBeUndefined()
    expect(descriptionOf("036_x.down.sql")).toBeUndefined()
    expect(fileNamePattern.test("036_x.sql.txt")).toBe(false)
    expect(fileNamePattern.test("a036_x.sql")).toBe(false)
  })
})

describe("MigrationSourceLive", () => {
  it("names the directory absolutely and loads from it; a malformed check is named with its line", async () => {
    const dir = dirWith({ "001_a.sql": "SELECT 1;", "002_b.sql": "-- aim:check no quotes\nSELECT 1;" })
    const source = await Effect.runPromise(Effect.provide(MigrationSource, MigrationSourceLive(relative(process.cwd(), dir))))
    expect(source.directory).toBe(dir)
    const result = await Effect.runPromise(Effect.either(source.load))
    expect(result._tag === "Left" && result.left.message).toBe(
      '002_b.sql: line 1: aim:check needs a quoted message and a query: -- aim:check "what must hold" SELECT … (the rows that break it)',
    )
  })
})
