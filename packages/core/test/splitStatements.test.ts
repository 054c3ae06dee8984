import { describe, expect, it } from "vitest"
import { lineColumnAt, offsetOfPosition, splitStatements } from "../src/migrations/splitStatements.js"

describe("splitStatements", () => {
  it("keeps dollar quotes, strings, identifiers and comments whole", () => {
    const script = [
      "-- leading comment; not a statement",
      "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END; $$;",
      "INSERT INTO t VALUES ('a;b', E'it\\'s;', \"odd;name\");",
      "/* block; /* nested; */ still */ SELECT $tag$ ; $tag$;",
      "SELECT 1",
    ].join("\n")
    const statements = splitStatements(script)
    expect(statements.map((s) => s.line)).toEqual([2, 3, 4, 5])
    expect(statements[0]?.text).toContain("RETURN 1; END; $$;")
    expect(statements[1]?.text).toContain("E'it\\'s;'")
    expect(statements[3]?.text).toBe("SELECT 1")
  })

  it("maps server positions (code points) to line and column", () => {
    const text = "SELECT 'é😀';\nSELECT nosuch;"
    const offset = offsetOfPosition(text, 21) // the 'n' of nosuch, counted in characters
    expect(lineColumnAt(text, offset)).toEqual({ line: 2, column: 8 })
  })
})
