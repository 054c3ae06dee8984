import { type CatalogEntry, catalog } from "./catalog.js"

/** What any front end renders for a failure: the catalog entry plus the specific message. */
export interface Diagnosis {
  readonly entry: CatalogEntry
  readonly message: string
}

interface Tagged {
  readonly _tag?: unknown
  readonly code?: unknown
  readonly sqlState?: unknown
  readonly message?: unknown
  readonly refusals?: ReadonlyArray<{ readonly kind: string }>
  readonly problems?: ReadonlyArray<{ readonly variable?: string; readonly problem?: string }>
  readonly name?: unknown
}

const bySqlState: Record<string, CatalogEntry> = {
  "28P01": catalog.passwordFailed,
  "28000": catalog.sslRequired,
  "3D000": catalog.databaseMissing,
  "42501": catalog.permissionDenied,
  "42P07": catalog.relationExists,
  "42710": catalog.relationExists,
  "55P03": catalog.lockTimeout,
  "57P01": catalog.connectionLost,
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

const byMessage: ReadonlyArray<readonly [RegExp, CatalogEntry]> = [
  [/WRONGPASS|NOAUTH/, catalog.redisAuth],
  [/535|Invalid login|EAUTH/, catalog.smtpAuth],
  [/password authentication failed/i, catalog.passwordFailed],
  [/no pg_hba\.conf entry|does not support SSL|SSL off|requires SSL|SSL connection is required/i, catalog.sslRequired],
  [/certificate|altnames/i, catalog.sslCertificate],
  // pg says "Connection terminated due to connection timeout": a timeout, not a lost connection.
  [/timeout expired|timed out|due to connection timeout/i, catalog.connectionTimeout],
  [/lock timeout/i, catalog.lockTimeout],
  [/already exists/i, catalog.relationExists],
  [/permission denied/i, catalog.permissionDenied],
  [/ECONNREFUSED/, catalog.connectionRefused],
  [/Connection terminated|terminating connection|starting up|shutting down|Client has encountered a connection error/i, catalog.connectionLost],
  [/ENOTFOUND|getaddrinfo/, catalog.hostNotFound],
]

/** The entry for a migrator refusal kind (changed, missing, out-of-order, not-adopted). */
export const refusalEntry = (kind: string | undefined): CatalogEntry =>
  kind === "missing" ? catalog.migrationMissing : kind === "out-of-order" ? catalog.outOfOrder : kind === "not-adopted" ? catalog.notAdopted : catalog.checksumChanged

const text = (value: unknown): string => (typeof value === "string" ? value : "")

/** Maps any error (tagged, pg, Node, or a pasted message) to its troubleshooting entry. */
export const diagnose = (error: unknown): Diagnosis => {
  const e: Tagged = typeof error === "object" && error !== null ? (error as Tagged) : {}
  const message = typeof error === "string" ? error : text(e.message) || String(error)
  const tag = text(e._tag)
  const found = ((): CatalogEntry | undefined => {
    switch (tag) {
      case "ServerTooOld":
        return catalog.serverTooOld
      case "ConfigError":
        return e.problems !== undefined && e.problems.length > 0 && e.problems.every((p) => /Azure/.test(p.problem ?? "")) ? catalog.azureSslRequired : catalog.configInvalid
      case "MigrationSourceError":
        return catalog.sourceInvalid
      case "MigrationsDirectoryMissing":
        return catalog.directoryMissing
      case "LockWaitTimeout":
        return catalog.lockWaitTimeout
      case "MigrationRefused": {
        const kind = e.refusals?.[0]?.kind
        return refusalEntry(kind)
      }
      case "RedisError": {
        const code = text(e.code)
        if (/^(WRONGPASS|NOAUTH)/.test(code) || /WRONGPASS|NOAUTH|invalid password/i.test(message)) return catalog.redisAuth
        if (/ECONNRESET|EPROTO|TLS|SSL|Connection is closed/i.test(`${code} ${message}`)) return catalog.redisTls
        return catalog.redisUnavailable
      }
      case "LedgerAdminRefused":
        return catalog.ledgerAdminRefused
      case "SqlParseError":
        return catalog.sourceInvalid
      case "SmtpNotConfigured":
        return catalog.emailNotConfigured
      case "SmtpError": {
        const code = text(e.code)
        if (code === "EAUTH" || /auth/i.test(message)) return catalog.smtpAuth
        if (code === "ETLS" || /STARTTLS|certificate|wrong version number|TLS|SSL/i.test(message)) return catalog.smtpTls
        return catalog.smtpUnreachable
      }
      case "MigrationFailed": {
        const state = text(e.sqlState)
        if (state === "P0002" && /015_|admin/.test(`${text(e.name)} ${message}`)) return catalog.policiesNotCreated
        return bySqlState[state] ?? catalog.migrationFailed
      }
    }
    const code = text(e.code) || text(e.sqlState)
    return bySqlState[code] ?? byNodeCode[code] ?? byMessage.find(([pattern]) => pattern.test(message))?.[1]
  })()
  return { entry: found ?? catalog.internal, message }
}
