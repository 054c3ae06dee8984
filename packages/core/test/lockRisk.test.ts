import { describe, expect, it } from "vitest"
import { type LockPlan, type RelationSize, atLeast, planRisk, planStatement, risks, sizeThresholds } from "../src/plan/LockPlan.js"
import { type CatalogFacts, noFacts } from "../src/plan/statementLocks.js"
import { firstStatement } from "./support.js"

const facts: CatalogFacts = { ...noFacts, indexTable: new Map([["t_idx", "t"]]), notNullChecked: new Set(["t.checked"]) }
const parsed = firstStatement
const size = (rows: number, bytes = 8192): RelationSize => ({ name: "t", rows, bytes })
const sizes = {
  new: new Map<string, RelationSize>(),
  small: new Map([["t", size(sizeThresholds.medium.rows - 1, sizeThresholds.medium.bytes - 1)]]),
  "medium rows": new Map([["t", size(sizeThresholds.medium.rows)]]),
  "medium bytes": new Map([["t", size(10, sizeThresholds.medium.bytes)]]),
  "large rows": new Map([["t", size(sizeThresholds.large.rows)]]),
  "large bytes": new Map([["t", size(10, sizeThresholds.large.bytes)]]),
} as const

// Each statement on t at each size: its risk, and its advice.
const matrix = async (statements: ReadonlyArray<string>) => {
  const lines: Array<string> = []
  for (const text of statements) {
    lines.push(text)
    const statement = await parsed(text)
    for (const [name, map] of Object.entries(sizes)) {
      const p = planStatement(statement, facts, map)
      lines.push(`  ${name}: ${p.risk}${p.advice === null ? "" : ` | ${p.advice}`}`)
    }
  }
  return `\n${lines.join("\n")}\n`
}

