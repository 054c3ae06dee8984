import { Data } from "effect"

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
}> {}

/** The server could not be reached or refused the session (network, auth, SSL, database name). */
export class ConnectionError extends Data.TaggedError("ConnectionError")<{
  readonly message: string
  readonly code: string | undefined
  /** Where we tried to connect, with no secret in it. */
  readonly target: string
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

/** Normalises an error thrown by `pg` or PGlite into a SqlError. */
export const toSqlError = (cause: unknown): SqlError => {
  const fields: ErrorFields = typeof cause === "object" && cause !== null ? cause : {}
  const position = str(fields.position) ?? (typeof fields.position === "number" ? String(fields.position) : undefined)
  return new SqlError({
    message: str(fields.message) ?? String(cause),
    code: str(fields.code),
    position: position === undefined ? undefined : Number.parseInt(position, 10),
    detail: str(fields.detail),
    hint: str(fields.hint),
    where: str(fields.where),
  })
}

/** SQLSTATE classes and Node codes that mean "could not open a session" rather than "statement failed". */
const connectionCodes = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "28P01", // invalid_password
  "28000", // invalid_authorization_specification (no pg_hba entry)
  "3D000", // invalid_catalog_name (database does not exist)
  "53300", // too_many_connections
  "57P03", // cannot_connect_now (server starting up)
  "08001",
  "08006",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_HAS_EXPIRED",
])

export const toConnectionError = (cause: unknown, target: string): ConnectionError => {
  const sql = toSqlError(cause)
  return new ConnectionError({ message: sql.message, code: sql.code, target })
}

export const isConnectionFailure = (cause: unknown): boolean => {
  const code = toSqlError(cause).code
  if (code !== undefined && connectionCodes.has(code)) return true
  const message = cause instanceof Error ? cause.message : String(cause)
  return /does not support SSL|no pg_hba\.conf entry|SSL|Connection terminated|timeout expired|connect/i.test(message)
}
