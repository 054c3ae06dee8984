import { findEntry } from "../src/errors/catalog.js"
import { describe, expect, it } from "vitest"
import { RedisError } from "../src/cache/Cache.js"
import { ConfigError } from "../src/config/ConfigError.js"
import { ConnectionError, SqlError, isTransient, toConnectionError } from "../src/database/SqlError.js"
import { SmtpError, SmtpNotConfigured } from "../src/mail/Mailer.js"
import { CheckFailed } from "../src/source/fileChecks.js"
import { LedgerAdminRefused } from "../src/migrator/LedgerAdmin.js"
import { LockWaitTimeout } from "../src/migrator/MigrationLock.js"
import { MigrationSourceError, MigrationsDirectoryMissing } from "../src/source/MigrationSourceError.js"
import { MigrationFailed, MigrationRefused, ServerTooOld } from "../src/migrator/MigratorError.js"
import { SqlParseError } from "../src/sql/sqlAnalysis.js"
import { catalog } from "../src/errors/catalog.js"
import { codedLine, diagnose, explain, refusalEntry } from "../src/diagnose/diagnose.js"

type Key = keyof typeof catalog
const codeOf = (key: Key) => catalog[key].code

const sqlError = (code: string | undefined, message: string, failure?: SqlError["failure"]) =>
  new SqlError({ message, code, position: undefined, detail: undefined, hint: undefined, where: undefined, ...(failure === undefined ? {} : { failure }) })
const failed = (sqlState: string | undefined, serverMessage: string) =>
  new MigrationFailed({
    version: 1,
    name: "001_a.sql",
    path: "/m/001_a.sql",
    line: 3,
    column: 2,
    sqlState,
    serverMessage,
    detail: undefined,
    hint: undefined,
    rolledBack: true,
  })

describe("a server's SQLSTATE names its entry", () => {
  const cases: ReadonlyArray<readonly [string, string, Key]> = [
    ["28P01", "password authentication failed for user aim", "passwordFailed"],
    ["28000", "no pg_hba.conf entry for host", "sslRequired"],
    ["28000", 'role "aim" is not permitted to log in', "cannotLogIn"],
    ["25006", "cannot execute CREATE TABLE in a read-only transaction", "readOnly"],
    ["40P01", "deadlock detected", "deadlock"],
    ["53300", "sorry, too many clients already", "tooManyConnections"],
    ["3D000", 'database "x" does not exist', "databaseMissing"],
    ["42501", "permission denied for schema public", "permissionDenied"],
    ["AIM01", "the default admin is missing", "policiesNotCreated"],
    ["42P07", 'relation "users" already exists', "relationExists"],
    ["42710", 'constraint "x" already exists', "relationExists"],
    ["55P03", "canceling statement due to lock timeout", "lockTimeout"],
    ["57P01", "terminating connection due to administrator command", "connectionLost"],
    ["57P02", "terminating connection due to crash of another server process", "connectionLost"],
    ["57P03", "the database system is starting up", "connectionLost"],
    ["08006", "connection failure", "connectionLost"],
    ["57P05", "terminating connection due to idle-session timeout", "sessionTimeout"],
    ["25P03", "terminating connection due to idle-in-transaction timeout", "sessionTimeout"],
    ["ECONNRESET", "read ECONNRESET", "connectionLost"],
    ["57014", "canceling statement due to statement timeout", "statementTimeout"],
    ["57014", "canceling statement due to user request", "cancelled"],
    ["55000", 'database "x" is not currently accepting connections', "notAcceptingConnections"],
  ]

  it.each(cases)("%s %s", (code, message, key) => {
    expect(explain(sqlError(code, message)).entry.code).toBe(codeOf(key))
    expect(explain(failed(code, message)).entry.code).toBe(codeOf(key))
    expect(diagnose({ code, message }).entry.code).toBe(codeOf(key))
  })

  it("a SQLSTATE with several causes and none of their messages falls back to its own entry, or none", () => {
    expect(explain(sqlError("28000", "something else")).entry.code).toBe(codeOf("sslRequired"))
    expect(explain(sqlError("57014", "something else")).entry.code).toBe(codeOf("internal"))
    expect(explain(failed("57014", "something else")).entry.code).toBe(codeOf("migrationFailed"))
    expect(explain(failed("55000", "object not in prerequisite state")).entry.code).toBe(codeOf("migrationFailed"))
    expect(explain(failed(undefined, "boom")).entry.code).toBe(codeOf("migrationFailed"))
    expect(explain(failed("42601", "syntax error")).entry.code).toBe(codeOf("migrationFailed"))
  })
})