describe("risk from what a lock blocks, whether it holds it for a whole pass, and the table's size", () => {
  it("passes under a write- or read-blocking lock rise with size; weak locks only at large; brief exclusive locks are low", async () => {
    expect(
      await matrix([
        "CREATE INDEX t_a ON t (a)",
        "ALTER TABLE t ALTER COLUMN a TYPE bigint",
        "CREATE INDEX CONCURRENTLY t_a ON t (a)",
        "ALTER TABLE t ADD COLUMN a text",
        "ALTER TABLE t ALTER COLUMN checked SET NOT NULL",
        "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)",
        "VACUUM FULL t",
        "ALTER TABLE t SET (fillfactor = 70)",
        "INSERT INTO t VALUES (1)",
      ]),
    ).toMatchInlineSnapshot(`
      "
      CREATE INDEX t_a ON t (a)
        new: low | CREATE INDEX CONCURRENTLY in its own file with -- aim:no-transaction (writes go on while it builds)
        small: low | CREATE INDEX CONCURRENTLY in its own file with -- aim:no-transaction (writes go on while it builds)
        medium rows: medium | CREATE INDEX CONCURRENTLY in its own file with -- aim:no-transaction (writes go on while it builds)
        medium bytes: medium | CREATE INDEX CONCURRENTLY in its own file with -- aim:no-transaction (writes go on while it builds)
        large rows: high | CREATE INDEX CONCURRENTLY in its own file with -- aim:no-transaction (writes go on while it builds)
        large bytes: high | CREATE INDEX CONCURRENTLY in its own file with -- aim:no-transaction (writes go on while it builds)
      ALTER TABLE t ALTER COLUMN a TYPE bigint
        new: low | add a column of the new type, backfill it in batches, switch the application to it, then drop the old column
        small: low | add a column of the new type, backfill it in batches, switch the application to it, then drop the old column
        medium rows: medium | add a column of the new type, backfill it in batches, switch the application to it, then drop the old column
        medium bytes: medium | add a column of the new type, backfill it in batches, switch the application to it, then drop the old column
        large rows: high | add a column of the new type, backfill it in batches, switch the application to it, then drop the old column
        large bytes: high | add a column of the new type, backfill it in batches, switch the application to it, then drop the old column
      CREATE INDEX CONCURRENTLY t_a ON t (a)
        new: low
        small: low
        medium rows: low
        medium bytes: low
        large rows: medium | a long pass over t (100,000 rows); writes go on meanwhile
        large bytes: medium | a long pass over t (10 rows); writes go on meanwhile
      ALTER TABLE t ADD COLUMN a text
        new: low
        small: low | brief, but it waits behind every running query on t and every new query waits behind it: aim's lock_timeout (--lock-timeout, 5 s by default) makes it fail fast instead of stalling traffic
        medium rows: low | brief, but it waits behind every running query on t and every new query waits behind it: aim's lock_timeout (--lock-timeout, 5 s by default) makes it fail fast instead of stalling traffic
        medium bytes: low | brief, but it waits behind every running query on t and every new query waits behind it: aim's lock_timeout (--lock-timeout, 5 s by default) makes it fail fast instead of stalling traffic
        large rows: low | brief, but it waits behind every running query on t and every new query waits behind it: aim's lock_timeout (--lock-timeout, 5 s by default) makes it fail fast instead of stalling traffic
        large bytes: low | brief, but it waits behind every running query on t and every new query waits behind it: aim's lock_timeout (--lock-timeout, 5 s by default) makes it fail fast instead of stalling traffic
      ALTER TABLE t ALTER COLUMN checked SET NOT NULL
        new: low
        small: low | brief, but it waits behind every running query on t and every new query waits behind it: aim's lock_timeout (--lock-timeout, 5 s by default) makes it fail fast instead of stalling traffic
        medium rows: low | brief, but it waits behind every running query on t and every new query waits behind it: aim's lock_timeout (--lock-timeout, 5 s by default) makes it fail fast instead of stalling traffic
        medium bytes: low | brief, but it waits behind every running query on t and every new query waits behind it: aim's lock_timeout (--lock-timeout, 5 s by default) makes it fail fast instead of stalling traffic
        large rows: low | brief, but it waits behind every running query on t and every new query waits behind it: aim's lock_timeout (--lock-timeout, 5 s by default) makes it fail fast instead of stalling traffic
        large bytes: low | brief, but it waits behind every running query on t and every new query waits behind it: aim's lock_timeout (--lock-timeout, 5 s by default) makes it fail fast instead of stalling traffic
      ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)
        new: low | ADD CONSTRAINT … NOT VALID (no scan), then VALIDATE CONSTRAINT in a later file (ShareUpdateExclusiveLock: writes go on)
        small: low | ADD CONSTRAINT … NOT VALID (no scan), then VALIDATE CONSTRAINT in a later file (ShareUpdateExclusiveLock: writes go on)
        medium rows: medium | ADD CONSTRAINT … NOT VALID (no scan), then VALIDATE CONSTRAINT in a later file (ShareUpdateExclusiveLock: writes go on)
        medium bytes: medium | ADD CONSTRAINT … NOT VALID (no scan), then VALIDATE CONSTRAINT in a later file (ShareUpdateExclusiveLock: writes go on)
        large rows: high | ADD CONSTRAINT … NOT VALID (no scan), then VALIDATE CONSTRAINT in a later file (ShareUpdateExclusiveLock: writes go on)
        large bytes: high | ADD CONSTRAINT … NOT VALID (no scan), then VALIDATE CONSTRAINT in a later file (ShareUpdateExclusiveLock: writes go on)
      VACUUM FULL t
        new: low
        small: low
        medium rows: medium | rewrites t (10,000 rows) while blocking reads and writes: run it in a maintenance window, or split it so the long part takes a weaker lock
        medium bytes: medium | rewrites t (10 rows) while blocking reads and writes: run it in a maintenance window, or split it so the long part takes a weaker lock
        large rows: high | rewrites t (100,000 rows) while blocking reads and writes: run it in a maintenance window, or split it so the long part takes a weaker lock
        large bytes: high | rewrites t (10 rows) while blocking reads and writes: run it in a maintenance window, or split it so the long part takes a weaker lock
      ALTER TABLE t SET (fillfactor = 70)
        new: low
        small: low
        medium rows: low
        medium bytes: low
        large rows: low
        large bytes: low
      INSERT INTO t VALUES (1)
        new: low
        small: low
        medium rows: low
        medium bytes: low
        large rows: low
        large bytes: low
      "
    `)
  })

  it("destructive statements are high at every size; opaque ones medium", async () => {
    expect(
      await matrix(["DELETE FROM t", "TRUNCATE t", "ALTER TABLE t DROP COLUMN a", "DO $$ BEGIN EXECUTE 'ALTER TABLE ' || 't'; END $$"]),
    ).toMatchInlineSnapshot(`
      "
      DELETE FROM t
        new: high | DELETE in batches (WHERE id IN (… LIMIT 10000)), outside one long transaction
        small: high | DELETE in batches (WHERE id IN (… LIMIT 10000)), outside one long transaction
        medium rows: high | DELETE in batches (WHERE id IN (… LIMIT 10000)), outside one long transaction
        medium bytes: high | DELETE in batches (WHERE id IN (… LIMIT 10000)), outside one long transaction
        large rows: high | DELETE in batches (WHERE id IN (… LIMIT 10000)), outside one long transaction
        large bytes: high | DELETE in batches (WHERE id IN (… LIMIT 10000)), outside one long transaction
      TRUNCATE t
        new: high | removes or overwrites data: make sure nothing needs it any more (aim lint flags it as destructive)
        small: high | removes data: make sure nothing reads it any more (aim lint flags it as destructive)
        medium rows: high | removes data: make sure nothing reads it any more (aim lint flags it as destructive)
        medium bytes: high | removes data: make sure nothing reads it any more (aim lint flags it as destructive)
        large rows: high | removes data: make sure nothing reads it any more (aim lint flags it as destructive)
        large bytes: high | removes data: make sure nothing reads it any more (aim lint flags it as destructive)
      ALTER TABLE t DROP COLUMN a
        new: high | removes or overwrites data: make sure nothing needs it any more (aim lint flags it as destructive)
        small: high | removes data: make sure nothing reads it any more (aim lint flags it as destructive)
        medium rows: high | removes data: make sure nothing reads it any more (aim lint flags it as destructive)
        medium bytes: high | removes data: make sure nothing reads it any more (aim lint flags it as destructive)
        large rows: high | removes data: make sure nothing reads it any more (aim lint flags it as destructive)
        large bytes: high | removes data: make sure nothing reads it any more (aim lint flags it as destructive)
      DO $$ BEGIN EXECUTE 'ALTER TABLE ' || 't'; END $$
        new: medium | what it locks is not visible in its text (procedural code): review it, keep it short, and rely on lock_timeout
        small: medium | what it locks is not visible in its text (procedural code): review it, keep it short, and rely on lock_timeout
        medium rows: medium | what it locks is not visible in its text (procedural code): review it, keep it short, and rely on lock_timeout
        medium bytes: medium | what it locks is not visible in its text (procedural code): review it, keep it short, and rely on lock_timeout
        large rows: medium | what it locks is not visible in its text (procedural code): review it, keep it short, and rely on lock_timeout
        large bytes: medium | what it locks is not visible in its text (procedural code): review it, keep it short, and rely on lock_timeout
      "
    `)
  })

  it("a statement PostgreSQL refuses inside a transaction is high there, whatever it locks", async () => {
    const statement = await parsed("CREATE INDEX CONCURRENTLY t_a ON t (a)")
    expect(planStatement(statement, facts, sizes.new, [], true)).toEqual({
      line: 1,
      kind: "CREATE INDEX CONCURRENTLY",
      locks: [{ relation: "t", mode: "ShareUpdateExclusiveLock" }],
      rewrite: false,
      scan: true,
      destructive: false,
      opaque: false,
      changesRows: false,
      external: false,
      risk: "high",
      advice:
        "PostgreSQL refuses CREATE INDEX CONCURRENTLY inside a transaction, so this file fails here: put it in its own file whose first line is -- aim:no-transaction",
    })
    expect(planStatement(statement, facts, sizes.new, [], false).risk).toBe("low")
  })
})

