import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { isControl, visible } from "../src/output.js"
import { aim, cliBundle } from "./run.js"

// Names aim prints come from files and databases it does not control: a table or file named with an
// escape sequence must not drive the terminal (an OSC 52 clipboard write, a colour, a cursor move) nor
// fake a line (a carriage return over a success line).

const osc52 = "\u001b]52;c;Y3VybCBldmlsLmV4YW1wbGV8c2g=\u0007"

describe("every name aim prints has its control characters made visible", () => {
  it("visible(): C0 but newline and tab, DEL and C1 become \\xNN; the rest is as it was", () => {
    expect(visible(`a${osc52}b\r✓ fake\tok\n`)).toBe("a\\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGV8c2g=\\x07b\\x0d✓ fake\tok\n")
    expect(visible("\u009b31m\u007f")).toBe("\\x9b31m\\x7f")
    expect(visible("plain ünïcode 日本")).toBe("plain ünïcode 日本")
  })

  it("a file named with an escape sequence and a carriage return: aim lint prints it with no control character, in text; JSON escapes it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aim-visible-"))
    const name = `031_x${osc52}\r✓ all good.sql`
    writeFileSync(join(dir, name), "DROP TABLE users;\n")
    const text = await aim(["lint", join(dir, name)])
    const printed = text.stdout + text.stderr
    expect(printed).toContain("\\x1b]52;c;")
    expect([...printed].filter(isControl)).toEqual([])
    const json = await aim(["lint", "--json", join(dir, name)])
    expect([...json.stdout].filter(isControl)).toEqual([])
    expect(JSON.stringify(JSON.parse(json.stdout))).toContain("\\u001b]52")
  })
})

describe("a working directory that was deleted", () => {
  it("is answered with AIM-CLI-003 and exit 2, in text and in JSON, never a stack trace", () => {
    const dir = mkdtempSync(join(tmpdir(), "aim-gone-"))
    const run = (args: string) =>
      spawnSync("sh", ["-c", `cd "${dir}" && rmdir "${dir}" && exec "${process.execPath}" "${cliBundle()}" ${args}`], { encoding: "utf8" })
    const text = run("status")
    expect(text.status).toBe(2)
    expect(text.stderr).toMatch(/^✖ \[AIM-CLI-003\] the directory aim was started in no longer exists/)
    expect(text.stderr).not.toMatch(/uv_cwd|\n\s+at /)
    mkdirSync(dir)
    const json = run("status --json")
    expect(json.status).toBe(2)
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: "AIM-CLI-003" } })
  })
})