describe("a Node error code names its entry", () => {
  const cases: ReadonlyArray<readonly [string, Key]> = [
    ["ECONNREFUSED", "connectionRefused"],
    ["ENOTFOUND", "hostNotFound"],
    ["EAI_AGAIN", "hostNotFound"],
    ["ETIMEDOUT", "connectionTimeout"],
    ["EHOSTUNREACH", "connectionTimeout"],
    ["ENETUNREACH", "connectionTimeout"],
    ["SELF_SIGNED_CERT_IN_CHAIN", "sslCertificate"],
    ["DEPTH_ZERO_SELF_SIGNED_CERT", "sslCertificate"],
    ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "sslCertificate"],
    ["UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "sslCertificate"],
    ["ERR_TLS_CERT_ALTNAME_INVALID", "sslCertificate"],
    ["CERT_HAS_EXPIRED", "sslCertificate"],
  ]
  it.each(cases)("%s", (code, key) => {
    expect(explain(new ConnectionError({ message: "x", code, target: "db:5432" })).entry.code).toBe(codeOf(key))
    expect(diagnose({ code, message: "x" }).entry.code).toBe(codeOf(key))
  })
})

describe("a driver failure without a code names its entry", () => {
  const cases: ReadonlyArray<readonly [SqlError["failure"] & string, Key]> = [
    ["auth", "passwordFailed"],
    ["ssl-required", "sslRequired"],
    ["certificate", "sslCertificate"],
    ["timeout", "connectionTimeout"],
    ["lock-timeout", "lockTimeout"],
    ["refused", "connectionRefused"],
    ["lost", "connectionLost"],
    ["not-found", "hostNotFound"],
  ]
  it.each(cases)("%s", (failure, key) => {
    expect(explain(sqlError(undefined, "x", failure)).entry.code).toBe(codeOf(key))
    expect(explain(new ConnectionError({ message: "x", code: undefined, target: "t", failure })).entry.code).toBe(codeOf(key))
  })

  it("a code wins over the failure; nothing known is AIM-GEN-001", () => {
    expect(explain(sqlError("28P01", "x", "lost")).entry.code).toBe(codeOf("passwordFailed"))
    expect(explain(sqlError("XX000", "x", "lost")).entry.code).toBe(codeOf("connectionLost"))
    expect(explain(sqlError(undefined, "x")).entry.code).toBe(codeOf("internal"))
    expect(explain(new ConnectionError({ message: "x", code: undefined, target: "t" })).entry.code).toBe(codeOf("internal"))
    expect(explain(new ConnectionError({ message: "x", code: "EWHAT", target: "t" })).entry.code).toBe(codeOf("internal"))
  })

  it("the embedded database's directory is its own entry, whatever the code", () => {
    expect(explain(new ConnectionError({ message: "x", code: "ECONNREFUSED", target: "t", dataDir: "/d" })).entry.code).toBe(codeOf("embeddedDataDir"))
  })
})

