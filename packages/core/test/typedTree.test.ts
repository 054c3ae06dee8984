import { describe, expect, it } from "vitest"
import type { AlterTableType, StatementKind } from "../src/sql/sqlAnalysis.js"
import { firstStatement } from "./support.js"

// The lock rules and the linter match the parser's node types and ALTER TABLE's subtypes by name.
// Those names are types (@pgsql/types, the parser's own): a rule written for a name PostgreSQL does
// not have is a compile error in the root typecheck, where a string would have been a rule that
// never runs. The two @ts-expect-error lines below are the proof: were the types plain strings,
// the typecheck would fail on them.
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
