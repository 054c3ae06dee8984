import { cpSync, mkdtempSync, readdirSync } from "node:fs"
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
})
