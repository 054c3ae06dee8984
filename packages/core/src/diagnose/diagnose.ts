import { Match } from "effect"
import type { ReplayFailed } from "../authoring/proveIdempotent.js"
import type { ConfigError } from "../config/ConfigError.js"
import type { RedisError } from "../cache/Cache.js"
import { type ConnectionError, type DriverFailure, type ScratchUnavailable, type SqlError, driverFailures } from "../database/SqlError.js"
import type { SqlParseError } from "../sql/sqlAnalysis.js"
import type { SmtpError, SmtpNotConfigured } from "../mail/Mailer.js"
import type { LedgerAdminRefused } from "../migrator/LedgerAdmin.js"
import type { CheckFailed } from "../source/fileChecks.js"
import type { LockWaitTimeout } from "../migrator/MigrationLock.js"
import type { MigrationSourceError, MigrationsDirectoryMissing } from "../source/MigrationSourceError.js"
import type { MigrationFailed, MigrationRefused, RollbackRefused, ServerTooOld } from "../migrator/MigratorError.js"
import type { LedgerUnsafe } from "../ledger/Ledger.js"
import type { WorkloadUnavailable } from "../plan/LockPlan.js"
import type { RefusalKind } from "../ledger/ledgerPlan.js"
import { type CatalogEntry, catalog, pasted, docsPath } from "../errors/catalog.js"

/** What any front end renders for a failure: the catalog entry plus the specific message. */
export interface Diagnosis {
  readonly entry: CatalogEntry
  readonly message: string
}

/**
 * Every tagged error aim's services fail with. `explain` maps each tag to its catalog entry and
 * the compiler checks that none is missing: a new or renamed error fails the typecheck instead of
 * becoming AIM-GEN-001.
 */
export type AimError =
  | CheckFailed
  | ConfigError
  | ConnectionError
  | SqlError
  | SqlParseError
  | LedgerAdminRefused
  | LedgerUnsafe
  | LockWaitTimeout
  | MigrationFailed
  | MigrationRefused
  | MigrationSourceError
  | MigrationsDirectoryMissing
  | ServerTooOld
  | ReplayFailed
  | ScratchUnavailable
  | RedisError
  | SmtpError
  | SmtpNotConfigured
  | WorkloadUnavailable
  | RollbackRefused

const aimErrorTags = [
  "CheckFailed",
  "ConfigError",
  "ConnectionError",
  "SqlError",
  "SqlParseError",
  "LedgerAdminRefused",
  "LedgerUnsafe",
  "LockWaitTimeout",
  "MigrationFailed",
  "MigrationRefused",
  "MigrationSourceError",
  "MigrationsDirectoryMissing",
  "ServerTooOld",
  "ReplayFailed",
  "ScratchUnavailable",
  "RedisError",
  "SmtpError",
  "SmtpNotConfigured",
  "WorkloadUnavailable",
  "RollbackRefused",
] as const satisfies ReadonlyArray<AimError["_tag"]>
// Every tag of the union is in the list (the list cannot hold one the union lacks, above).
const allTagsListed: [Exclude<AimError["_tag"], (typeof aimErrorTags)[number]>] extends [never] ? true : never = true
void allTagsListed

const isAimError = (error: unknown): error is AimError =>
  typeof error === "object" && error !== null && "_tag" in error && (aimErrorTags as ReadonlyArray<unknown>).includes(error._tag)

const bySqlState: Record<string, CatalogEntry> = {
  "28P01": catalog.passwordFailed,
  "28000": catalog.sslRequired,
  "25006": catalog.readOnly,
  "40P01": catalog.deadlock,
  "53300": catalog.tooManyConnections,
  "3D000": catalog.databaseMissing,
  "42501": catalog.permissionDenied,
  // Raised by 015 when 013's admin or organization is missing.
  AIM01: catalog.policiesNotCreated,
  // Raised by 022-023 when rows break a constraint of the backend's schema they converge to.
  AIM02: catalog.rowsRefusedByContract,
  "42P07": catalog.relationExists,
  "42710": catalog.relationExists,
  "55P03": catalog.lockTimeout,
  "57P01": catalog.connectionLost,
  // The database's own idle timeouts: running again meets them again.
  "57P05": catalog.sessionTimeout,
  "25P03": catalog.sessionTimeout,
  "57P02": catalog.connectionLost,
  "57P03": catalog.connectionLost,
  "08006": catalog.connectionLost,
  ECONNRESET: catalog.connectionLost,
}

const byNodeCode: Record<string, CatalogEntry> = {
  ECONNREFUSED: catalog.connectionRefused,
  ENOTFOUND: catalog.hostNotFound,
  EAI_AGAIN: catalog.hostNotFound,
  ETIMEDOUT: catalog.connectionTimeout,
  EHOSTUNREACH: catalog.connectionTimeout,
  ENETUNREACH: catalog.connectionTimeout,
  SELF_SIGNED_CERT_IN_CHAIN: catalog.sslCertificate,
  DEPTH_ZERO_SELF_SIGNED_CERT: catalog.sslCertificate,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: catalog.sslCertificate,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: catalog.sslCertificate,
  ERR_TLS_CERT_ALTNAME_INVALID: catalog.sslCertificate,
  CERT_HAS_EXPIRED: catalog.sslCertificate,
}

