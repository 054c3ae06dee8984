import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { lockDataDir } from "../src/database/PgliteDatabase.js"

// The embedded database's lock file, in the states another process can leave it in: being written
// (created, its PID not yet in it), held by a live process, left by a dead one. A process that took a
// lock file being written for stale opened the data directory beside its holder.
const dataDir = () => join(mkdtempSync(join(tmpdir(), "aim-lock-")), "pglite")
const hold = (dir: string, waitMs: number) => Effect.runPromiseExit(Effect.scoped(Effect.as(lockDataDir(dir, "embedded", waitMs), "held")))
const deadPid = () => spawnSync(process.execPath, ["-e", "0"]).pid ?? 0

describe("the embedded database's lock file", () => {
  it("one just created and still empty is being written: held, waited for, and the holder left alone", async () => {
    const dir = dataDir()
    writeFileSync(`${dir}.lock`, "")
    const exit = await hold(dir, 300)
    expect(Exit.isFailure(exit) && String(Exit.causeOption(exit).pipe((c) => (c._tag === "Some" ? c.value : "")))).toMatch(/is in use by another process/)
    expect(readFileSync(`${dir}.lock`, "utf8")).toBe("")
  })

  it("one left empty for more than 5 s is a writer that died: taken over, and removed when released", async () => {
    const dir = dataDir()
    writeFileSync(`${dir}.lock`, "")
    const old = new Date(Date.now() - 10_000)
    utimesSync(`${dir}.lock`, old, old)
    expect(await hold(dir, 300)).toEqual(Exit.succeed("held"))
    expect(existsSync(`${dir}.lock`)).toBe(false)
  })

  it("a dead process's lock is taken over; a live one's is waited for and named", async () => {
    const dir = dataDir()
    writeFileSync(`${dir}.lock`, String(deadPid()))
    expect(await hold(dir, 300)).toEqual(Exit.succeed("held"))
    writeFileSync(`${dir}.lock`, String(process.ppid))
    const exit = await hold(dir, 300)
    expect(Exit.isFailure(exit) && String(Exit.causeOption(exit).pipe((c) => (c._tag === "Some" ? c.value : "")))).toMatch(
      new RegExp(`is in use by process ${process.ppid}`),
    )
    expect(readFileSync(`${dir}.lock`, "utf8")).toBe(String(process.ppid))
  })

  it("a takeover file a dead waiter left is removed after 10 s, and the stale lock then taken", async () => {
    const dir = dataDir()
    writeFileSync(`${dir}.lock`, String(deadPid()))
    writeFileSync(`${dir}.lock.takeover`, "")
    const old = new Date(Date.now() - 20_000)
    utimesSync(`${dir}.lock.takeover`, old, old)
    expect(await hold(dir, 1_000)).toEqual(Exit.succeed("held"))
    expect(existsSync(`${dir}.lock.takeover`)).toBe(false)
  })
})
