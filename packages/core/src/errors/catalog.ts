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

/** An entry with its docs path: what `aim explain --json` and the MCP `explain_error` tool return. */
export const entryDocument = (entry: CatalogEntry) => ({ ...entry, docs: docsPath(entry) })

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
    fix: "Set POSTGRES_SSL_ROOT_CERT=system (verify-full against the public CAs, which Azure's certificates chain to), or at least POSTGRES_SSL_MODE=require.",
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
    symptom: "timeout expired / ETIMEDOUT / connection timeout while connecting (after POSTGRES_CONNECT_TIMEOUT seconds, 10 by default)",
    cause:
      "Nothing answered as PostgreSQL in time: a firewall or private network drops the packets, the port belongs to another service, or the server is overloaded.",
    fix: "Check the host and port, allow this client's address in the server's firewall (Azure: Networking) or run from inside the network; POSTGRES_CONNECT_TIMEOUT (seconds) sets how long to wait.",
    commands: ["aim doctor"],
  }),
  passwordFailed: entry({
    code: "AIM-DB-004",
    slug: "password-authentication-failed",
    title: "Password authentication failed",
    symptom: 'password authentication failed for user "..."',
    cause: "PostgreSQL credentials are incorrect, or SSL mode is not set where the server requires it.",
    fix: "Verify POSTGRES_PASSWORD: from the environment it is passed as is; in a .env file quote it ('...') when it holds # or spaces. For Azure PostgreSQL set POSTGRES_SSL_MODE=require.",
    commands: ["aim doctor"],
  }),
  sslRequired: entry({
    code: "AIM-DB-005",
    slug: "ssl-required",
    title: "Server requires SSL or has no pg_hba entry",
    symptom: 'no pg_hba.conf entry for host "...", SSL off / The server does not support SSL connections',
    cause:
      "The server's pg_hba.conf does not allow this connection with the SSL mode used, or the server offers no SSL where it is needed (in production sslmode=prefer never falls back to plaintext).",
    fix: "Set POSTGRES_SSL_MODE=require when the server requires SSL; a server without SSL would receive the password in plaintext: enable SSL on it, or set POSTGRES_SSL_MODE=disable only on a network you trust; otherwise ask the DBA to add a pg_hba entry.",
    commands: ["aim doctor"],
  }),
  sslCertificate: entry({
    code: "AIM-DB-006",
    slug: "ssl-certificate",
    title: "Server certificate not trusted",
    symptom: "self-signed certificate in certificate chain / Hostname/IP does not match certificate's altnames",
    cause: "With verify-ca or verify-full the server's certificate must chain to POSTGRES_SSL_ROOT_CERT (and, for verify-full, name the host).",
    fix: "Point POSTGRES_SSL_ROOT_CERT at the right CA file, or set it to system for a server whose certificate comes from a public CA (Azure), and connect by the name on the certificate.",
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
  publicSchemaMissing: entry({
    code: "AIM-DB-020",
    slug: "schema-public-missing",
    title: "The database has no schema public",
    symptom: "001_initial_schema.sql:7:1: no schema has been selected to create in (SQLSTATE 3F000)",
    cause:
      "The AIM migrations, like the backend, create every table in schema public, and the files run with it as their search path. This database has none (DROP SCHEMA public, or a template without it), so the first CREATE has nowhere to go. The files are not at fault, and nothing was applied.",
    fix: "Create it as the role that migrates: CREATE SCHEMA IF NOT EXISTS public AUTHORIZATION CURRENT_USER; then run aim migrate again.",
    commands: ["aim migrate", "aim doctor"],
  }),
  serverTooOld: entry({
    code: "AIM-DB-009",
    slug: "server-too-old",
    title: "PostgreSQL older than 15",
    symptom: "aim migrate refuses before the first statement (and aim doctor reports) a server version below 15",
    cause: "The migrations use features of PostgreSQL 15 (CREATE OR REPLACE TRIGGER, gen_random_uuid without extensions).",
    fix: "Upgrade the server to PostgreSQL 15 or newer.",
    commands: ["aim doctor"],
  }),
  scratchUnavailable: entry({
    code: "AIM-DB-019",
    slug: "scratch-server-unavailable",
    title: "The scratch server cannot be used",
    symptom:
      "aim drift, aim baseline or aim migrate --prove-idempotent: the scratch server ... cannot be used: connect ECONNREFUSED / permission denied to create database",
    cause:
      "These commands replay the files on a database they create and drop on the server AIM_SCRATCH_DATABASE_URL names. That server could not be reached, or its role may not create a database (it needs CREATEDB). The configured database was not touched.",
    fix: "Correct AIM_SCRATCH_DATABASE_URL: a reachable server, never the production cluster, as a role with CREATEDB (ALTER ROLE … CREATEDB); or unset it to replay on the embedded in-memory database.",
    commands: ["aim drift", "aim migrate --prove-idempotent"],
  }),
  ledgerUnsafe: entry({
    code: "AIM-DB-018",
    slug: "ledger-unsafe",
    title: "A ledger table has a trigger, rule or policy, or another owner",
    symptom:
      "aim migrate, adopt, repair or baseline refuses before writing: a trigger, rule or policy on a ledger table, or aim_migrations owned by another role",
    cause:
      "aim writes its rows into aim_migrations.schema_migrations and the backend's public.schema_migrations as the role it runs as, usually the owner or a superuser. A trigger, rule or row security policy on those tables, or an aim_migrations schema a lower role created beforehand, would run that role's code with aim's privileges. Neither the backend nor aim ever creates one.",
    fix: "Inspect and drop what the message names (DROP TRIGGER … ON …; DROP RULE …; DROP POLICY …; or, for a schema another role created, check it and ALTER SCHEMA aim_migrations OWNER TO the migrating role), then run the command again.",
    commands: ["aim migrate", "aim doctor"],
  }),
  connectionLost: entry({
    code: "AIM-DB-010",
    slug: "connection-lost",
    title: "Connection to the database lost",
    symptom: "Connection terminated unexpectedly / terminating connection due to administrator command / the database system is starting up",
    cause: "The server restarted, failed over or is shutting down; open sessions were closed.",
    fix: "Wait for the server to come back and run again: every migration is atomic, so nothing half-done was recorded.",
    commands: ["aim status", "aim migrate"],
  }),
  sessionTimeout: entry({
    code: "AIM-DB-021",
    slug: "session-timeout",
    title: "A session timeout of the database ended aim's connection",
    symptom: "terminating connection due to idle-session timeout / idle-in-transaction timeout (SQLSTATE 57P05, 25P03)",
    cause:
      "The database or the role sets idle_session_timeout or idle_in_transaction_session_timeout shorter than a pause of aim's session (between a file and its ledger row, or while a fleet waits its turn), so the server closed it. Running again meets the same setting; every migration is atomic, so nothing half-done was recorded.",
    fix: "Lift the timeout for the role that migrates (ALTER ROLE … SET idle_session_timeout = 0; the same for idle_in_transaction_session_timeout), or raise it above aim's pauses; then run the command again. SHOW idle_session_timeout shows what a session gets.",
    commands: ["aim doctor", "aim migrate"],
  }),
  readOnly: entry({
    code: "AIM-DB-011",
    slug: "read-only-database",
    title: "The database accepts no writes",
    symptom: "cannot execute CREATE … in a read-only transaction (SQLSTATE 25006)",
    cause:
      "The session is read-only: default_transaction_read_only is on for the database or the role, or the host is a standby (a read replica) rather than the primary. Nothing was changed.",
    fix: "Point POSTGRES_HOST (or DATABASE_URL) at the primary; if the setting is deliberate, lift it for the migration role only: ALTER ROLE <user> IN DATABASE <db> SET default_transaction_read_only = off.",
    commands: ["psql -c 'SELECT pg_is_in_recovery(), current_setting($$default_transaction_read_only$$)'", "aim doctor"],
  }),
  statementTimeout: entry({
    code: "AIM-DB-012",
    slug: "statement-timeout",
    title: "A statement_timeout stopped the migration",
    symptom: "canceling statement due to statement timeout (SQLSTATE 57014)",
    cause:
      "A statement_timeout set on the server, the database or the role (meant for application queries) ended a migration statement; its file was rolled back and the ledger was not changed.",
    fix: "Give the migration role room: ALTER ROLE <user> IN DATABASE <db> SET statement_timeout = 0 (or a bound long enough for the longest migration), then run aim migrate again.",
    commands: ["psql -c 'SHOW statement_timeout'", "aim migrate"],
  }),
  cancelled: entry({
    code: "AIM-DB-013",
    slug: "statement-cancelled",
    title: "A migration statement was cancelled",
    symptom: "canceling statement due to user request (SQLSTATE 57014)",
    cause: "Someone cancelled aim's statement (pg_cancel_backend, a DBA tool). Its file was rolled back with its ledger row; aim did not run it again.",
    fix: "Find out who cancelled it and why (it may have been blocking traffic), then run aim migrate again when it may run.",
    commands: ["aim status", "aim migrate"],
  }),
  notAcceptingConnections: entry({
    code: "AIM-DB-014",
    slug: "database-not-accepting-connections",
    title: "The database does not accept connections",
    symptom: 'database "…" is not currently accepting connections (SQLSTATE 55000)',
    cause: "The database was closed to connections (ALTER DATABASE … ALLOW_CONNECTIONS false), for maintenance or as a template.",
    fix: "Reopen it when the maintenance is over (ALTER DATABASE <db> ALLOW_CONNECTIONS true) or point aim at the right database.",
    commands: ["psql -c 'SELECT datname, datallowconn FROM pg_database'", "aim doctor"],
  }),
  cannotLogIn: entry({
    code: "AIM-DB-015",
    slug: "role-cannot-log-in",
    title: "The role may not log in",
    symptom: 'role "…" is not permitted to log in (SQLSTATE 28000)',
    cause: "POSTGRES_USER names a role without the LOGIN attribute (a group role, or one disabled on purpose).",
    fix: "Use a role that can log in, or give this one the right: ALTER ROLE <user> LOGIN.",
    commands: ["psql -c '\\du'", "aim doctor"],
  }),
  tooManyConnections: entry({
    code: "AIM-DB-016",
    slug: "too-many-connections",
    title: "No connection slot left",
    symptom: "sorry, too many clients already / too many connections for role … (SQLSTATE 53300)",
    cause:
      "The server's max_connections, or the role's or database's CONNECTION LIMIT, is used up (by the application, other replicas, or aim migrate --databases running many at once).",
    fix: "Lower --concurrency for a fleet run, wait for connections to free, or raise the limit (ALTER ROLE <user> CONNECTION LIMIT …, max_connections); a pooler in front of the application frees slots.",
    commands: ["psql -c 'SELECT count(*) FROM pg_stat_activity'", "aim migrate --databases fleet.txt --concurrency 2"],
  }),
  embeddedDataDir: entry({
    code: "AIM-DB-017",
    slug: "embedded-data-directory",
    title: "The embedded database's directory cannot be used",
    symptom: "the embedded database cannot use …/.aim/pglite: … is a file, not a directory / not writable / PGlite could not open the data in it",
    cause:
      "With no server configured, aim keeps PGlite's files in .aim/pglite (or AIM_DATA_DIR): a file is in the way, this user may not write there, the file system is read-only, or the files there are not a PGlite database (damaged, or from another program).",
    fix: "Remove or rename what is in the way, or set AIM_DATA_DIR to a writable directory; damaged data: restore .aim from a backup, or move it aside and run again to build a new embedded database.",
    commands: ["ls -la .aim", "AIM_DATA_DIR=/var/lib/aim aim migrate"],
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
    fix: "Fix the statement that failed (the message names the file, and its line and column where the server gave a position), in a new migration if the file is already applied elsewhere, then run `aim migrate` again.",
    commands: ["aim migrate --dry-run", "aim status"],
  }),
  adminNotCreated: entry({
    code: "AIM-SEED-001",
    slug: "admin-not-created",
    title: "No active admin",
    symptom: "aim verify fails: An active admin exists: no user has role admin and status active",
    cause:
      "No user can administer AIM: 013 never ran (it needs 001's organizations), or every admin was deleted, disabled or moved to an inactive organization. 013 creates the default admin only on a database without any active admin, and aim never re-runs it on a database it adopted.",
    fix: "On a new database run `aim migrate` (001 creates organizations, 013 the default admin; change its password at once). On a database with users, make one of them admin (UPDATE users SET role = 'admin', status = 'active' WHERE email = '…') rather than bringing back the default admin with its published password.",
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
  rowsRefusedByContract: entry({
    code: "AIM-SEED-003",
    slug: "rows-refused-by-backend-schema",
    title: "Rows the backend's own schema refuses",
    symptom: "022_converge_to_backend_schema.sql fails: rows of TABLE do not fit the backend's CONSTRAINT (...): ids (SQLSTATE AIM02)",
    cause:
      "Converging a database built before (by aim 0.1.0/0.2.0 or an older backend) to the backend's own schema needs a check, key or NOT NULL these rows break: audit rows of deleted users that aim 0.x kept without a user, a trust score between 1 and 10, a fourth tag. The file's transaction was rolled back; aim never changes or deletes an operator's rows itself.",
    fix: "Look at the rows the message names (up to five ids), correct or delete them (export them first if you need them), then run `aim migrate` again.",
    commands: ["aim migrate", "aim status"],
  }),
  checksumChanged: entry({
    code: "AIM-MIG-001",
    slug: "checksum-changed",
    title: "Applied migration was changed",
    symptom: "NNN_name.sql changed after it was applied (checksum ..., applied ...)",
    cause: "An applied migration file was edited; the database does not have the edit.",
    fix: "Restore the file from version control and put the change in a new migration (aim new); after a reviewed edit that must stand, `aim repair VERSION --yes`.",
    commands: ["git diff migrations/", 'aim new "describe change"', "aim repair VERSION --yes"],
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
    cause:
      "Two branches added migrations with overlapping numbers and the later-numbered one was deployed first; or the file was applied and its ledger row was deleted since (by hand, or a partial restore).",
    fix: "A new file: renumber it after the newest applied migration (aim new gives the next number). A deleted row: aim baseline NNN records the file without running it, after checking every object the files up to NNN create is in the database.",
    commands: ["aim status", 'aim new "..."', "aim baseline 5"],
  }),
  sourceInvalid: entry({
    code: "AIM-MIG-004",
    slug: "migration-files-invalid",
    title: "Migration files are not valid",
    symptom: "a file name, number, encoding or content is rejected",
    cause:
      "The migrations directory has a badly named, duplicate-numbered or too-large-numbered file, one that is empty or only comments, not UTF-8 text (a NUL byte), not a regular file, has an -- aim: directive that is misspelt or where it does nothing, or ends the transaction aim runs it in (`*.down.sql` files are ignored; gaps in the numbers are allowed). Nothing was run.",
    fix: "Fix each file named as its line says: NNN_description.sql (or NNN_description.up.sql) numbered up to 2147483647, one file per number, UTF-8 text with at least one statement, -- aim:no-transaction only on the first line.",
    commands: ["aim lint", "aim status"],
  }),
  directoryMissing: entry({
    code: "AIM-MIG-005",
    slug: "migrations-directory-missing",
    title: "Migrations directory not found",
    symptom: "migrations directory ... does not exist (or is a file)",
    cause: "aim looks for migrations/ in the working directory unless --migrations-dir says otherwise; the path given is missing or names a file.",
    fix: "Run from the project root, or pass --migrations-dir with the directory of the NNN_description.sql files (create it with mkdir before aim new).",
    commands: ["aim migrate --migrations-dir PATH"],
  }),
  notAdopted: entry({
    code: "AIM-MIG-006",
    slug: "not-adopted",
    title: "Database migrated by the deployed backend, not adopted",
    symptom: "this database was migrated by the deployed AIM backend (... rows in public.schema_migrations) but not adopted",
    cause:
      "The deployed Go backend recorded its migrations in public.schema_migrations and built its own schema; aim's ledger is empty, so aim does not yet know what converging it changes.",
    fix: "Run `aim adopt --dry-run` to see what each file would change (nothing is kept), then `aim adopt`: it runs aim's idempotent files under the lock, converging the database without touching its rows, and records them; then `aim migrate` applies only what is new.",
    commands: ["aim adopt --dry-run", "aim adopt", "aim status"],
  }),
  foreignDatabase: entry({
    code: "AIM-MIG-009",
    slug: "foreign-database",
    title: "Another application's database",
    symptom: "public.schema_migrations is not the AIM backend's ledger (version bigint, dirty boolean, ...)",
    cause:
      "The database has a public.schema_migrations table of another migration tool (golang-migrate, dbmate, Rails ...) rather than the AIM backend runner's (a text version holding file names such as 001_initial_schema.sql). aim would create the AIM tables, the admin and the policies in it, and write the runner's rows into that table.",
    fix: "Point DATABASE_URL (or POSTGRES_DB) at the AIM database, or create a new database for AIM (CREATE DATABASE identity;); nothing was changed.",
    commands: ["aim doctor", "aim status"],
  }),
  ledgerAdminRefused: entry({
    code: "AIM-ADM-001",
    slug: "ledger-operation-refused",
    title: "Adopt, repair or baseline refused",
    symptom: "aim adopt / repair / baseline: refused: ...",
    cause: "The ledger operation would record something the database or the files do not support; nothing was changed.",
    fix: "Read the reason: adopt needs the deployed backend's public.schema_migrations; repair needs an applied version whose file changed (and --yes); baseline needs an empty ledger, or ledger rows deleted below the newest applied migration, and every object the versions it records create.",
    commands: ["aim status", "aim verify"],
  }),
  replayFailed: entry({
    code: "AIM-MIG-010",
    slug: "scratch-replay-failed",
    title: "A file does not run on a database the files alone built",
    symptom: "aim migrate --prove-idempotent: FILE failed on its first run in the scratch database, before any second run: role … does not exist",
    cause:
      "The proof runs every file in order on an empty scratch database, then runs each again. This file failed on its first run, so there was nothing to compare: it needs something no earlier file creates (a role, an extension, a tablespace, a setting the production cluster has), or it fails on its own. It is not an idempotency finding.",
    fix: "Create what it needs in an earlier migration file (guarded: IF NOT EXISTS), or name a scratch server that has it (AIM_SCRATCH_DATABASE_URL, never the production cluster); if the file fails on its own, fix the statement the message names (aim lint FILE).",
    commands: ["aim migrate --prove-idempotent", "aim lint"],
  }),
  otherShape: entry({
    code: "AIM-MIG-011",
    slug: "object-of-another-shape",
    title: "An object aim's files create exists in another shape",
    symptom: '✖ 005_agents.sql:LINE:COL: column "organization_id" does not exist (SQLSTATE 42703)',
    cause:
      "The file is one of aim's own, unchanged, and runs on every database the guide supports. Its CREATE … IF NOT EXISTS found a table (or type, function, view) of the same name already there, made by hand or by another tool, and kept it; the next statement expects the shape the files create and fails. The file is not at fault; its transaction was rolled back and the ledger was not changed.",
    fix: "See how the object differs from what the files create (`\\d+ TABLE` in psql, or `aim drift` once the files have run elsewhere). Move the hand-made object out of the way (ALTER TABLE … RENAME TO …, after saving its rows) and run `aim migrate` again; if the AIM backend built this database, run `aim adopt` instead. Do not edit aim's file.",
    commands: ["aim migrate --dry-run", "aim adopt --dry-run", "aim status"],
  }),
  directoryUnwritable: entry({
    code: "AIM-MIG-012",
    slug: "migrations-directory-unwritable",
    title: "aim new cannot write in the migrations directory",
    symptom: "/app/migrations cannot take 026_add_thing.sql (EROFS): it is on a read-only file system",
    cause:
      "aim new writes the next-numbered file into the migrations directory. The file system refused: the directory is read-only (an image's or a mounted volume's), not this user's, immutable, or the disk is full.",
    fix: "Run aim new where the migrations are authored (the repository's checkout, which the image is built from), or pass --migrations-dir; nothing was written.",
    commands: ["aim new DESCRIPTION --migrations-dir DIR"],
  }),
  rollbackLoss: entry({
    code: "AIM-RBK-001",
    slug: "rollback-would-lose-data",
    title: "A rollback would remove data nobody named",
    symptom: "rolling back to 025 would remove 2 rows of own_notes, 1 row of organizations.nickname (values); nothing was changed",
    cause:
      "aim rollback --to N makes the database what files 1..N build: a table a later file created goes with its rows, a column with its values, a column a later file widened goes back to the narrower type. aim never removes data it was not told to: the plan counts what each step would remove, and a step with any is refused until the operator names it.",
    fix: "Check that the data may go (aim rollback --to N --dry-run lists each object and its rows), then name each object: --accept-loss TABLE or --accept-loss TABLE.COLUMN; add --save-data DIR to keep a copy first (JSON lines, readable by you only: they hold whatever the rows held, password hashes and tokens included).",
    commands: ["aim rollback --to N --dry-run", "aim rollback --to N --accept-loss own_notes --save-data ./rollback-data"],
  }),
  rollbackTarget: entry({
    code: "AIM-RBK-002",
    slug: "rollback-target",
    title: "The files up to the rollback's version are not the ones that ran",
    symptom: "the files up to 020 are not the ones that ran (012_x.sql: changed since it was applied)",
    cause:
      "A rollback to N makes the database what files 1..N build, replayed from the migrations directory. A file up to N is missing there or differs from the text the ledger recorded, so what they build is not what this database had.",
    fix: "Put back the files as they were applied (git checkout of the release that applied them; aim status names each), then run aim rollback again; nothing was changed.",
    commands: ["aim status", "aim rollback --to N --dry-run"],
  }),
  rollbackBackend: entry({
    code: "AIM-RBK-003",
    slug: "rollback-below-backend-release",
    title: "A rollback below the AIM backend release the database serves",
    symptom: "after rolling back to 015 this database no longer serves the AIM backend's current release",
    cause:
      "aim's files 016-020 give the database what the AIM backend's current release needs, and aim records the backend's own files in public.schema_migrations for them. Rolling them back removes those rows with their objects, and a backend of that release would run its own files at its next start.",
    fix: "Roll the backend back to a release the remaining files serve first (or stop it), then accept it by name: aim rollback --to N --accept-loss backend-release.",
    commands: ["aim status", "aim rollback --to N --dry-run"],
  }),
  rollbackSave: entry({
    code: "AIM-RBK-004",
    slug: "rollback-save-data",
    title: "The data a rollback would remove cannot be saved",
    symptom: "--save-data cannot write ./rollback-data/own_notes.jsonl (EEXIST: it holds an earlier save, which aim never overwrites)",
    cause:
      "aim rollback --save-data DIR writes the rows each accepted step removes, one file per object, before anything changes. The directory cannot be created or written by this user, or a file of an earlier save is there (aim never overwrites one).",
    fix: "Name an empty directory this user may write (it is created with mode 0700, each file 0600); nothing was changed.",
    commands: ["aim rollback --to N --accept-loss OBJECT --save-data DIR"],
  }),
  rollbackChanged: entry({
    code: "AIM-RBK-005",
    slug: "rollback-plan-changed",
    title: "The rollback's plan changed since it was approved",
    symptom: "the rollback's plan changed since 3f2a… was approved (now 9c1d…); nothing was changed",
    cause:
      "An approved rollback (MCP's apply_rollback with the planId of plan_rollback) runs only while its plan is the one approved. Under the migration lock the plan is made again; a migration ran since, a file changed, or rows came into or left what the rollback removes, so the plan is another one.",
    fix: "Plan again (plan_rollback, or aim rollback --to N --dry-run), review what changed, and approve the new planId; nothing was changed.",
    commands: ["aim rollback --to N --dry-run"],
  }),
  workloadHidden: entry({
    code: "AIM-PLAN-001",
    slug: "workload-hidden",
    title: "The application's queries cannot be read",
    symptom: "pg_stat_statements hides the query text of other roles from this role",
    cause:
      "aim plan checks the queries the application ran (pg_stat_statements) against the pending files. pg_stat_statements shows another role's query text only to a superuser, a member of pg_read_all_stats or that role itself; the migrating role is none of them, so the application's queries read as <insufficient privilege>.",
    fix: "GRANT pg_read_all_stats TO the migrating role (it reads statistics, it writes nothing), or run aim plan as the application's role; --workload FILE checks a file of the application's statements instead.",
    commands: ["aim plan --workload-role ROLE", "aim plan --workload FILE"],
  }),
  workloadFile: entry({
    code: "AIM-PLAN-002",
    slug: "workload-file-unreadable",
    title: "The workload file cannot be read",
    symptom: "the workload file FILE cannot be read (ENOENT)",
    cause: "aim plan --workload FILE reads the application's statements from FILE, which is not there or not readable.",
    fix: "Give the path of a file of the application's statements (separated by ; or one per line) or of a pg_stat_statements CSV export (\\copy (SELECT query, calls FROM pg_stat_statements) TO 'workload.csv' CSV HEADER).",
    commands: ["aim plan --workload FILE"],
  }),
  notIdempotent: entry({
    code: "AIM-MIG-007",
    slug: "not-idempotent",
    title: "A migration is not idempotent",
    symptom: "aim migrate --prove-idempotent: FILE changed OBJECT on its second run",
    cause: "Running the file a second time failed or changed the catalog (an unguarded CREATE, an INSERT without ON CONFLICT, ...).",
    fix: "Guard the statement named (IF NOT EXISTS, OR REPLACE, ON CONFLICT DO NOTHING); aim lint points at the line.",
    commands: ["aim lint", "aim migrate --prove-idempotent"],
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
  deadlock: entry({
    code: "AIM-LOCK-003",
    slug: "deadlock",
    title: "Deadlock with application traffic",
    symptom: "deadlock detected (SQLSTATE 40P01)",
    cause:
      "A migration statement and an application transaction each waited for a lock the other held; the server ended the migration's. Its file was rolled back with its ledger row; it is transient.",
    fix: "Run aim migrate again (at a quieter time if it recurs); a file that locks several tables should lock them in the order the application does.",
    commands: ["aim migrate", "aim plan"],
  }),
  unexpectedTables: entry({
    code: "AIM-VER-001",
    slug: "unexpected-tables",
    title: "Unexpected tables in public",
    symptom: "aim verify warns: also present: ...",
    cause:
      "public holds tables that neither the guide nor the AIM backend's current release has: hand-made tables, another tool's, leftovers, or a newer backend release's.",
    fix: "Review them. A newer backend release's tables are its own: leave them while it uses them. Move tooling tables out of public; drop leftovers only after a backup.",
    commands: ["aim verify", "aim adopt"],
  }),
  notBackendSchema: entry({
    code: "AIM-VER-007",
    slug: "not-the-backends-schema",
    title: "Not the backend's own schema",
    symptom: "aim verify fails: The backend's own schema: N differences (columns: …, constraints: …, indexes: …, triggers: …)",
    cause:
      "The database differs from what the AIM backend's current release builds for itself (its columns, constraints with their ON DELETE actions, indexes, triggers), so the backend behaves differently on it: a write its own database refuses is accepted or the reverse, a delete cascades or not, a query scans a table. Usually a file of this aim release is still pending (022-025 converge a database built before), or someone changed the schema by hand.",
    fix: "Run `aim migrate`: 022-025 converge every difference (where rows block a constraint, AIM-SEED-003 names them). A hand change: `aim drift --sql` prints the statements that undo it.",
    commands: ["aim migrate", "aim drift --sql", "aim verify"],
  }),
  backendWouldRun: entry({
    code: "AIM-VER-005",
    slug: "backend-would-run-migrations",
    title: "The AIM backend would run its own migrations",
    symptom: "aim verify fails: The AIM backend can start: not recorded in public.schema_migrations: ...",
    cause:
      "The AIM backend runs its own migration runner at every start: every file of its release whose name is not in public.schema_migrations runs over the schema aim built, and it exits on the first error (the backend then never starts). 034_reset_admin_password.sql and 038_fix_admin_password_again.sql set the admin password back to the published default.",
    fix: "Run `aim migrate`: it records every backend file that aim's applied files provide, in the same transaction as aim's ledger (adopt and baseline do the same). Never insert the names by hand for files aim has not applied.",
    commands: ["aim migrate", "aim status", "aim verify"],
  }),
  backendNewerRelease: entry({
    code: "AIM-VER-006",
    slug: "backend-newer-release",
    title: "A newer AIM backend release migrated this database",
    symptom: "aim verify warns: The AIM backend can start: recorded by a backend release aim does not know: ...",
    cause:
      "public.schema_migrations holds files of a backend release newer than the one this aim knows: that backend ran them itself, so the schema has objects aim's files do not describe (aim drift names them).",
    fix: "Upgrade aim to the release that supports this backend; until then aim leaves those objects alone. Review them with `aim drift`; keep aim's files in step with a reviewed migration (aim new) if you stay on this aim release.",
    commands: ["aim drift", "aim verify", "aim --version"],
  }),
  defaultPassword: entry({
    code: "AIM-VER-002",
    slug: "default-admin-password",
    title: "Default admin password still in use",
    symptom: "aim verify warns (with NODE_ENV=production: fails) that the default admin password from the guide still works",
    cause:
      "The admin created by migration 013 has not changed its published password; the guide says it MUST be changed on first login. In production aim verify fails on it and /health/ready carries it as an advisory, yet the replica keeps serving so that the admin can log in and change it.",
    fix: "Log in at /auth/login as admin@opena2a.org and change the password: the failure clears on the next verification (there is no acknowledging it while the published password works). If another active admin exists, you may instead disable the default one (UPDATE users SET status = 'inactive' WHERE email = 'admin@opena2a.org').",
    commands: ["aim verify"],
  }),
  migrationsPending: entry({
    code: "AIM-VER-003",
    slug: "migrations-pending",
    title: "Migrations pending",
    symptom: "aim verify / health: N pending",
    cause: "Migration files exist that the database has not applied.",
    fix: "Run `aim migrate` (or restart the backend, which migrates on boot).",
    commands: ["aim migrate", "aim status"],
  }),
  emailNotConfigured: entry({
    code: "AIM-MAIL-001",
    slug: "email-not-configured",
    title: "Email notifications not configured",
    symptom: "welcome and approval emails are never sent",
    cause: "SMTP credentials or FRONTEND_URL are missing, so the backend cannot send or link its emails.",
    fix: "Set SMTP_HOST, SMTP_PORT, SMTP_USERNAME, SMTP_PASSWORD, FRONTEND_URL and SUPPORT_EMAIL; check with `aim doctor --send-test-email you@example.com`; check the spam folder.",
    commands: ["aim doctor --send-test-email ADDRESS"],
  }),
  smtpUnreachable: entry({
    code: "AIM-MAIL-002",
    slug: "smtp-unreachable",
    title: "SMTP server unreachable",
    symptom: "connect ECONNREFUSED / ETIMEDOUT to SMTP_HOST:SMTP_PORT",
    cause: "The SMTP host or port is wrong, or outbound SMTP is blocked (many clouds block port 25).",
    fix: "Check SMTP_HOST and SMTP_PORT (587 STARTTLS, 465 implicit TLS) and outbound firewall rules.",
    commands: ["aim doctor"],
  }),
  smtpAuth: entry({
    code: "AIM-MAIL-003",
    slug: "smtp-authentication-failed",
    title: "SMTP authentication failed",
    symptom: "535 Authentication failed / Invalid login",
    cause: "SMTP_USERNAME or SMTP_PASSWORD is wrong (Gmail needs an app password).",
    fix: "Correct SMTP_USERNAME and SMTP_PASSWORD; for Gmail create an app password.",
    commands: ["aim doctor"],
  }),
  smtpTls: entry({
    code: "AIM-MAIL-004",
    slug: "smtp-tls",
    title: "SMTP TLS failed",
    symptom: "STARTTLS not offered / certificate errors / wrong version number",
    cause: "The port and TLS mode disagree (465 is implicit TLS, 587 is STARTTLS) or the server certificate is not trusted.",
    fix: "Use 587 with STARTTLS or 465 with implicit TLS; for a private CA set SMTP_TLS_CA_FILE.",
    commands: ["aim doctor"],
  }),
  redisUnavailable: entry({
    code: "AIM-REDIS-001",
    slug: "redis-unavailable",
    title: "Redis unavailable (optional)",
    symptom: "Redis unavailable (optional): running with the in-memory cache",
    cause: "REDIS_HOST/REDIS_PORT do not answer; the backend keeps working without the shared cache.",
    fix: "Start Redis or correct REDIS_HOST/REDIS_PORT, or unset them to run without Redis on purpose.",
    commands: ["aim doctor"],
  }),
  redisAuth: entry({
    code: "AIM-REDIS-002",
    slug: "redis-authentication-failed",
    title: "Redis authentication failed",
    symptom: "WRONGPASS / NOAUTH Authentication required",
    cause: "REDIS_PASSWORD is wrong or missing.",
    fix: "Set REDIS_PASSWORD to the access key (Azure: Access keys → Primary).",
    commands: ["aim doctor"],
  }),
  redisTls: entry({
    code: "AIM-REDIS-003",
    slug: "redis-tls",
    title: "Redis TLS does not match the server",
    symptom: "connection closed or reset right after connecting to port 6380, or no TLS handshake from a plain Redis",
    cause:
      "Azure Cache for Redis on port 6380 accepts TLS only, so a plain connection is dropped; the other way round, a TLS client (REDIS_TLS=true, port 6380, rediss://) gets no handshake from a plain Redis.",
    fix: "Match the server: for Azure use port 6380 (TLS is then on), REDIS_TLS=true or a rediss:// REDIS_URL; for a plain Redis set REDIS_TLS=false (or use its plain port).",
    commands: ["aim doctor"],
  }),
  mcpRefused: entry({
    code: "AIM-MCP-001",
    slug: "mcp-refused",
    title: "MCP request refused by a safeguard",
    symptom: "apply_migration / apply_migrations answered refused: ...",
    cause: "An agent asked to run SQL that is not an unchanged migration file, out of order, or without confirm: true.",
    fix: "Call plan_migrations, then apply_migrations with confirm: true; put new SQL in a new migration file (aim new) first.",
    commands: ["aim mcp", 'aim new "..."'],
  }),
  planNotApproved: entry({
    code: "AIM-MCP-003",
    slug: "mcp-plan-not-approved",
    title: "A migration file changed after its plan was approved",
    symptom: "apply_migrations refused: FILE is not the content the plan approved",
    cause: "A pending file was edited (or replaced) between plan_migrations and the apply: checked under the migration lock, right before it would run.",
    fix: "Call plan_migrations again, review the new plan, and apply with its planId; nothing was applied.",
    commands: ["aim plan"],
  }),
  mcpArguments: entry({
    code: "AIM-MCP-004",
    slug: "mcp-invalid-arguments",
    title: "An MCP tool's arguments are not what it takes",
    symptom: "a tool answered: [AIM-MCP-004] refused: upTo must be ... (got 21.5)",
    cause:
      "An argument has the wrong type or is out of range: a version that is not a whole number from 1 to 2147483647 (the ledger's integer), confirm that is not true or false, a name that is not text. Nothing ran.",
    fix: "Call again with the argument as the tool's inputSchema (tools/list) describes it; the answer names the argument and what it takes.",
    commands: ["aim mcp"],
  }),
  unknownCode: entry({
    code: "AIM-MCP-002",
    slug: "unknown-troubleshooting-code",
    title: "Unknown troubleshooting code",
    symptom: "explain_error / aim explain: unknown code",
    cause: "The code is not in the catalog (typo, or from a newer version).",
    fix: "Use a code aim printed, or pass the error message itself to be diagnosed.",
    commands: ["aim explain MESSAGE"],
  }),
  usageInvalid: entry({
    code: "AIM-CLI-001",
    slug: "usage-invalid",
    title: "Command line not understood",
    symptom: "aim: unknown command or option, a missing argument, or a value out of range (exit code 2)",
    cause:
      "The arguments do not match any command and its options: a typo, an option of another command, or a value aim refuses (a lock timeout of 0 would turn the timeout off).",
    fix: "Correct the arguments as the message says; `aim --help` lists the commands and `aim COMMAND --help` their options.",
    commands: ["aim --help", "aim migrate --help"],
  }),
  outputUnwritable: entry({
    code: "AIM-CLI-002",
    slug: "output-unwritable",
    title: "The output could not be written",
    symptom: "aim: stdout could not be written (ENOSPC, EIO, EBADF, a closed stream); exit code 1",
    cause:
      "Where aim's standard output goes cannot take it: the disk or file system is full (ENOSPC), the device failed (EIO), or the stream was closed. What the command did is done (a migration that ran stays applied); only its report is lost.",
    fix: "Free space or send the output elsewhere (aim COMMAND > another-file, or --json to a pipe that reads it), then run aim status to see the database's state. A reader that stops early (aim status | head) is not an error: aim exits 0 then.",
    commands: ["aim status"],
  }),
  workingDirectoryGone: entry({
    code: "AIM-CLI-003",
    slug: "working-directory-gone",
    title: "The working directory no longer exists",
    symptom: "aim refuses before anything runs: the directory it was started in was deleted or moved (exit code 2)",
    cause:
      "aim reads .env, the migrations directory and the embedded database's directory relative to where it runs; the directory the shell is in was removed (a checkout deleted and re-cloned, a temporary directory cleaned), so none of them can be found.",
    fix: 'cd to an existing directory (cd "$PWD" re-enters a directory re-created under the same name), then run the command again.',
    commands: [],
  }),
  checkFailed: entry({
    code: "AIM-MIG-008",
    slug: "check-failed",
    title: "A check before the migration found rows that break it",
    symptom: 'NNN_x.sql:3: check "no two users share an email" failed: 2 rows break it',
    cause:
      "The file declares -- aim:check with a query whose rows are violations (duplicates before a unique constraint, NULLs before NOT NULL); the database has such rows, so the file did not run.",
    fix: "Resolve the rows shown (merge, correct or delete them; they are your data, so aim never changes them), then run aim migrate again.",
    commands: ["aim plan", "aim migrate"],
  }),
  listenFailed: entry({
    code: "AIM-SRV-001",
    slug: "listen-failed",
    title: "The backend could not listen on its port",
    symptom: "listen EADDRINUSE / EACCES: the server exits after migrating",
    cause: "Another process holds PORT on HOST (often a previous replica still running), or the port is below 1024 without the right to bind it.",
    fix: "Stop the process that holds the port (ss -ltnp | grep :PORT shows it) or set PORT to a free port; the migrations already applied stay applied.",
    commands: ["ss -ltnp"],
  }),
  healthDetailLocked: entry({
    code: "AIM-SRV-002",
    slug: "health-detail-locked",
    title: "Health detail needs the health token",
    symptom: "GET /health/migrations answers 401; /health and /health/ready show status and codes only",
    cause:
      "The detail (database user, host and name, who ran each migration from which host, the lock holder, server messages) is served only to a request with Authorization: Bearer AIM_HEALTH_TOKEN.",
    fix: "Set AIM_HEALTH_TOKEN (at least 16 characters, e.g. openssl rand -hex 32) on the server and send it as Authorization: Bearer followed by the token; aim status shows the same from a shell.",
    commands: ["aim status", 'curl -H "Authorization: Bearer $AIM_HEALTH_TOKEN" http://127.0.0.1:8080/health/migrations'],
  }),
  interrupted: entry({
    code: "AIM-GEN-002",
    slug: "interrupted",
    title: "Stopped by a signal",
    symptom: "aim exits 130 after SIGTERM or SIGINT (an orchestrator stopping the pod, Ctrl-C)",
    cause:
      "The process was asked to stop. A transactional migration in progress was rolled back with its ledger row and the migration lock released; files applied before it stay applied. A -- aim:no-transaction file keeps the statements it had finished.",
    fix: "Run the command again: it applies what is still pending (aim status lists it).",
    commands: ["aim status", "aim migrate"],
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

export const catalogEntries: ReadonlyArray<CatalogEntry> = Object.values(catalog)

export const findEntry = (code: string): CatalogEntry | undefined => {
  const wanted = pasted(code).toLowerCase()
  return catalogEntries.find((e) => e.code.toLowerCase() === wanted || e.slug === wanted)
}

/**
 * Text as a person pastes it, made comparable: terminal colours removed, en and em dashes and the
 * Unicode minus as the hyphen they stand for (a word processor or a chat turns AIM-DB-004 into
 * AIM–DB–004), surrounding blanks and brackets dropped.
 */
export const pasted = (text: string): string =>
  text
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape character starts the colour codes being removed
    .replace(/\u001b\[[0-9;]*m/g, "")
    .replace(/[\u2010-\u2015\u2212]/g, "-")
    .trim()
    .replace(/^[[(]+|[\])]+$/g, "")
