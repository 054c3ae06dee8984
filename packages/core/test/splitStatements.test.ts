import { Effect } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { parseScript } from "../src/migrations/sqlAnalysis.js"
import { lineColumnAt, offsetOfPosition, positionsIn, splitStatements } from "../src/migrations/splitStatements.js"
import { shippedMigrations } from "./support.js"

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

// Ground truth we did not write: PostgreSQL's own grammar (libpg-query) says where each statement
// starts. A failing statement is named by counting the statements the server completed, so the
// splitter must cut exactly where the server does.
const tricky: ReadonlyArray<readonly [string, string]> = [
  ["a block comment next to a star", "SELECT count(*) FROM t; SELECT 1;"],
  ["a standard string ending in a backslash", "SELECT 'C:\\'; SELECT 2;"],
  ["an E-string with an escaped quote and semicolon", "SELECT E'it\\'s; fine'; SELECT 3;"],
  ["a word ending in e before a string", "SELECT 'x' AS type; SELECT 'y';"],
  ["a trailing comment", "SELECT 1; -- the end; really\n"],
  ["a trailing block comment", "SELECT 1; /* done; */"],
  ["nested block comments", "/* a /* b; */ c; */ SELECT 1; SELECT 2;"],
  ["dollar quotes with and without a tag", "DO $$ BEGIN PERFORM 1; END $$; SELECT $a$;$a$; SELECT 1;"],
  ["a dollar sign inside a word", "SELECT 1 AS a$b; SELECT 2 AS b$$c; SELECT 3;"],
  ["quoted identifiers with semicolons and quotes", 'CREATE TABLE "a;""b" (id int); SELECT 1;'],
  ["a SQL-standard function body", "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT a + 1; END;\nSELECT f(1);"],
  ["CASE … END at the top level", "SELECT CASE WHEN true THEN 1 ELSE 2 END; SELECT 2;"],
  ["CASE inside a BEGIN ATOMIC body", "CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; END; SELECT 3;"],
  ["transaction control as the first word", "BEGIN; CREATE TABLE t (id int); END; START TRANSACTION; COMMIT;"],
  ["blank statements", ";;\n SELECT 1;;; SELECT 2"],
  ["non-ASCII identifiers and strings", "SELECT 'é😀;' AS café; SELECT 1 AS ünïcode;"],
]

describe("statements are cut where PostgreSQL's grammar cuts them", () => {
  const parsedOffsets = (script: string) => Effect.runPromise(parseScript(script)).then((statements) => statements.map((s) => s.offset))

  it.each(tricky)("%s", async (_, script) => {
    expect(splitStatements(script).map((s) => s.offset)).toEqual(await parsedOffsets(script))
  })

  it.each(readdirSync(shippedMigrations).filter((f) => f.endsWith(".sql")))("the shipped %s", async (file) => {
    const script = readFileSync(join(shippedMigrations, file), "utf8")
    expect(splitStatements(script).map((s) => s.offset)).toEqual(await parsedOffsets(script))
  })

  it("a statement's line and column are where its first token is", () => {
    const statements = splitStatements("-- head\n\n  SELECT 1; /* c */ SELECT\n2;\nSELECT 3")
    expect(statements.map(({ line, column }) => [line, column])).toEqual([
      [3, 3],
      [3, 21],
      [5, 1],
    ])
    expect(statements.map((s) => s.text)).toEqual(["SELECT 1;", "SELECT\n2;", "SELECT 3"])
  })
})

describe("positionsIn", () => {
  it("answers increasing and decreasing questions alike", () => {
    const text = "ab\ncé\n😀x"
    const at = positionsIn(text)
    expect(at.lineColumn(4)).toEqual({ line: 2, column: 2 })
    expect(at.lineColumn(1)).toEqual({ line: 1, column: 2 })
    expect(at.lineColumn(8)).toEqual({ line: 3, column: 3 })
    // é is 2 bytes, 😀 4 bytes and 2 UTF-16 units
    expect(at.offsetOfByte(Buffer.byteLength("ab\ncé\n😀"))).toBe(8)
    expect(at.offsetOfByte(6)).toBe(5)
    expect(at.offsetOfByte(0)).toBe(0)
  })
})