describe("locks an earlier statement of the transaction still holds", () => {
  const other = (rows: number) => new Map([...sizes["large rows"], ["u", { name: "u", rows, bytes: 8192 }]])

  it("a pass over a large or medium table under an earlier write-blocking lock on another table is raised, with the reorder advice", async () => {
    const scan = await parsed("CREATE INDEX CONCURRENTLY t_a ON t (a)")
    const held = [{ relation: "u", mode: "AccessExclusiveLock" as const }]
    expect(planStatement(scan, facts, other(1), held)).toMatchObject({
      risk: "high",
      advice:
        "an earlier statement of this transaction holds AccessExclusiveLock on u until it commits, so u stays blocked while this statement scans t: move this statement to its own file, or put it first; a long pass over t (100,000 rows); writes go on meanwhile",
    })
    const mediumTable = new Map([...sizes["medium rows"], ["u", { name: "u", rows: 1, bytes: 1 }]])
    expect(planStatement(scan, facts, mediumTable, held).risk).toBe("medium")
    const smallTable = new Map([...sizes.small, ["u", { name: "u", rows: 1, bytes: 1 }]])
    expect(planStatement(scan, facts, smallTable, held).risk).toBe("low")
  })

  it("is not raised for a held lock the statement takes as strongly itself, a weak held lock, a new table, or a brief statement", async () => {
    const rewrite = await parsed("ALTER TABLE t ALTER COLUMN a TYPE bigint")
    expect(planStatement(rewrite, facts, sizes["large rows"], [{ relation: "t", mode: "AccessExclusiveLock" }]).advice).not.toMatch(/earlier statement/)
    const scan = await parsed("CREATE INDEX CONCURRENTLY t_a ON t (a)")
    expect(planStatement(scan, facts, other(1), [{ relation: "u", mode: "RowExclusiveLock" }]).risk).toBe("medium")
    expect(planStatement(scan, facts, sizes["large rows"], [{ relation: "fresh", mode: "AccessExclusiveLock" }]).risk).toBe("medium")
    const brief = await parsed("ALTER TABLE t ADD COLUMN a text")
    expect(planStatement(brief, facts, other(1), [{ relation: "u", mode: "AccessExclusiveLock" }]).risk).toBe("low")
    // ShareLock held (the weakest that blocks writes) counts.
    expect(planStatement(scan, facts, other(1), [{ relation: "u", mode: "ShareLock" }]).risk).toBe("high")
    // A rewrite says so.
    const rewriteOther = await parsed("ALTER TABLE t ALTER COLUMN a TYPE bigint")
    expect(planStatement(rewriteOther, facts, other(1), [{ relation: "u", mode: "ShareLock" }]).advice).toMatch(/while this statement rewrites t:/)
  })
})