describe("a message alone (pasted into aim explain) names its entry", () => {
  const cases: ReadonlyArray<readonly [string, Key]> = [
    ["WRONGPASS invalid username-password pair", "redisAuth"],
    ["NOAUTH Authentication required", "redisAuth"],
    ["535 5.7.8 Username and Password not accepted", "smtpAuth"],
    ["Invalid login: 535", "smtpAuth"],
    ["EAUTH", "smtpAuth"],
    ['password authentication failed for user "aim"', "passwordFailed"],
    ["no pg_hba.conf entry for host", "sslRequired"],
    ["The server does not support SSL connections", "sslRequired"],
    ["SSL off", "sslRequired"],
    ["server requires SSL", "sslRequired"],
    ["SSL connection is required", "sslRequired"],
    ["self-signed certificate in certificate chain", "sslCertificate"],
    ["Hostname/IP does not match certificate's altnames", "sslCertificate"],
    ["timeout expired", "connectionTimeout"],
    ["connect timed out", "connectionTimeout"],
    ["Connection terminated due to connection timeout", "connectionTimeout"],
    ["canceling statement due to lock timeout", "lockTimeout"],
    ['relation "users" already exists', "relationExists"],
    ["permission denied for table users", "permissionDenied"],
    ["connect ECONNREFUSED 127.0.0.1:5432", "connectionRefused"],
    ["Connection terminated unexpectedly", "connectionLost"],
    ["terminating connection due to administrator command", "connectionLost"],
    ["FATAL:  terminating connection due to idle-session timeout", "sessionTimeout"],
    ["the database system is starting up", "connectionLost"],
    ["the database system is shutting down", "connectionLost"],
    ["Client has encountered a connection error and is not queryable", "connectionLost"],
    ["getaddrinfo ENOTFOUND db", "hostNotFound"],
    // A SQLSTATE written in the text, alone or as psql and drivers print it.
    ["40P01", "deadlock"],
    ["SQLSTATE 57014", "cancelled"],
    ["ERROR: canceling statement due to statement timeout (SQLSTATE 57014)", "statementTimeout"],
    ["pq: deadlock detected (SQLSTATE 40P01)", "deadlock"],
    ["ERROR:  53300: sorry, too many clients already", "tooManyConnections"],
    // The server's own wordings of entries that exist.
    ["FATAL:  sorry, too many clients already", "tooManyConnections"],
    ['FATAL:  role "reporting" is not permitted to log in', "cannotLogIn"],
    ["ERROR:  canceling statement due to statement timeout", "statementTimeout"],
    ['FATAL:  database "identity" does not exist', "databaseMissing"],
    ["ERROR:  deadlock detected", "deadlock"],
    ["ERROR:  cannot execute INSERT in a read-only transaction", "readOnly"],
    // libpq's and psql's wordings.
    ['psql: error: connection to server at "db" (10.0.0.5), port 5432 failed: Connection refused', "connectionRefused"],
    ['psql: error: could not translate host name "db.example" to address: Name or service not known', "hostNotFound"],
    ["something nobody knows", "internal"],
  ]
  it.each(cases)("%s", (message, key) => {
    expect(diagnose(message).entry.code).toBe(codeOf(key))
    expect(diagnose(new Error(message)).entry.code).toBe(codeOf(key))
  })

  it("a code pasted with en dashes, brackets or a terminal's colours is the code", () => {
    expect(findEntry("AIM\u2013DB\u2013004")?.code).toBe("AIM-DB-004")
    expect(findEntry("\u001b[31m[AIM-DB-004]\u001b[0m")?.code).toBe("AIM-DB-004")
    expect(findEntry(" aim-db-004 ")?.code).toBe("AIM-DB-004")
  })

  it("keeps the message: a string as it is, an Error's message, anything else as text", () => {
    expect(diagnose("pasted text")).toEqual({ entry: catalog.internal, message: "pasted text" })
    expect(diagnose(new Error("an error")).message).toBe("an error")
    expect(diagnose({ message: "" }).message).toBe("[object Object]")
    expect(diagnose(42)).toEqual({ entry: catalog.internal, message: "42" })
    expect(diagnose(null)).toEqual({ entry: catalog.internal, message: "null" })
    expect(diagnose({ code: 28, message: "password authentication failed" }).entry.code).toBe(codeOf("passwordFailed"))
    expect(diagnose({ _tag: "NotOurs", code: "ECONNREFUSED", message: "x" }).entry.code).toBe(codeOf("connectionRefused"))
  })
})

