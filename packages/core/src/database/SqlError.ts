import { Data } from "effect"

/**
 * The scratch server (AIM_SCRATCH_DATABASE_URL) could not be used: not reached, or its role may not
 * create the scratch database. Said as the scratch server's, never as the configured database's,
 * whose settings are not what to fix.
 */
export class ScratchUnavailable extends Data.TaggedError("ScratchUnavailable")<{
  readonly message: string
  /** The scratch server, as describeDatabase names it (no password). */
  readonly target: string
}> {}

/** A statement the server (or PGlite) rejected, with the server's own fields kept. */
export class SqlError extends Data.TaggedError("SqlError")<{
  readonly message: string
  /** SQLSTATE from the server, or a Node error code (ECONNREFUSED, ENOTFOUND, ...). */
  readonly code: string | undefined
  /** 1-based character position in the submitted text, when the server gives one. */
  readonly position: number | undefined
  readonly detail: string | undefined
  readonly hint: string | undefined
  readonly where: string | undefined
  /**
   * Of a script (several statements, simple protocol): how many of its statements the server
   * completed before this error, so the failing one is known without running any of them again.
   * Undefined where the driver cannot tell (PGlite).
   */
  readonly completedStatements?: number
  /** What the driver's words say when there is no SQLSTATE (a client-side failure): sorted here, where it is raised. */
  readonly failure?: DriverFailure
}> {}

/**
 * A failure the driver reports without a SQLSTATE, in its own words (pg's "Connection terminated
 * due to connection timeout", Node's TLS messages): read once, where the error is made, so that
 * nothing downstream sorts errors by their text.
 */
export type DriverFailure = "timeout" | "lost" | "ssl-required" | "certificate" | "auth" | "refused" | "not-found" | "lock-timeout"

/** The driver's words for each failure, in the order they are tried: also how a pasted message is read (diagnose.ts). */
export const driverFailures: ReadonlyArray<readonly [RegExp, DriverFailure]> = [
  [/password authentication failed|asks for a password and none may be sent/i, "auth"],
  [/no pg_hba\.conf entry|does not support SSL|SSL off|requires SSL|SSL connection is required/i, "ssl-required"],
  [/certificate|altnames/i, "certificate"],
  // pg says "Connection terminated due to connection timeout": a timeout, not a lost connection.
  [/timeout expired|timed out|due to connection timeout/i, "timeout"],
  [/lock timeout/i, "lock-timeout"],
  [/ECONNREFUSED/, "refused"],
  [/Connection terminated|terminating connection|starting up|shutting down|Client has encountered a connection error/i, "lost"],
  [/ENOTFOUND|getaddrinfo/, "not-found"],
]

export const driverFailureOf = (message: string): DriverFailure | undefined => driverFailures.find(([pattern]) => pattern.test(message))?.[1]

/** The server could not be reached or refused the session (network, auth, SSL, database name). */
export class ConnectionError extends Data.TaggedError("ConnectionError")<{
  readonly message: string
  readonly code: string | undefined
  /** Where we tried to connect, with no secret in it. */
  readonly target: string
  /** Set when the embedded database's directory is the problem (not a directory, not writable, not PGlite's). */
  readonly dataDir?: string
  readonly failure?: DriverFailure
}> {}

interface ErrorFields {
  readonly message?: unknown
  readonly code?: unknown
  readonly position?: unknown
  readonly detail?: unknown
  readonly hint?: unknown
  readonly where?: unknown
}

const str = (value: unknown): string | undefined => (typeof value === "string" && value.length > 0 ? value : undefined)

/**
 * A server message without the data it quotes: a string literal ('…', E'…', $$…$$), the value a
 * conversion rejected (`invalid input syntax for type uuid: "…"`), the row of a failing check
 * (`Failing row contains (…)`) and a key's values (`Key (email)=(…)`). A mistyped password, a token
 * or a customer's row would otherwise reach the terminal, logs, MCP replies and exported spans.
 * Identifiers (relation, column, constraint names), SQLSTATE and position stay: they say what to fix.
 */