/**
 * What an unchanged shipped file meets when an object of its name was there before it, in another
 * shape: a missing column or type, a table where a view was, a relation or column that exists, no
 * unique key for its ON CONFLICT. Its IF NOT EXISTS kept the object; the file itself runs everywhere.
 */
const objectOfAnotherShape: ReadonlySet<string> = new Set(["42703", "42704", "42804", "42809", "42P07", "42710", "42701", "42883", "42P10", "42P16", "42830"])

/** SQLSTATEs that stand for more than one cause: told apart by the server's message. */
const bySqlStateAndMessage: Readonly<Record<string, ReadonlyArray<readonly [RegExp, CatalogEntry]>>> = {
  "28000": [[/not permitted to log in/i, catalog.cannotLogIn]],
  "57014": [
    [/statement timeout/i, catalog.statementTimeout],
    [/user request/i, catalog.cancelled],
  ],
  "55000": [[/not currently accepting connections/i, catalog.notAcceptingConnections]],
  // aim's sessions create in public (their search_path): with no schema public, there is nowhere to create.
  "3F000": [[/no schema has been selected to create in/i, catalog.publicSchemaMissing]],
}

/** A driver failure (no SQLSTATE) as the error was sorted when it was made. */
const failureEntries: Readonly<Record<DriverFailure, CatalogEntry>> = {
  auth: catalog.passwordFailed,
  "ssl-required": catalog.sslRequired,
  certificate: catalog.sslCertificate,
  timeout: catalog.connectionTimeout,
  "lock-timeout": catalog.lockTimeout,
  refused: catalog.connectionRefused,
  lost: catalog.connectionLost,
  "not-found": catalog.hostNotFound,
}

const byMessage: ReadonlyArray<readonly [RegExp, CatalogEntry]> = [
  // The server's own wordings, as psql, logs and the backend print them.
  [/deadlock detected/i, catalog.deadlock],
  [/no schema has been selected to create in/i, catalog.publicSchemaMissing],
  [/idle-session timeout|idle-in-transaction timeout/i, catalog.sessionTimeout],
  [/too many clients already|remaining connection slots are reserved/i, catalog.tooManyConnections],
  [/is not permitted to log in/i, catalog.cannotLogIn],
  [/canceling statement due to statement timeout/i, catalog.statementTimeout],
  [/canceling statement due to user request/i, catalog.cancelled],
  [/database "[^"]*" does not exist/i, catalog.databaseMissing],
  [/not currently accepting connections/i, catalog.notAcceptingConnections],
  [/cannot execute [A-Z ]+ in a read-only transaction/i, catalog.readOnly],
  // libpq's and psql's wordings of what Node calls ECONNREFUSED and ENOTFOUND.
  [/Connection refused|could not connect to server/i, catalog.connectionRefused],
  [/could not translate host name|Name or service not known|nodename nor servname/i, catalog.hostNotFound],
  [/WRONGPASS|NOAUTH/, catalog.redisAuth],
  [/535|Invalid login|EAUTH/, catalog.smtpAuth],
  // The driver's own words, read as where its errors are made (SqlError.ts's one list).
  ...driverFailures.map(([pattern, failure]) => [pattern, failureEntries[failure]] as const),
  [/already exists/i, catalog.relationExists],
  [/permission denied/i, catalog.permissionDenied],
]

const byFailure = (failure: DriverFailure | undefined): CatalogEntry | undefined => (failure === undefined ? undefined : failureEntries[failure])

/** The entry for a migrator refusal kind (changed, missing, out-of-order, not-adopted). */
const refusalEntries: Readonly<Record<RefusalKind, CatalogEntry>> = {
  changed: catalog.checksumChanged,
  missing: catalog.migrationMissing,
  "out-of-order": catalog.outOfOrder,
  "not-adopted": catalog.notAdopted,
  "not-approved": catalog.planNotApproved,
  "foreign-ledger": catalog.foreignDatabase,
}

/** The entry of a refusal kind: a new kind does not compile until it has one. */
export const refusalEntry = (kind: RefusalKind): CatalogEntry => refusalEntries[kind]

/**
 * The entry for a server or Node error code, or for a message (pasted text, untagged errors): a
 * SQLSTATE written in the text (`SQLSTATE 57014`, `(SQLSTATE 40P01)`, `ERROR: 40P01: …`, or the text
 * being only a code) counts as its code.
 */
const byCodeOrMessage = (code: string | undefined, message: string): CatalogEntry | undefined => {
  const text = pasted(message)
  const written = /\bSQLSTATE[\s:=]*([0-9A-Z]{5})\b/i.exec(text)?.[1] ?? /(?:^|ERROR:\s+)([0-9][0-9A-Z]{4})(?::|$)/.exec(text)?.[1]
  return (
    (code === undefined ? undefined : byCode(code, text)) ??
    (written === undefined ? undefined : byCode(written.toUpperCase(), text)) ??
    // A code alone that stands for several causes: the most general of them (57014: cancelled).
    (written === undefined ? undefined : bySqlStateAndMessage[written.toUpperCase()]?.at(-1)?.[1]) ??
    byMessage.find(([pattern]) => pattern.test(text))?.[1]
  )
}

