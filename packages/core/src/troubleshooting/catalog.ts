/** One troubleshooting entry: what the user sees, why, and what to do. Docs pages are generated from these. */
export interface CatalogEntry {
  readonly code: string
  readonly slug: string
  readonly title: string
  /** The message or behaviour as the user meets it. */
  readonly symptom: string
  readonly cause: string
  readonly fix: string
  readonly commands: ReadonlyArray<string>
}

export const docsPath = (entry: CatalogEntry): string => `/troubleshooting/${entry.slug}`

const entry = (e: CatalogEntry): CatalogEntry => e

export const catalog = {
  configInvalid: entry({
    code: "AIM-CFG-001",
    slug: "configuration-invalid",
    title: "Configuration is invalid or incomplete",
    symptom: "aim prints one line per variable that is missing or malformed and exits with code 2.",
    cause: "An environment variable of the guide's Step 1 is missing or malformed (port not a number, unknown SSL mode, half-configured SMTP, ...).",
    fix: "Set or correct each variable listed; `aim doctor` re-checks them all at once.",
    commands: ["aim doctor"],
  }),
  azureSslRequired: entry({
    code: "AIM-CFG-002",
    slug: "azure-ssl-required",
    title: "Azure PostgreSQL needs SSL",
    symptom: "POSTGRES_SSL_MODE is disable or unset for a *.postgres.database.azure.com host.",
    cause: "Azure Database for PostgreSQL accepts only SSL connections (the guide: CRITICAL for Azure PostgreSQL).",
    fix: "Set POSTGRES_SSL_MODE=require, or verify-full with POSTGRES_SSL_ROOT_CERT.",
    commands: ["aim doctor"],
  }),
  connectionRefused: entry({
    code: "AIM-DB-001",
    slug: "connection-refused",
    title: "Database connection refused",
    symptom: "connect ECONNREFUSED host:port",
    cause: "Nothing listens on the configured host and port: the server is down, still starting, or the port is wrong.",
    fix: "Start PostgreSQL or correct POSTGRES_HOST/POSTGRES_PORT (or DATABASE_URL); check firewall rules for cloud databases.",
    commands: ["aim doctor"],
  }),
  hostNotFound: entry({
    code: "AIM-DB-002",
    slug: "host-not-found",
    title: "Database host not found",
    symptom: "getaddrinfo ENOTFOUND host",
    cause: "The host name in POSTGRES_HOST or DATABASE_URL does not resolve.",
    fix: "Correct the host name; for Azure it ends in .postgres.database.azure.com.",
    commands: ["aim doctor"],
  }),
  connectionTimeout: entry({
    code: "AIM-DB-003",
    slug: "connection-timeout",
    title: "Database connection timed out",
    symptom: "timeout expired / ETIMEDOUT while connecting",
    cause: "The server is unreachable from here: a firewall, a private network or a wrong port drops the packets.",
    fix: "Allow this client's address in the server's firewall (Azure: Networking), or run from inside the network.",
    commands: ["aim doctor"],
  }),
  passwordFailed: entry({
    code: "AIM-DB-004",
    slug: "password-authentication-failed",
    title: "Password authentication failed",
    symptom: 'password authentication failed for user "..."',
    cause: "PostgreSQL credentials are incorrect, or SSL mode is not set where the server requires it.",
    fix: "Verify POSTGRES_PASSWORD (no quoting needed: it is passed as is); for Azure PostgreSQL set POSTGRES_SSL_MODE=require.",
    commands: ["aim doctor"],
  }),
  sslRequired: entry({
    code: "AIM-DB-005",
    slug: "ssl-required",
    title: "Server requires SSL or has no pg_hba entry",
    symptom: 'no pg_hba.conf entry for host "...", SSL off / The server does not support SSL connections',
    cause: "The server's pg_hba.conf does not allow this connection with the SSL mode used.",
    fix: "Set POSTGRES_SSL_MODE=require when the server requires SSL, or disable when it has none; otherwise ask the DBA to add a pg_hba entry.",
    commands: ["aim doctor"],
  }),
  sslCertificate: entry({
    code: "AIM-DB-006",
    slug: "ssl-certificate",
    title: "Server certificate not trusted",
    symptom: "self-signed certificate in certificate chain / Hostname/IP does not match certificate's altnames",
    cause: "With verify-ca or verify-full the server's certificate must chain to POSTGRES_SSL_ROOT_CERT (and, for verify-full, name the host).",
    fix: "Point POSTGRES_SSL_ROOT_CERT at the right CA file (Azure: DigiCert Global Root G2), and connect by the name on the certificate.",
    commands: ["aim doctor"],
  }),
  databaseMissing: entry({
    code: "AIM-DB-007",
    slug: "database-does-not-exist",
    title: "Database does not exist",
    symptom: 'database "..." does not exist',
    cause: "POSTGRES_DB names a database that was never created on this server.",
    fix: "Create it (CREATE DATABASE identity;) or correct POSTGRES_DB.",
    commands: ["createdb identity", "aim doctor"],
  }),
  permissionDenied: entry({
    code: "AIM-DB-008",
    slug: "permission-denied",
    title: "Permission denied",
    symptom: "permission denied for schema public / to create schema",
    cause: "The configured user lacks the privileges the migrations need (the guide asks for admin privileges).",
    fix: "Run migrations as the database owner or grant CREATE on the database and schema public to the user.",
    commands: ["aim doctor"],
  }),
  serverTooOld: entry({
    code: "AIM-DB-009",
    slug: "server-too-old",
    title: "PostgreSQL older than 15",
    symptom: "aim doctor reports a server version below 15",
    cause: "The migrations use features of PostgreSQL 15 (CREATE OR REPLACE TRIGGER, gen_random_uuid without extensions).",
    fix: "Upgrade the server to PostgreSQL 15 or newer.",
    commands: ["aim doctor"],
  }),
  relationExists: entry({
    code: "AIM-SQL-001",
    slug: "relation-already-exists",
    title: "Relation already exists",
    symptom: 'relation "..." already exists',
    cause: "A migration creates an object without IF NOT EXISTS and the object is already there (run by hand, or by an older tool).",
    fix: "Guard the statement (IF NOT EXISTS / ON CONFLICT DO NOTHING); if the database was migrated by the deployed backend, run `aim adopt` first.",
    commands: ["aim lint", "aim adopt", "aim status"],
  }),
  migrationFailed: entry({
    code: "AIM-SQL-002",
    slug: "migration-failed",
    title: "A migration statement failed",
    symptom: "✖ NNN_name.sql:LINE:COL: server message (SQLSTATE xxxxx)",
    cause: "The server rejected a statement of the migration; its transaction was rolled back and the ledger was not changed.",
    fix: "Fix the statement at the line shown (in a new migration if the file is already applied elsewhere) and run `aim migrate` again.",
    commands: ["aim migrate --dry-run", "aim status"],
  }),
  adminNotCreated: entry({
    code: "AIM-SEED-001",
    slug: "admin-not-created",
    title: "Admin user not created",
    symptom: "aim verify: default admin admin@opena2a.org missing",
    cause: "Migration 013 depends on the organizations table of 001 and did not run, or the admin was deleted.",
    fix: "Run the migrations in order with `aim migrate`; migration 001 creates organizations, 013 the admin.",
    commands: ["aim migrate", "aim verify"],
  }),
  policiesNotCreated: entry({
    code: "AIM-SEED-002",
    slug: "policies-not-created",
    title: "Security policies not created",
    symptom: "015_add_default_security_policies.sql fails: default admin ... is missing",
    cause: "Migration 015 depends on the admin user and organization created by 013.",
    fix: "Make sure 001-014 ran successfully (aim status), restore the admin (013), then run `aim migrate` again.",
    commands: ["aim status", "aim migrate"],
  }),
  checksumChanged: entry({
    code: "AIM-MIG-001",
    slug: "checksum-changed",
    title: "Applied migration was changed",
    symptom: "NNN_name.sql changed after it was applied (checksum ..., applied ...)",
    cause: "An applied migration file was edited; the database does not have the edit.",
    fix: "Restore the file from version control and put the change in a new migration (aim new); after a reviewed edit that must stand, `aim repair VERSION --yes`.",
    commands: ["git diff migrations/", "aim new \"describe change\"", "aim repair VERSION --yes"],
  }),
  migrationMissing: entry({
    code: "AIM-MIG-002",
    slug: "migration-missing",
    title: "Applied migration file is missing",
    symptom: "NNN_name.sql was applied on ... but its file is gone from the migrations directory",
    cause: "A file the ledger records was deleted or renamed, or --migrations-dir points at the wrong directory.",
    fix: "Restore the file from version control, or point --migrations-dir at the directory the database was migrated from.",
    commands: ["aim status", "git log -- migrations/"],
  }),
  outOfOrder: entry({
    code: "AIM-MIG-003",
    slug: "out-of-order",
    title: "Pending migration numbered below an applied one",
    symptom: "NNN_name.sql is pending but numbered below MMM, which is already applied",
    cause: "Two branches added migrations with overlapping numbers, and the later-numbered one was deployed first.",
    fix: "Renumber the pending file after the newest applied migration (aim new gives the next number).",
    commands: ["aim status", "aim new \"...\""],
  }),
  sourceInvalid: entry({
    code: "AIM-MIG-004",
    slug: "migration-files-invalid",
    title: "Migration files are not valid",
    symptom: "a file name, number, encoding or content is rejected",
    cause: "The migrations directory has a badly named, duplicate-numbered, empty or non-UTF-8 file, or a gap in the numbers.",
    fix: "Fix each file named: NNN_description.sql, consecutive numbers, UTF-8, not empty.",
    commands: ["aim lint", "aim status"],
  }),
  directoryMissing: entry({
    code: "AIM-MIG-005",
    slug: "migrations-directory-missing",
    title: "Migrations directory not found",
    symptom: "migrations directory ... does not exist",
    cause: "aim looks for migrations/ in the working directory unless --migrations-dir says otherwise.",
    fix: "Run from the project root or pass --migrations-dir PATH.",
    commands: ["aim migrate --migrations-dir PATH"],
  }),
  lockWaitTimeout: entry({
    code: "AIM-LOCK-001",
    slug: "lock-wait-timeout",
    title: "Timed out waiting for the migration lock",
    symptom: "waited N s for the migration lock held by ...",
    cause: "Another aim process (another replica) holds the migration lock for longer than the wait allows.",
    fix: "Let the holder finish (aim status shows it), or raise --lock-wait; a crashed holder frees the lock when its session ends.",
    commands: ["aim status", "aim migrate --lock-wait 300"],
  }),
  lockTimeout: entry({
    code: "AIM-LOCK-002",
    slug: "lock-timeout",
    title: "Migration blocked by application traffic (lock_timeout)",
    symptom: "canceling statement due to lock timeout (SQLSTATE 55P03)",
    cause: "A migration needed a table lock that a long-running application transaction holds; lock_timeout stopped it from queueing all traffic behind it.",
    fix: "Retry when traffic is lower, end the blocking session, or raise --lock-timeout knowingly.",
    commands: ["aim migrate --lock-timeout 10"],
  }),
  internal: entry({
    code: "AIM-GEN-001",
    slug: "unexpected-error",
    title: "Unexpected error",
    symptom: "an error without a more specific entry",
    cause: "Something failed that aim does not recognise.",
    fix: "Re-run with the same command; if it persists, report it with the message shown (no secrets are printed).",
    commands: ["aim doctor"],
  }),
} as const

export type CatalogKey = keyof typeof catalog

export const catalogEntries: ReadonlyArray<CatalogEntry> = Object.values(catalog)

export const findEntry = (code: string): CatalogEntry | undefined =>
  catalogEntries.find((e) => e.code.toLowerCase() === code.trim().toLowerCase() || e.slug === code.trim().toLowerCase())