describe("aim's own errors", () => {
  it("each tag has its entry and keeps its message", () => {
    const cases: ReadonlyArray<readonly [Parameters<typeof explain>[0], Key]> = [
      [new CheckFailed({ version: 1, name: "001_a.sql", line: 1, check: "c", rows: [], more: false }), "checkFailed"],
      [new SqlParseError({ message: "syntax", line: 1, column: 1 }), "sourceInvalid"],
      [new LedgerAdminRefused({ operation: "adopt", message: "no" }), "ledgerAdminRefused"],
      [new LockWaitTimeout({ waitedMs: 1000, holder: undefined }), "lockWaitTimeout"],
      [new MigrationSourceError({ directory: "/m", problems: [{ file: "x.sql", problem: "bad" }] }), "sourceInvalid"],
      [new MigrationsDirectoryMissing({ directory: "/m" }), "directoryMissing"],
      [new ServerTooOld({ version: "14.1", versionNum: 140001 }), "serverTooOld"],
      [new RedisError({ message: "x", code: undefined, target: "t", failure: "auth" }), "redisAuth"],
      [new RedisError({ message: "x", code: undefined, target: "t", failure: "tls" }), "redisTls"],
      [new RedisError({ message: "x", code: undefined, target: "t", failure: "unavailable" }), "redisUnavailable"],
      [new SmtpError({ message: "x", code: undefined, target: "t", failure: "auth" }), "smtpAuth"],
      [new SmtpError({ message: "x", code: undefined, target: "t", failure: "tls" }), "smtpTls"],
      [new SmtpError({ message: "x", code: undefined, target: "t", failure: "unreachable" }), "smtpUnreachable"],
      [new SmtpNotConfigured(), "emailNotConfigured"],
      [new MigrationRefused({ refusals: [] }), "internal"],
    ]
    for (const [error, key] of cases) {
      expect(explain(error)).toEqual({ entry: catalog[key], message: error.message })
      expect(diagnose(error).entry.code).toBe(codeOf(key))
    }
  })

  it("a refusal names the entry of its first kind", () => {
    const refused = (...kinds: ReadonlyArray<Parameters<typeof refusalEntry>[0]>) =>
      new MigrationRefused({ refusals: kinds.map((kind, i) => ({ kind, version: i, name: `00${i}_a.sql`, detail: `d${i}` })) })
    expect(explain(refused("missing", "changed")).entry.code).toBe(codeOf("migrationMissing"))
    expect(explain(refused("missing", "changed")).message).toBe("d0; d1")
    expect((["changed", "missing", "out-of-order", "not-adopted", "not-approved", "foreign-ledger"] as const).map((kind) => refusalEntry(kind).code)).toEqual(
      ["checksumChanged", "migrationMissing", "outOfOrder", "notAdopted", "planNotApproved", "foreignDatabase"].map((k) => codeOf(k as Key)),
    )
  })

  it("a configuration error names the entry its problems share, else the general one", () => {
    const azure = { variable: "POSTGRES_SSL_MODE", problem: "p", fix: "f", entry: catalog.azureSslRequired }
    const plain = { variable: "POSTGRES_PORT", problem: "p", fix: "f" }
    expect(explain(new ConfigError({ problems: [azure] })).entry.code).toBe(codeOf("azureSslRequired"))
    expect(explain(new ConfigError({ problems: [azure, azure] })).entry.code).toBe(codeOf("azureSslRequired"))
    expect(explain(new ConfigError({ problems: [azure, plain] })).entry.code).toBe(codeOf("configInvalid"))
    expect(explain(new ConfigError({ problems: [plain] })).entry.code).toBe(codeOf("configInvalid"))
  })

  it("the coded line every front end prints", () => {
    expect(codedLine({ entry: catalog.lockTimeout, message: "001_a.sql:3:2: canceling statement due to lock timeout" })).toBe(
      `[${catalog.lockTimeout.code}] 001_a.sql:3:2: canceling statement due to lock timeout. Fix: ${catalog.lockTimeout.fix} (docs: /troubleshooting/${catalog.lockTimeout.slug})`,
    )
  })
})

describe("isTransient: what the backend's start-up retries, from the failure sorted where the error was made", () => {
  const failing = (message: string, code?: string) => toConnectionError(Object.assign(new Error(message), code === undefined ? {} : { code }), "db")
  it("retries a server starting, restarting, out of reach or cut off, never a refusal of the session", () => {
    expect(isTransient(failing("the database system is starting up", "57P03"))).toBe(true)
    expect(isTransient(failing("Connection terminated due to connection timeout"))).toBe(true)
    expect(isTransient(failing("Connection terminated unexpectedly"))).toBe(true)
    expect(isTransient(failing("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED"))).toBe(true)
    expect(isTransient(failing("sorry, too many clients already", "53300"))).toBe(true)
    expect(isTransient(failing('password authentication failed for user "aim"', "28P01"))).toBe(false)
    expect(isTransient(failing('database "aim" does not exist', "3D000"))).toBe(false)
    expect(isTransient(failing("self-signed certificate in certificate chain", "SELF_SIGNED_CERT_IN_CHAIN"))).toBe(false)
  })
})
