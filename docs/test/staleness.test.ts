import { spawnSync } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { resolve } from "node:path"
import { describe, expect, it } from "vitest"

const docs = resolve(import.meta.dirname, "..")
const check = () => spawnSync("npx", ["tsx", "scripts/generate.ts", "--check"], { cwd: docs, encoding: "utf8" })

describe("the generated pages are checked, never regenerated, inside the test run", () => {
  it("a stale committed page fails the check, which writes nothing", () => {
    const page = resolve(docs, "troubleshooting/not-the-backends-schema.md")
    const committed = readFileSync(page, "utf8")
    try {
      writeFileSync(page, `${committed}\nedited by hand\n`)
      const result = check()
      expect(result.status).not.toBe(0)
      expect(`${result.stdout}${result.stderr}`).toMatch(/not-the-backends-schema/)
      expect(readFileSync(page, "utf8")).toBe(`${committed}\nedited by hand\n`)
    } finally {
      writeFileSync(page, committed)
    }
    // As committed, the pages pass the same check: the global set-up ran it before this test.
  })
})
