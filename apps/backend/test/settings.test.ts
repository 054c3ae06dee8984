import { createTestDatabase, sql, testPostgresUrl } from "@aim/testkit"
import { spawn } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { migrationsWith } from "./backend.js"

const serverBundle = resolve(import.meta.dirname, "../dist/server.mjs")

describe("the backend's own settings come from the same environment and .env as the database's", () => {
  it("PORT, HOST, MIGRATIONS_DIR and LOG_FORMAT in .env are honoured, as POSTGRES_* and DATABASE_URL are", async () => {
    const db = await createTestDatabase(testPostgresUrl(), "aim_dotenv_settings")
    try {
      const dir = mkdtempSync(join(tmpdir(), "aim-dotenv-"))
      const migrations = migrationsWith({ "031_marker.sql": "CREATE TABLE IF NOT EXISTS dotenv_marker (id int);\n" })
      writeFileSync(
        join(dir, ".env"),
        `DATABASE_URL=${db.url}\nMIGRATIONS_DIR=${migrations}\nPORT=0\nHOST=127.0.0.1\nLOG_FORMAT=json\nAIM_HEALTH_TOKEN=short\n`,
      )
      const child = spawn(process.execPath, [serverBundle], {
        cwd: dir,
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
        stdio: ["ignore", "pipe", "pipe"],
      })
      let output = ""
      const ready = new Promise<string>((resolveReady, reject) => {
        child.stdout.on("data", (chunk) => {
          output += chunk
          const line = output.split("\n").find((l) => l.includes("AIM backend ready on"))
          if (line !== undefined) resolveReady(line)
        })
        child.on("exit", (code) => reject(new Error(`exited ${code}: ${output}`)))
      })
      try {
        const line = await ready
        // LOG_FORMAT=json from .env: the line is JSON; MIGRATIONS_DIR from .env: the marker file ran; HOST from .env.
        expect(JSON.parse(line)).toMatchObject({ level: "info", address: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) })
        expect(await sql(db.url, "SELECT to_regclass('public.dotenv_marker') IS NOT NULL AS ran")).toEqual([{ ran: true }])
        // A health token too short is switched off, and said at boot (never silently).
        const warning = output.split("\n").find((l) => l.includes("AIM_HEALTH_TOKEN"))
        expect(warning === undefined ? undefined : JSON.parse(warning)).toMatchObject({ level: "warn", code: "AIM-CFG-001" })
        // (Its words may show *** where they contain the token itself: a secret is never printed, even inside a word.)
        expect(warning, warning).toMatch(/AIM_HEALTH_TOKEN is .*than 16 characters/)
      } finally {
        child.kill("SIGTERM")
      }
    } finally {
      await db.drop()
    }
  })
})
