import { Effect } from "effect"
import { readFileSync, writeFileSync } from "node:fs"
import { resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { staleDocs } from "../scripts/generate.js"

const docs = resolve(import.meta.dirname, "..")

describe("the generated pages are checked, never regenerated, inside the test run", () => {
  it("a stale committed page fails the check (the suite's set-up and pnpm docs:check), which writes nothing", async () => {
    // As committed, the pages pass: the global set-up ran the same check before this test.
    const page = resolve(docs, "troubleshooting/not-the-backends-schema.md")
    const committed = readFileSync(page, "utf8")
    try {
      writeFileSync(page, `${committed}\nedited by hand\n`)
      expect((await Effect.runPromise(staleDocs)).problems).toEqual(["troubleshooting/not-the-backends-schema.md"])
      expect(readFileSync(page, "utf8")).toBe(`${committed}\nedited by hand\n`)
    } finally {
      writeFileSync(page, committed)
    }
  })
})