// The words PostgreSQL's messages put before a quoted object name (relation "users", constraint "x").
const objectWords =
  "relation|column|table|constraint|index|type|schema|role|user|database|function|procedure|routine|aggregate|sequence|trigger|view|extension|operator|class|family|policy|rule|domain|collation|tablespace|publication|subscription|server|wrapper|parameter|attribute|savepoint|cursor|statement|portal|channel|language|near|conversion|configuration|dictionary|parser|template|method|object|cast|transform|identifier|variable"
const quotedValue = new RegExp(`(?<!\\b(?:${objectWords}) )"(?:[^"]|"")*"`, "g")

/** SQL text without its string literals ('…', E'…' with its escapes, $$…$$): the data a statement or a message carries. */
export const withoutStringLiterals = (text: string): string =>
  text.replace(/\$([A-Za-z_]*)\$[\s\S]*?\$\1\$/g, "$$$1$…$$$1$").replace(/(?<![A-Za-z0-9_])[Ee]'(?:[^'\\]|\\[\s\S]|'')*'|'(?:[^']|'')*'/g, "'…'")

export const withoutLiterals = (text: string): string =>
  withoutStringLiterals(text)
    .replace(/(Failing row contains )\([\s\S]*\)/g, "$1(…)")
    // A key's columns may be an expression (lower(value)): one level of parentheses inside.
    // The values run to the last ")" of the line: a value may hold unbalanced parentheses.
    .replace(/(Key \((?:[^()]|\([^()]*\))*\))=\([^\n]*\)/g, "$1=(…)")
    // Every other double-quoted text is a value (value "…" is out of range, Token "…" is invalid, for
    // enum x: "…"), unless the word before it says it names an object: those say what to fix.
    .replace(quotedValue, '"…"')
    // A JSON input's context line quotes the input itself, unquoted.
    .replace(/(JSON data, line \d+: ).*/g, "$1…")

/** Normalises an error thrown by `pg` or PGlite into a SqlError, with the data it quotes removed (withoutLiterals). */
export const toSqlError = (cause: unknown, completedStatements?: number): SqlError => {
  const fields: ErrorFields = typeof cause === "object" && cause !== null ? cause : {}
  const position = str(fields.position) ?? (typeof fields.position === "number" ? String(fields.position) : undefined)
  const clean = (value: string | undefined) => (value === undefined ? undefined : withoutLiterals(value))
  const raw = str(fields.message) ?? String(cause)
  const failure = driverFailureOf(raw)
  return new SqlError({
    message: withoutLiterals(str(fields.message) ?? String(cause)),
    code: str(fields.code),
    position: position === undefined ? undefined : Number.parseInt(position, 10),
    detail: clean(str(fields.detail)),
    hint: clean(str(fields.hint)),
    where: clean(str(fields.where)),
    ...(completedStatements === undefined ? {} : { completedStatements }),
    ...(failure === undefined ? {} : { failure }),
  })
}

export const toConnectionError = (cause: unknown, target: string): ConnectionError => {
  const sql = toSqlError(cause)
  return new ConnectionError({ message: sql.message, code: sql.code, target, ...(sql.failure === undefined ? {} : { failure: sql.failure }) })
}

// Worth waiting out: the server is starting, restarting, out of connection slots or not reachable yet.
const transientCodes = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EAI_AGAIN", "EHOSTUNREACH", "57P03", "57P01", "08001", "08006", "53300"])

/** What the driver's words (sorted where the error was made) say may pass by itself. */
const transientFailures: ReadonlySet<DriverFailure> = new Set(["lost", "timeout", "refused"])

/** A connection failure that may pass by itself (retry it); authentication and configuration failures do not. */
export const isTransient = (error: ConnectionError): boolean =>
  (error.code !== undefined && transientCodes.has(error.code)) || (error.failure !== undefined && transientFailures.has(error.failure))