describe("the heaviest lock and the held locks, exactly", () => {
  const two = new Map([
    ["t", { name: "t", rows: 200_000, bytes: 8192 }],
    ["u", { name: "u", rows: 5, bytes: 8192 }],
  ])

  it("the advice names the relation of the strongest lock among the existing ones", async () => {
    const add = await parsed("ALTER TABLE t ADD COLUMN a int REFERENCES u (id)")
    expect(planStatement(add, facts, two).advice).toBe(
      "brief, but it waits behind every running query on t and every new query waits behind it: aim's lock_timeout (--lock-timeout, 5 s by default) makes it fail fast instead of stalling traffic",
    )
  })

  it("a held lock the statement itself takes at least as strongly on the same relation blocks nothing more", async () => {
    const fk = await parsed("ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id)")
    const alone = planStatement(fk, facts, two)
    expect(planStatement(fk, facts, two, [{ relation: "u", mode: "ShareLock" }])).toEqual(alone)
    expect(planStatement(fk, facts, two, [{ relation: "u", mode: "AccessExclusiveLock" }]).advice).toMatch(
      /^an earlier statement of this transaction holds AccessExclusiveLock on u/,
    )
  })

  it("the raised advice, with and without the statement's own", async () => {
    const scan = await parsed("CREATE INDEX CONCURRENTLY t_a ON t (a)")
    const medium = new Map([
      ["t", { name: "t", rows: 20_000, bytes: 8192 }],
      ["u", { name: "u", rows: 5, bytes: 8192 }],
    ])
    expect(planStatement(scan, facts, medium, [{ relation: "u", mode: "ShareLock" }])).toMatchObject({
      risk: "medium",
      advice:
        "an earlier statement of this transaction holds ShareLock on u until it commits, so u stays blocked while this statement scans t: move this statement to its own file, or put it first",
    })
    const rewrite = await parsed("ALTER TABLE t ALTER COLUMN a TYPE bigint")
    expect(planStatement(rewrite, facts, medium, [{ relation: "u", mode: "ShareLock" }]).advice).toBe(
      "an earlier statement of this transaction holds ShareLock on u until it commits, so u stays blocked while this statement rewrites t: move this statement to its own file, or put it first; add a column of the new type, backfill it in batches, switch the application to it, then drop the old column",
    )
  })
})

describe("plan-wide risk", () => {
  const file = (...risk: ReadonlyArray<"low" | "medium" | "high">) => ({
    version: 1,
    name: "001_a.sql",
    transactional: true,
    checks: [],
    risk: risk[0] ?? "low",
    statements: [],
  })
  it("is the highest file risk; atLeast compares in order low < medium < high", () => {
    const plan = (fileRisks: ReadonlyArray<"low" | "medium" | "high">): LockPlan => ({ database: "d", relations: [], pending: fileRisks.map((r) => file(r)) })
    expect(planRisk(plan([]))).toBe("low")
    expect(planRisk(plan(["low", "medium", "low"]))).toBe("medium")
    expect(planRisk(plan(["medium", "high"]))).toBe("high")
    expect(risks).toEqual(["low", "medium", "high"])
    expect(risks.flatMap((r) => risks.map((t) => `${r}>=${t}:${atLeast(r, t)}`))).toEqual([
      "low>=low:true",
      "low>=medium:false",
      "low>=high:false",
      "medium>=low:true",
      "medium>=medium:true",
      "medium>=high:false",
      "high>=low:true",
      "high>=medium:true",
      "high>=high:true",
    ])
  })
})
