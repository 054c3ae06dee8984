import { spawnSync } from "node:child_process"
import { chmodSync, cpSync, mkdtempSync, readdirSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { aim, shippedMigrations } from "./run.js"

describe("aim new names the file from any description", () => {
  it("accented letters keep their letter; a description with no Latin letter or digit, or blank, is refused (exit 2)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aim-new-"))
    cpSync(shippedMigrations, dir, { recursive: true })
    const accented = await aim(["new", "Ünïcödé señal 表", "--migrations-dir", dir])
    expect(accented.code, accented.stderr).toBe(0)
    expect(readdirSync(dir).filter((f) => f.startsWith("026_"))).toEqual(["026_unicode_senal.sql"])
    for (const description of ["表", "   "]) {
      const refused = await aim(["new", description, "--migrations-dir", dir, "--json"])
      expect(refused.code).toBe(2)
      expect(JSON.parse(refused.stdout)).toMatchObject({ ok: false, error: { code: "AIM-CFG-001" } })
    }
  })

  it("a directory the file system will not let it write in is AIM-MIG-012 with the cause, never an unexpected error; nothing is written", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aim-new-readonly-"))
    cpSync(shippedMigrations, dir, { recursive: true })
    // root writes through a mode of 0555: an immutable directory refuses root too (chattr, ext4 here).
    const root = process.getuid?.() === 0
    if (!root) chmodSync(dir, 0o555)
    const locked = root ? spawnSync("chattr", ["+i", dir]).status === 0 : true
    expect(locked, "the test needs chattr +i (as root) or a non-root user to make a directory read-only").toBe(true)
    try {
      for (const json of [false, true]) {
        const refused = await aim(["new", "add thing", "--migrations-dir", dir, ...(json ? ["--json"] : [])])
        expect(refused.code).toBe(2)
        const said = json ? JSON.parse(refused.stdout).error : { code: refused.stderr.match(/\[(AIM-[A-Z]+-\d+)\]/)?.[1], details: [refused.stderr] }
        expect(said.code).toBe("AIM-MIG-012")
        expect(said.details.join(" ")).toMatch(/cannot take 026_add_thing\.sql \((EPERM|EACCES)\)/)
      }
      expect(readdirSync(dir).filter((f) => f.startsWith("026_"))).toEqual([])
    } finally {
      if (root) spawnSync("chattr", ["-i", dir])
      else chmodSync(dir, 0o755)
    }
  })
})
