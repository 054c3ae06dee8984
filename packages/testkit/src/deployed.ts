import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import pg from "pg"

/**
 * Databases the deployed AIM backend built (deployed-shapes.md), for take-over tests:
 * - `A`: after its files 001-015;
 * - `B`: after its latest release (42 files, two numbered 034, an up/down pair);
 * - `A-no-policies`: state A where the deployed 015 ran while the admin was missing.
 * Each holds an operator's rows (organization Acme, a user, an agent, an API key, audit log, ...)
 * and, where the admin exists, its password changed from the default; `A-seeds` and `B-seeds` are the
 * same databases with only the backend's own seed rows (as the spec pages list them); `A-adopted-0.2.0`
 * and `B-adopted-0.2.0` are those taken over by aim 0.2.0's `aim adopt` (dumped from a real run).
 */
export type DeployedState = "A" | "B" | "A-no-policies" | "A-seeds" | "B-seeds" | "A-adopted-0.2.0" | "B-adopted-0.2.0"

const fixture = (name: string) => readFileSync(resolve(import.meta.dirname, "../fixtures/deployed", name), "utf8")

const scripts: Record<DeployedState, ReadonlyArray<string>> = {
  A: ["state-a.sql", "rows.sql"],
  B: ["state-b.sql", "rows.sql"],
  "A-no-policies": ["state-a.sql", "no-policies.sql", "rows.sql"],
  "A-seeds": ["state-a.sql"],
  "B-seeds": ["state-b.sql"],
  "A-adopted-0.2.0": ["state-a-adopted-0.2.0.sql"],
  "B-adopted-0.2.0": ["state-b-adopted-0.2.0.sql"],
}

/** The bcrypt hash rows.sql gives the admin: an operator's password ("Operator-Changed-9!"). */
export const operatorPasswordHash = "$2b$10$C1UoLDrCmKYBHRbXqZDQVeoROXopYwg/EPskdhVE2.jXyU3uyMJ5K"

/** Builds `state` in the (empty) database at `url`, one script per transaction. */
export const buildDeployedDatabase = async (url: string, state: DeployedState): Promise<void> => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    for (const name of scripts[state]) {
      await client.query("BEGIN")
      await client.query(fixture(name))
      await client.query("COMMIT")
    }
  } finally {
    await client.end()
  }
}

/** The fixture scripts of a state, in order (to build the same state on the embedded PGlite). */
export const deployedScripts = (state: DeployedState): ReadonlyArray<string> => scripts[state].map(fixture)
