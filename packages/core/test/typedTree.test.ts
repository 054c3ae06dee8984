import { describe, expect, it } from "vitest"
import { type AlterTableType, type StatementKind, payloadOf } from "../src/sql/sqlAnalysis.js"
import { impact, type LockRules } from "../src/plan/locks/syntax.js"
import { schemaObjectRules } from "../src/plan/locks/schemaObjects.js"
import { noFacts } from "../src/plan/catalogFacts.js"
import { firstStatement } from "./support.js"

// The lock rules and the linter match the parser's node types and ALTER TABLE's subtypes by name.
// Those names are types (@pgsql/types, the parser's own): a rule written for a name PostgreSQL does
// not have is a compile error in the root typecheck, where a string would have been a rule that
// never runs. The @ts-expect-error lines below are the proof: were the types plain strings, or the
// rules' nodes untyped records, the typecheck would fail on them.
describe("the parse tree's names are types: a misspelt one does not compile", () => {
  it("a statement's kind and an ALTER TABLE command's subtype are the parser's own names", async () => {
    // @ts-expect-error a node type the parser does not have
    const misspeltKind: StatementKind = "AlterTabelStmt"
    // @ts-expect-error an ALTER TABLE subtype the parser does not have
    const misspeltSubtype: AlterTableType = "AT_DropConstrant"
    expect([misspeltKind, misspeltSubtype]).toHaveLength(2)

    const statement = await firstStatement("ALTER TABLE accounts DROP CONSTRAINT accounts_balance_check")
    const kind: StatementKind = statement.kind
    expect(kind).toBe("AlterTableStmt")
    const command = (statement.node.cmds as ReadonlyArray<{ AlterTableCmd: { subtype: AlterTableType } }>)[0]?.AlterTableCmd
    expect(command?.subtype).toBe("AT_DropConstraint" satisfies AlterTableType)
  })
})

describe("the lock rules are a table keyed by the parser's node types, each reading its node's own type", () => {
  it("a rule under a misspelt kind, or reading a field its node does not have, does not compile; a rule reads its typed node", async () => {
    const misspelt: LockRules = {
      // @ts-expect-error a node type the parser does not have
      IndexStmnt: () => impact("CREATE INDEX", []),
      // @ts-expect-error IndexStmt has `concurrent`, not `concurently`
      IndexStmt: (node) => impact(node.concurently === true ? "CREATE INDEX CONCURRENTLY" : "CREATE INDEX", []),
    }
    expect(Object.keys(misspelt)).toHaveLength(2)

    const statement = await firstStatement("CREATE INDEX CONCURRENTLY accounts_owner ON accounts (owner)")
    expect(statement.kind).toBe("IndexStmt")
    // The linter reads a node through payloadOf, with the same types.
    expect(payloadOf(statement, "IndexStmt")?.idxname).toBe("accounts_owner")
    expect(payloadOf(statement, "CreateStmt")).toBeUndefined()
    // @ts-expect-error a node type the parser does not have
    expect(payloadOf(statement, "IndexStmnt")).toBeUndefined()
    const rule = schemaObjectRules.IndexStmt
    const locks = rule?.(statement.node as Parameters<NonNullable<typeof rule>>[0], noFacts, statement)
    expect(locks?.kind).toBe("CREATE INDEX CONCURRENTLY")
    expect(locks?.locks).toEqual([{ relation: "accounts", mode: "ShareUpdateExclusiveLock" }])
  })
})