const byCode = (code: string, message: string): CatalogEntry | undefined =>
  bySqlStateAndMessage[code]?.find(([pattern]) => pattern.test(message))?.[1] ?? bySqlState[code] ?? byNodeCode[code]

// Redis and SMTP failures are sorted where they are raised; each kind has its entry.
const redisEntries: Readonly<Record<RedisError["failure"], CatalogEntry>> = {
  auth: catalog.redisAuth,
  tls: catalog.redisTls,
  unavailable: catalog.redisUnavailable,
}
const smtpEntries: Readonly<Record<SmtpError["failure"], CatalogEntry>> = {
  auth: catalog.smtpAuth,
  tls: catalog.smtpTls,
  unreachable: catalog.smtpUnreachable,
}

/** Each tag's entry; `tagsExhaustive` makes a tag without one a type error. */
const entryOf: (error: AimError) => CatalogEntry = Match.type<AimError>().pipe(
  Match.tagsExhaustive({
    CheckFailed: () => catalog.checkFailed,
    // A problem with an entry of its own (Azure's SSL rule) names it when it is the only kind there is.
    ConfigError: (e) => {
      const entries = new Set(e.problems.map((p) => p.entry ?? catalog.configInvalid))
      return entries.size === 1 ? ([...entries][0] ?? catalog.configInvalid) : catalog.configInvalid
    },
    ConnectionError: (e) =>
      e.dataDir !== undefined
        ? catalog.embeddedDataDir
        : ((e.code === undefined ? undefined : byCode(e.code, e.message)) ?? byFailure(e.failure) ?? catalog.internal),
    SqlError: (e) => (e.code === undefined ? undefined : byCode(e.code, e.message)) ?? byFailure(e.failure) ?? catalog.internal,
    SqlParseError: () => catalog.sourceInvalid,
    LedgerAdminRefused: () => catalog.ledgerAdminRefused,
    LedgerUnsafe: () => catalog.ledgerUnsafe,
    LockWaitTimeout: () => catalog.lockWaitTimeout,
    MigrationFailed: (e) =>
      (e.shipped === true && e.sqlState !== undefined && objectOfAnotherShape.has(e.sqlState)
        ? catalog.otherShape
        : e.sqlState === undefined
          ? undefined
          : byCode(e.sqlState, e.serverMessage)) ?? catalog.migrationFailed,
    MigrationRefused: (e) => (e.refusals[0] === undefined ? catalog.internal : refusalEntry(e.refusals[0].kind)),
    MigrationSourceError: () => catalog.sourceInvalid,
    MigrationsDirectoryMissing: () => catalog.directoryMissing,
    ServerTooOld: () => catalog.serverTooOld,
    ReplayFailed: () => catalog.replayFailed,
    ScratchUnavailable: () => catalog.scratchUnavailable,
    RedisError: (e) => redisEntries[e.failure],
    SmtpError: (e) => smtpEntries[e.failure],
    SmtpNotConfigured: () => catalog.emailNotConfigured,
    WorkloadUnavailable: (e) => (e.reason === "privilege" ? catalog.workloadHidden : catalog.workloadFile),
    RollbackRefused: (e) => rollbackEntries[e.reason],
  }),
)

const rollbackEntries = {
  loss: catalog.rollbackLoss,
  target: catalog.rollbackTarget,
  backend: catalog.rollbackBackend,
  save: catalog.rollbackSave,
  changed: catalog.rollbackChanged,
} as const satisfies Record<RollbackRefused["reason"], CatalogEntry>

/**
 * The one coded line every front end prints for a failure (the CLI, the health endpoint, the MCP
 * server, the backend's boot): `[CODE] what happened. Fix: … (docs: /troubleshooting/…)`.
 */
export const codedLine = ({ entry, message }: Diagnosis): string => `[${entry.code}] ${message}. Fix: ${entry.fix} (docs: ${docsPath(entry)})`

/** An error of aim's own, with its troubleshooting entry. */
export const explain = (error: AimError): Diagnosis => ({ entry: entryOf(error), message: error.message })

/**
 * Any failure to its troubleshooting entry: aim's own errors through `explain`; anything else (a pg
 * or Node error that escaped a service, a message pasted into `aim explain`) by its code or text.
 */
export const diagnose = (error: unknown): Diagnosis => {
  if (isAimError(error)) return explain(error)
  const e = typeof error === "object" && error !== null ? (error as { code?: unknown; message?: unknown }) : {}
  const message = typeof error === "string" ? error : typeof e.message === "string" && e.message !== "" ? e.message : String(error)
  const entry = byCodeOrMessage(typeof e.code === "string" ? e.code : undefined, message)
  return { entry: entry ?? catalog.internal, message }
}
