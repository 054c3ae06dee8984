import { Effect } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { parseScript } from "../src/sql/sqlAnalysis.js"
import { hasStatement, lineColumnAt, offsetOfPosition, positionsIn, splitStatements } from "../src/sql/splitStatements.js"
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

// Every lexical form, each with the exact statements it splits into (text as sent, trailing blanks
// trimmed) and checked against PostgreSQL's grammar for where each starts. One script per branch of
// the scanner, so that a change to any branch changes some statement.
const forms: ReadonlyArray<readonly [string, string, ReadonlyArray<string>]> = [
  ["a minus sign is no comment", "SELECT 1 - 2; SELECT 3;", ["SELECT 1 - 2;", "SELECT 3;"]],
  ["a minus before a number is no comment", "SELECT -1;SELECT 2;", ["SELECT -1;", "SELECT 2;"]],
  ["a line comment holding a semicolon", "SELECT 1 -- a; b\n; SELECT 2;", ["SELECT 1 -- a; b\n;", "SELECT 2;"]],
  ["a line comment ending in a quote", "SELECT 1; -- it's\nSELECT 2; SELECT 3;", ["SELECT 1;", "SELECT 2;", "SELECT 3;"]],
  ["a line comment at the end with no newline", "SELECT 1; SELECT 2 -- end; here", ["SELECT 1;", "SELECT 2 -- end; here"]],
  ["a slash is no comment", "SELECT 4 / 2; SELECT 1;", ["SELECT 4 / 2;", "SELECT 1;"]],
  ["a star is no comment", "SELECT 2 * 3; SELECT count(*) FROM t; SELECT 1;", ["SELECT 2 * 3;", "SELECT count(*) FROM t;", "SELECT 1;"]],
  ["a slash then a star in an expression", "SELECT 4 /(2); SELECT 1;", ["SELECT 4 /(2);", "SELECT 1;"]],
  ["a block comment holding a semicolon", "SELECT /* ; */ 1; SELECT 2;", ["SELECT /* ; */ 1;", "SELECT 2;"]],
  ["a block comment ending in a quote", "SELECT 1 /* it's */; SELECT 2;", ["SELECT 1 /* it's */;", "SELECT 2;"]],
  ["nested block comments", "SELECT /* a /* b; */ c; */ 1; SELECT 2;", ["SELECT /* a /* b; */ c; */ 1;", "SELECT 2;"]],
  ["a star-slash outside a comment", "SELECT 1 */ 2; SELECT 3;", ["SELECT 1 */ 2;", "SELECT 3;"]],
  ["an unterminated block comment", "SELECT 1; /* open; SELECT 2;", ["SELECT 1;"]],
  ["a doubled quote before a semicolon", "SELECT 'it'';s'; SELECT 2;", ["SELECT 'it'';s';", "SELECT 2;"]],
  ["an empty string", "SELECT ''; SELECT 2;", ["SELECT '';", "SELECT 2;"]],
  ["a standard string ending in a backslash", "SELECT 'C:\\'; SELECT 2;", ["SELECT 'C:\\';", "SELECT 2;"]],
  ["a name ending in e before a string", "SELECT type'x'; SELECT 'y\\'; SELECT 2;", ["SELECT type'x';", "SELECT 'y\\';", "SELECT 2;"]],
  ["an E-string with an escaped quote", "SELECT E'it\\'s; fine'; SELECT 3;", ["SELECT E'it\\'s; fine';", "SELECT 3;"]],
  ["a lower-case e-string", "SELECT e'a\\';b'; SELECT 3;", ["SELECT e'a\\';b';", "SELECT 3;"]],
  ["an E-string at the very start", "E'\\';x'; SELECT 1;", ["E'\\';x';", "SELECT 1;"]],
  ["an E-string after a parenthesis", "SELECT(E'\\';'); SELECT 1;", ["SELECT(E'\\';');", "SELECT 1;"]],
  ["an E-string with an escaped backslash", "SELECT E'\\\\'; SELECT 1;", ["SELECT E'\\\\';", "SELECT 1;"]],
  ["a dollar sign word before a string", "SELECT $e'x'; SELECT 1;", ["SELECT $e'x';", "SELECT 1;"]],
  ["an unterminated string", "SELECT 1; SELECT 'open; SELECT 2;", ["SELECT 1;", "SELECT 'open; SELECT 2;"]],
  ["a doubled double quote before a semicolon", 'SELECT 1 AS "a"";b"; SELECT 2;', ['SELECT 1 AS "a"";b";', "SELECT 2;"]],
  ["an unterminated identifier", 'SELECT 1; SELECT "open; x', ["SELECT 1;", 'SELECT "open; x']],
  ["an untagged dollar quote", "SELECT $$a;b$$; SELECT 2;", ["SELECT $$a;b$$;", "SELECT 2;"]],
  ["a tagged dollar quote holding another tag", "SELECT $t$ $$;$$ ; $t$; SELECT 2;", ["SELECT $t$ $$;$$ ; $t$;", "SELECT 2;"]],
  ["a tag with an underscore and a digit", "SELECT $_a1$;$_a1$; SELECT 2;", ["SELECT $_a1$;$_a1$;", "SELECT 2;"]],
  ["a positional parameter is no quote", "PREPARE p AS SELECT $1; SELECT 2;", ["PREPARE p AS SELECT $1;", "SELECT 2;"]],
  ["a dollar sign inside a word is no quote", "SELECT 1 AS a$$b; SELECT 2;", ["SELECT 1 AS a$$b;", "SELECT 2;"]],
  ["an unterminated dollar quote", "SELECT 1; SELECT $$ open; x", ["SELECT 1;", "SELECT $$ open; x"]],
  ["a long tag", `SELECT $${"t".repeat(40)}$;$${"t".repeat(40)}$; SELECT 2;`, [`SELECT $${"t".repeat(40)}$;$${"t".repeat(40)}$;`, "SELECT 2;"]],
  ["BEGIN as a first word is a transaction", "BEGIN; SELECT 1; COMMIT;", ["BEGIN;", "SELECT 1;", "COMMIT;"]],
  [
    "a BEGIN ATOMIC body",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END; SELECT 3;",
    ["CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;", "SELECT 3;"],
  ],
  [
    "CASE in a BEGIN ATOMIC body",
    "CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END; SELECT 3;",
    ["CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END;", "SELECT 3;"],
  ],
  [
    "words that only contain begin, case and end",
    "SELECT 1 AS beginning, 2 AS cases, 3 AS ending, x_end; SELECT 2;",
    ["SELECT 1 AS beginning, 2 AS cases, 3 AS ending, x_end;", "SELECT 2;"],
  ],
  ["a word with a digit or dollar before END", "SELECT 1 AS a1end, 2 AS b$end; SELECT 2;", ["SELECT 1 AS a1end, 2 AS b$end;", "SELECT 2;"]],
  ["END without a block", "END; SELECT 1;", ["END;", "SELECT 1;"]],
  ["upper, lower and mixed case", "select case when true then 1 End; Select 2;", ["select case when true then 1 End;", "Select 2;"]],
  ["a non-ASCII word", "SELECT 1 AS caséend; SELECT 2;", ["SELECT 1 AS caséend;", "SELECT 2;"]],
  ["blank and empty statements", " ;\n;\t; SELECT 1;;;SELECT 2; ; ", ["SELECT 1;", "SELECT 2;"]],
  ["only blanks", " \n\t ", []],
  ["a line comment ending in a quote before the newline", "SELECT 1; -- x'\nSELECT 2; SELECT 3;", ["SELECT 1;", "SELECT 2;", "SELECT 3;"]],
  ["a block comment with a star and a slash inside", "SELECT /* a * b / c */ 1; SELECT 2;", ["SELECT /* a * b / c */ 1;", "SELECT 2;"]],
  ["a block comment with a slash before its semicolon", "/* a/b; */ SELECT 1; SELECT 2;", ["SELECT 1;", "SELECT 2;"]],
  ["a standard string after a parenthesis ending in a backslash", "SELECT ('C:\\'); SELECT 2;", ["SELECT ('C:\\');", "SELECT 2;"]],
  ["a doubled quote inside an E-string, then an escaped one", "SELECT E'a''\\';x'; SELECT 1;", ["SELECT E'a''\\';x';", "SELECT 1;"]],
  ["a standard string at the very start ending in a backslash", "'a\\'; SELECT 1;", ["'a\\';", "SELECT 1;"]],
  ["a dollar quote at the very start", "$$a;b$$; SELECT 1;", ["$$a;b$$;", "SELECT 1;"]],
  ["a parameter, then a dollar quote on the same line", "PREPARE p AS SELECT $1, $$x;y$$; SELECT 2;", ["PREPARE p AS SELECT $1, $$x;y$$;", "SELECT 2;"]],
  ["a block opened by the second word of the script", "x BEGIN ATOMIC SELECT 1; END; SELECT 2;", ["x BEGIN ATOMIC SELECT 1; END;", "SELECT 2;"]],
  ["a comment after the last statement", "SELECT 1; -- done\n/* really */\n", ["SELECT 1;"]],
  ["a last statement without a semicolon, trailing blanks trimmed", "SELECT 1;\nSELECT 2  \n\n", ["SELECT 1;", "SELECT 2"]],
]

describe("every lexical form splits into its exact statements", () => {
  it.each(forms)("%s", async (_, script, texts) => {
    const statements = splitStatements(script)
    expect(statements.map((s) => s.text)).toEqual(texts)
    for (const s of statements) expect(script.slice(s.offset, s.offset + s.text.length)).toBe(s.text)
    // Where the server's grammar accepts the script, it starts each statement at the same place.
    const parsed = await Effect.runPromise(Effect.either(parseScript(script)))
    if (parsed._tag === "Right") expect(statements.map((s) => s.offset)).toEqual(parsed.right.map((p) => p.offset))
  })
})

describe("hasStatement", () => {
  it("is true exactly when something other than blanks, comments and semicolons is there", () => {
    for (const text of ["", " ", ";", " ; ;\n", "-- x", "-- x\n;", "/* a */", "/* a /* b */ c */ ;", "/* open"]) expect(hasStatement(text)).toBe(false)
    for (const text of ["x", ";x", " ; ; SELECT 1", "-- x\nSELECT 1", "/* a */ 1", "/* a /* b */ c */ x", "; -- c\n ; y"]) expect(hasStatement(text)).toBe(true)
  })
})

describe("positions", () => {
  it("counts UTF-8 bytes of 1, 2, 3 and 4", () => {
    const text = "aé€😀b"
    const at = positionsIn(text)
    expect([0, 1, 3, 6, 10, 11].map((byte) => at.offsetOfByte(byte))).toEqual([0, 1, 2, 3, 5, 6])
    // Past the end: the end.
    expect(positionsIn(text).offsetOfByte(100)).toBe(text.length)
    // The edges of each width: U+007F, U+0080, U+07FF, U+0800, U+FFFF, U+10000.
    const edges = "\u007f\u0080\u07ff\u0800\uffff\u{10000}x"
    const edge = positionsIn(edges)
    expect([1, 3, 5, 8, 11, 15].map((byte) => edge.offsetOfByte(byte))).toEqual([1, 2, 3, 4, 5, 7])
  })

  it("lines and columns, asked out of order and past the end", () => {
    const text = "a\nbc\n\nd"
    const at = positionsIn(text)
    expect(at.lineColumn(0)).toEqual({ line: 1, column: 1 })
    expect(at.lineColumn(2)).toEqual({ line: 2, column: 1 })
    expect(at.lineColumn(6)).toEqual({ line: 4, column: 1 })
    expect(at.lineColumn(5)).toEqual({ line: 3, column: 1 })
    expect(at.lineColumn(4)).toEqual({ line: 2, column: 3 })
    expect(at.lineColumn(99)).toEqual({ line: 4, column: 94 })
    expect(lineColumnAt(text, 1)).toEqual({ line: 1, column: 2 })
  })

  it("the server's positions count characters from 1, an astral one as one", () => {
    const text = "😀a😀b"
    expect([1, 2, 3, 4, 5, 9].map((position) => offsetOfPosition(text, position))).toEqual([0, 2, 3, 5, 6, 6])
    expect(offsetOfPosition("abc", 0)).toBe(0)
    // U+FFFF is the last character of one UTF-16 unit.
    expect(offsetOfPosition("\uffffa", 2)).toBe(1)
  })
})
