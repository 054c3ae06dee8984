import { describe, expect, it } from "vitest"
import { type CatalogFacts, blocksReads, blocksWrites, lockModes, noFacts, statementLocks, strength } from "../src/plan/statementLocks.js"
import { firstStatement } from "./support.js"

// What the catalog of the lock test's schema (lockPlan.test.ts) says, as planLocks reads it.
const facts: CatalogFacts = {
  ...noFacts,
  indexTable: new Map([["orders_total_idx", "orders"]]),
  foreignKeyTarget: new Map([["orders.orders_account_fk", "accounts"]]),
  columnType: new Map([
    ["accounts.name", "character varying(50)"],
    ["accounts.code", "character varying"],
    ["orders.total", "integer"],
  ]),
  notNullChecked: new Set(["accounts.email"]),
  viewReads: new Map([["order_totals", ["events"]]]),
  references: [{ table: "orders", columns: ["account_id"], referenced: "accounts", referencedColumns: ["id"], onDelete: "a", onUpdate: "a" }],
  // A function of the schema whose body is not read here: a call of it stays opaque.
  functionBodies: new Map([["recount", []]]),
}

// One line per statement with every field of its analysis, so that each flag, each lock and each
// safer form is pinned (the modes themselves are checked against pg_locks in lockPlan.test.ts).
const analysed = async (statements: ReadonlyArray<string>): Promise<string> => {
  const lines: Array<string> = []
  for (const text of statements) {
    const a = statementLocks(await firstStatement(text), facts)
    const flags = (["rewrite", "scan", "opaque", "destructive", "outsideTransaction"] as const).filter((flag) => a[flag])
    lines.push(
      [text, `  ${a.kind}`, `  locks: ${a.locks.map((l) => `${l.relation} ${l.mode}`).join(", ") || "none"}`, `  flags: ${flags.join(" ") || "none"}`]
        .concat(a.saferForm === undefined ? [] : [`  safer: ${a.saferForm}`])
        .join("\n"),
    )
  }
  return `\n${lines.join("\n")}\n`
}

describe("statementLocks: every field of every form", () => {
  it("CREATE TABLE", async () => {
    expect(
      await analysed([
        "CREATE TABLE t (id int)",
        "CREATE TABLE t (id int, account_id int REFERENCES accounts (id), CHECK (id > 0))",
        "CREATE TABLE t (id int, a int, o int, FOREIGN KEY (a) REFERENCES accounts (id), CONSTRAINT o_fk FOREIGN KEY (o) REFERENCES orders (id))",
      ]),
    ).toMatchInlineSnapshot(`
      "
      CREATE TABLE t (id int)
        CREATE TABLE
        locks: none
        flags: none
      CREATE TABLE t (id int, account_id int REFERENCES accounts (id), CHECK (id > 0))
        CREATE TABLE
        locks: accounts ShareRowExclusiveLock
        flags: none
      CREATE TABLE t (id int, a int, o int, FOREIGN KEY (a) REFERENCES accounts (id), CONSTRAINT o_fk FOREIGN KEY (o) REFERENCES orders (id))
        CREATE TABLE
        locks: accounts ShareRowExclusiveLock, orders ShareRowExclusiveLock
        flags: none
      "
    `)
  })

  it("ALTER TABLE … ADD COLUMN: constant and volatile defaults, references", async () => {
    expect(
      await analysed([
        "ALTER TABLE accounts ADD COLUMN nickname text",
        "ALTER TABLE accounts ADD COLUMN tier int NOT NULL DEFAULT 1",
        "ALTER TABLE accounts ADD COLUMN created timestamptz DEFAULT now()",
        "ALTER TABLE events ADD COLUMN token float8 DEFAULT random()",
        "ALTER TABLE events ADD COLUMN uid uuid DEFAULT gen_random_uuid()",
        "ALTER TABLE events ADD COLUMN uid uuid DEFAULT public.uuid_generate_v4()",
        "ALTER TABLE events ADD COLUMN seq bigint DEFAULT nextval('s')",
        "ALTER TABLE events ADD COLUMN at timestamptz DEFAULT clock_timestamp()",
        "ALTER TABLE events ADD COLUMN at text DEFAULT lower(timeofday())",
        "ALTER TABLE events ADD COLUMN x int DEFAULT random_int()",
        "ALTER TABLE events ADD COLUMN account_id int REFERENCES accounts (id)",
      ]),
    ).toMatchInlineSnapshot(`
      "
      ALTER TABLE accounts ADD COLUMN nickname text
        ALTER TABLE … ADD COLUMN
        locks: accounts AccessExclusiveLock
        flags: none
      ALTER TABLE accounts ADD COLUMN tier int NOT NULL DEFAULT 1
        ALTER TABLE … ADD COLUMN
        locks: accounts AccessExclusiveLock
        flags: none
      ALTER TABLE accounts ADD COLUMN created timestamptz DEFAULT now()
        ALTER TABLE … ADD COLUMN
        locks: accounts AccessExclusiveLock
        flags: none
      ALTER TABLE events ADD COLUMN token float8 DEFAULT random()
        ALTER TABLE … ADD COLUMN
        locks: events AccessExclusiveLock
        flags: rewrite
        safer: add the column without a default, backfill it in batches, then SET DEFAULT for new rows
      ALTER TABLE events ADD COLUMN uid uuid DEFAULT gen_random_uuid()
        ALTER TABLE … ADD COLUMN
        locks: events AccessExclusiveLock
        flags: rewrite
        safer: add the column without a default, backfill it in batches, then SET DEFAULT for new rows
      ALTER TABLE events ADD COLUMN uid uuid DEFAULT public.uuid_generate_v4()
        ALTER TABLE … ADD COLUMN
        locks: events AccessExclusiveLock
        flags: rewrite
        safer: add the column without a default, backfill it in batches, then SET DEFAULT for new rows
      ALTER TABLE events ADD COLUMN seq bigint DEFAULT nextval('s')
        ALTER TABLE … ADD COLUMN
        locks: events AccessExclusiveLock, s RowExclusiveLock
        flags: rewrite
        safer: add the column without a default, backfill it in batches, then SET DEFAULT for new rows
      ALTER TABLE events ADD COLUMN at timestamptz DEFAULT clock_timestamp()
        ALTER TABLE … ADD COLUMN
        locks: events AccessExclusiveLock
        flags: rewrite
        safer: add the column without a default, backfill it in batches, then SET DEFAULT for new rows
      ALTER TABLE events ADD COLUMN at text DEFAULT lower(timeofday())
        ALTER TABLE … ADD COLUMN
        locks: events AccessExclusiveLock
        flags: rewrite
        safer: add the column without a default, backfill it in batches, then SET DEFAULT for new rows
      ALTER TABLE events ADD COLUMN x int DEFAULT random_int()
        ALTER TABLE … ADD COLUMN
        locks: events AccessExclusiveLock
        flags: none
      ALTER TABLE events ADD COLUMN account_id int REFERENCES accounts (id)
        ALTER TABLE … ADD COLUMN
        locks: events AccessExclusiveLock, accounts ShareRowExclusiveLock
        flags: none
      "
    `)
  })

  it("ALTER TABLE … ALTER COLUMN TYPE: binary-compatible changes do not rewrite", async () => {
    expect(
      await analysed([
        "ALTER TABLE accounts ALTER COLUMN name TYPE varchar(100)",
        "ALTER TABLE accounts ALTER COLUMN name TYPE varchar(50)",
        "ALTER TABLE accounts ALTER COLUMN name TYPE varchar(20)",
        "ALTER TABLE accounts ALTER COLUMN name TYPE text",
        "ALTER TABLE accounts ALTER COLUMN name TYPE varchar",
        "ALTER TABLE accounts ALTER COLUMN code TYPE varchar(10)",
        "ALTER TABLE accounts ALTER COLUMN code TYPE text",
        "ALTER TABLE accounts ALTER COLUMN unknown TYPE text",
        "ALTER TABLE orders ALTER COLUMN total TYPE bigint",
        "ALTER TABLE orders ALTER COLUMN total TYPE text",
        "ALTER TABLE other ALTER COLUMN name TYPE varchar(100)",
      ]),
    ).toMatchInlineSnapshot(`
      "
      ALTER TABLE accounts ALTER COLUMN name TYPE varchar(100)
        ALTER TABLE … ALTER COLUMN TYPE
        locks: accounts AccessExclusiveLock
        flags: none
      ALTER TABLE accounts ALTER COLUMN name TYPE varchar(50)
        ALTER TABLE … ALTER COLUMN TYPE
        locks: accounts AccessExclusiveLock
        flags: none
      ALTER TABLE accounts ALTER COLUMN name TYPE varchar(20)
        ALTER TABLE … ALTER COLUMN TYPE
        locks: accounts AccessExclusiveLock
        flags: rewrite
        safer: add a column of the new type, backfill it in batches, switch the application to it, then drop the old column
      ALTER TABLE accounts ALTER COLUMN name TYPE text
        ALTER TABLE … ALTER COLUMN TYPE
        locks: accounts AccessExclusiveLock
        flags: none
      ALTER TABLE accounts ALTER COLUMN name TYPE varchar
        ALTER TABLE … ALTER COLUMN TYPE
        locks: accounts AccessExclusiveLock
        flags: none
      ALTER TABLE accounts ALTER COLUMN code TYPE varchar(10)
        ALTER TABLE … ALTER COLUMN TYPE
        locks: accounts AccessExclusiveLock
        flags: rewrite
        safer: add a column of the new type, backfill it in batches, switch the application to it, then drop the old column
      ALTER TABLE accounts ALTER COLUMN code TYPE text
        ALTER TABLE … ALTER COLUMN TYPE
        locks: accounts AccessExclusiveLock
        flags: none
      ALTER TABLE accounts ALTER COLUMN unknown TYPE text
        ALTER TABLE … ALTER COLUMN TYPE
        locks: accounts AccessExclusiveLock
        flags: rewrite
        safer: add a column of the new type, backfill it in batches, switch the application to it, then drop the old column
      ALTER TABLE orders ALTER COLUMN total TYPE bigint
        ALTER TABLE … ALTER COLUMN TYPE
        locks: orders AccessExclusiveLock
        flags: rewrite
        safer: add a column of the new type, backfill it in batches, switch the application to it, then drop the old column
      ALTER TABLE orders ALTER COLUMN total TYPE text
        ALTER TABLE … ALTER COLUMN TYPE
        locks: orders AccessExclusiveLock
        flags: rewrite
        safer: add a column of the new type, backfill it in batches, switch the application to it, then drop the old column
      ALTER TABLE other ALTER COLUMN name TYPE varchar(100)
        ALTER TABLE … ALTER COLUMN TYPE
        locks: other AccessExclusiveLock
        flags: rewrite
        safer: add a column of the new type, backfill it in batches, switch the application to it, then drop the old column
      "
    `)
  })

  it("ALTER TABLE … NOT NULL, defaults, statistics and storage parameters", async () => {
    expect(
      await analysed([
        "ALTER TABLE accounts ALTER COLUMN email SET NOT NULL",
        "ALTER TABLE accounts ALTER COLUMN name SET NOT NULL",
        "ALTER TABLE orders ALTER COLUMN account_id DROP NOT NULL",
        "ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'open'",
        "ALTER TABLE orders ALTER COLUMN status DROP DEFAULT",
        "ALTER TABLE orders ALTER COLUMN total SET STATISTICS 200",
        "ALTER TABLE events SET (fillfactor = 70)",
        "ALTER TABLE events RESET (fillfactor)",
        "ALTER TABLE accounts DROP COLUMN note",
      ]),
    ).toMatchInlineSnapshot(`
      "
      ALTER TABLE accounts ALTER COLUMN email SET NOT NULL
        ALTER TABLE … SET NOT NULL
        locks: accounts AccessExclusiveLock
        flags: none
      ALTER TABLE accounts ALTER COLUMN name SET NOT NULL
        ALTER TABLE … SET NOT NULL
        locks: accounts AccessExclusiveLock
        flags: scan
        safer: ADD CONSTRAINT … CHECK (name IS NOT NULL) NOT VALID, VALIDATE it in a later file, then SET NOT NULL (no scan once a valid check exists)
      ALTER TABLE orders ALTER COLUMN account_id DROP NOT NULL
        ALTER TABLE … DROP NOT NULL
        locks: orders AccessExclusiveLock
        flags: none
      ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'open'
        ALTER TABLE … SET DEFAULT
        locks: orders AccessExclusiveLock
        flags: none
      ALTER TABLE orders ALTER COLUMN status DROP DEFAULT
        ALTER TABLE … DROP DEFAULT
        locks: orders AccessExclusiveLock
        flags: none
      ALTER TABLE orders ALTER COLUMN total SET STATISTICS 200
        ALTER TABLE … SET STATISTICS
        locks: orders ShareUpdateExclusiveLock
        flags: none
      ALTER TABLE events SET (fillfactor = 70)
        ALTER TABLE … SET (storage parameters)
        locks: events ShareUpdateExclusiveLock
        flags: none
      ALTER TABLE events RESET (fillfactor)
        ALTER TABLE … SET (storage parameters)
        locks: events ShareUpdateExclusiveLock
        flags: none
      ALTER TABLE accounts DROP COLUMN note
        ALTER TABLE … DROP COLUMN
        locks: accounts AccessExclusiveLock
        flags: destructive
      "
    `)
  })

  it("ALTER TABLE … constraints", async () => {
    expect(
      await analysed([
        "ALTER TABLE events ADD CONSTRAINT events_account_fk FOREIGN KEY (id) REFERENCES accounts (id)",
        "ALTER TABLE events ADD CONSTRAINT events_account_fk FOREIGN KEY (id) REFERENCES accounts (id) NOT VALID",
        "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0)",
        "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID",
        "ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE (email)",
        "ALTER TABLE accounts ADD PRIMARY KEY (id)",
        "ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE USING INDEX accounts_email_idx",
        "ALTER TABLE accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY USING INDEX accounts_id_idx",
        "ALTER TABLE accounts ADD CONSTRAINT no_overlap EXCLUDE USING gist (id WITH =)",
        "ALTER TABLE orders VALIDATE CONSTRAINT orders_account_fk",
        "ALTER TABLE orders DROP CONSTRAINT orders_account_fk",
        "ALTER TABLE accounts DROP CONSTRAINT accounts_balance_check",
      ]),
    ).toMatchInlineSnapshot(`
      "
      ALTER TABLE events ADD CONSTRAINT events_account_fk FOREIGN KEY (id) REFERENCES accounts (id)
        ALTER TABLE … ADD FOREIGN KEY
        locks: events ShareRowExclusiveLock, accounts ShareRowExclusiveLock
        flags: scan
        safer: ADD CONSTRAINT … NOT VALID (no scan), then VALIDATE CONSTRAINT in a later file (ShareUpdateExclusiveLock: writes go on)
      ALTER TABLE events ADD CONSTRAINT events_account_fk FOREIGN KEY (id) REFERENCES accounts (id) NOT VALID
        ALTER TABLE … ADD FOREIGN KEY NOT VALID
        locks: events ShareRowExclusiveLock, accounts ShareRowExclusiveLock
        flags: none
      ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0)
        ALTER TABLE … ADD CHECK
        locks: orders AccessExclusiveLock
        flags: scan
        safer: ADD CONSTRAINT … NOT VALID (no scan), then VALIDATE CONSTRAINT in a later file (ShareUpdateExclusiveLock: writes go on)
      ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID
        ALTER TABLE … ADD CHECK NOT VALID
        locks: orders AccessExclusiveLock
        flags: none
      ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE (email)
        ALTER TABLE … ADD UNIQUE
        locks: accounts AccessExclusiveLock
        flags: scan
        safer: CREATE UNIQUE INDEX CONCURRENTLY (its own file, -- aim:no-transaction), then ADD CONSTRAINT … UNIQUE USING INDEX
      ALTER TABLE accounts ADD PRIMARY KEY (id)
        ALTER TABLE … ADD PRIMARY KEY
        locks: accounts AccessExclusiveLock
        flags: scan
        safer: CREATE UNIQUE INDEX CONCURRENTLY (its own file, -- aim:no-transaction), then ADD CONSTRAINT … UNIQUE USING INDEX
      ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE USING INDEX accounts_email_idx
        ALTER TABLE … ADD UNIQUE USING INDEX
        locks: accounts AccessExclusiveLock
        flags: none
      ALTER TABLE accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY USING INDEX accounts_id_idx
        ALTER TABLE … ADD PRIMARY KEY USING INDEX
        locks: accounts AccessExclusiveLock
        flags: none
      ALTER TABLE accounts ADD CONSTRAINT no_overlap EXCLUDE USING gist (id WITH =)
        ALTER TABLE … ADD CONSTRAINT
        locks: accounts AccessExclusiveLock
        flags: scan
      ALTER TABLE orders VALIDATE CONSTRAINT orders_account_fk
        ALTER TABLE … VALIDATE CONSTRAINT
        locks: orders ShareUpdateExclusiveLock
        flags: scan
      ALTER TABLE orders DROP CONSTRAINT orders_account_fk
        ALTER TABLE … DROP CONSTRAINT
        locks: orders AccessExclusiveLock, accounts AccessExclusiveLock
        flags: none
      ALTER TABLE accounts DROP CONSTRAINT accounts_balance_check
        ALTER TABLE … DROP CONSTRAINT
        locks: accounts AccessExclusiveLock
        flags: none
      "
    `)
  })

  it("ALTER TABLE … triggers, row security, cluster, other forms and several commands", async () => {
    expect(
      await analysed([
        "ALTER TABLE orders DISABLE TRIGGER orders_touch",
        "ALTER TABLE orders ENABLE TRIGGER orders_touch",
        "ALTER TABLE orders ENABLE TRIGGER ALL",
        "ALTER TABLE orders DISABLE TRIGGER ALL",
        "ALTER TABLE orders ENABLE TRIGGER USER",
        "ALTER TABLE orders DISABLE TRIGGER USER",
        "ALTER TABLE accounts ENABLE ROW LEVEL SECURITY",
        "ALTER TABLE accounts DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE accounts FORCE ROW LEVEL SECURITY",
        "ALTER TABLE accounts NO FORCE ROW LEVEL SECURITY",
        "ALTER TABLE orders CLUSTER ON orders_total_idx",
        "ALTER TABLE orders OWNER TO someone",
        "ALTER TABLE accounts ADD COLUMN a int, ALTER COLUMN name SET NOT NULL, DROP COLUMN note",
        "ALTER TABLE accounts ADD COLUMN a int, ALTER COLUMN name TYPE varchar(100)",
        "ALTER TABLE events ADD COLUMN uid uuid DEFAULT gen_random_uuid(), ADD COLUMN b int",
        "ALTER TABLE accounts ADD COLUMN a int, ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES orders (id)",
        "ALTER INDEX orders_total_idx SET (fillfactor = 50)",
        "ALTER VIEW v OWNER TO someone",
      ]),
    ).toMatchInlineSnapshot(`
      "
      ALTER TABLE orders DISABLE TRIGGER orders_touch
        ALTER TABLE … ENABLE/DISABLE TRIGGER
        locks: orders ShareRowExclusiveLock
        flags: none
      ALTER TABLE orders ENABLE TRIGGER orders_touch
        ALTER TABLE … ENABLE/DISABLE TRIGGER
        locks: orders ShareRowExclusiveLock
        flags: none
      ALTER TABLE orders ENABLE TRIGGER ALL
        ALTER TABLE … ENABLE/DISABLE TRIGGER
        locks: orders ShareRowExclusiveLock
        flags: none
      ALTER TABLE orders DISABLE TRIGGER ALL
        ALTER TABLE … ENABLE/DISABLE TRIGGER
        locks: orders ShareRowExclusiveLock
        flags: none
      ALTER TABLE orders ENABLE TRIGGER USER
        ALTER TABLE … ENABLE/DISABLE TRIGGER
        locks: orders ShareRowExclusiveLock
        flags: none
      ALTER TABLE orders DISABLE TRIGGER USER
        ALTER TABLE … ENABLE/DISABLE TRIGGER
        locks: orders ShareRowExclusiveLock
        flags: none
      ALTER TABLE accounts ENABLE ROW LEVEL SECURITY
        ALTER TABLE … ROW LEVEL SECURITY
        locks: accounts AccessExclusiveLock
        flags: none
      ALTER TABLE accounts DISABLE ROW LEVEL SECURITY
        ALTER TABLE … ROW LEVEL SECURITY
        locks: accounts AccessExclusiveLock
        flags: none
      ALTER TABLE accounts FORCE ROW LEVEL SECURITY
        ALTER TABLE … ROW LEVEL SECURITY
        locks: accounts AccessExclusiveLock
        flags: none
      ALTER TABLE accounts NO FORCE ROW LEVEL SECURITY
        ALTER TABLE … ROW LEVEL SECURITY
        locks: accounts AccessExclusiveLock
        flags: none
      ALTER TABLE orders CLUSTER ON orders_total_idx
        ALTER TABLE … CLUSTER ON
        locks: orders ShareUpdateExclusiveLock
        flags: none
      ALTER TABLE orders OWNER TO someone
        ALTER TABLE (ChangeOwner)
        locks: orders AccessExclusiveLock
        flags: none
      ALTER TABLE accounts ADD COLUMN a int, ALTER COLUMN name SET NOT NULL, DROP COLUMN note
        ALTER TABLE … ADD COLUMN, ALTER TABLE … SET NOT NULL, ALTER TABLE … DROP COLUMN
        locks: accounts AccessExclusiveLock
        flags: scan destructive
        safer: ADD CONSTRAINT … CHECK (name IS NOT NULL) NOT VALID, VALIDATE it in a later file, then SET NOT NULL (no scan once a valid check exists)
      ALTER TABLE accounts ADD COLUMN a int, ALTER COLUMN name TYPE varchar(100)
        ALTER TABLE … ADD COLUMN, ALTER TABLE … ALTER COLUMN TYPE
        locks: accounts AccessExclusiveLock
        flags: none
      ALTER TABLE events ADD COLUMN uid uuid DEFAULT gen_random_uuid(), ADD COLUMN b int
        ALTER TABLE … ADD COLUMN, ALTER TABLE … ADD COLUMN
        locks: events AccessExclusiveLock
        flags: rewrite
        safer: add the column without a default, backfill it in batches, then SET DEFAULT for new rows
      ALTER TABLE accounts ADD COLUMN a int, ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES orders (id)
        ALTER TABLE … ADD COLUMN, ALTER TABLE … ADD FOREIGN KEY
        locks: accounts AccessExclusiveLock, orders ShareRowExclusiveLock
        flags: scan
        safer: ADD CONSTRAINT … NOT VALID (no scan), then VALIDATE CONSTRAINT in a later file (ShareUpdateExclusiveLock: writes go on)
      ALTER INDEX orders_total_idx SET (fillfactor = 50)
        ALTER INDEX
        locks: orders_total_idx ShareUpdateExclusiveLock
        flags: none
      ALTER VIEW v OWNER TO someone
        ALTER VIEW
        locks: v AccessExclusiveLock
        flags: none
      "
    `)
  })

  it("renames, indexes and drops", async () => {
    expect(
      await analysed([
        "ALTER TABLE accounts RENAME COLUMN note TO remark",
        "ALTER TABLE archive RENAME TO archive_old",
        "ALTER INDEX orders_total_idx RENAME TO orders_total_index",
        "ALTER FUNCTION f() RENAME TO g",
        "CREATE INDEX events_kind_idx ON events (kind)",
        "CREATE UNIQUE INDEX accounts_email_idx ON accounts (email)",
        "CREATE INDEX CONCURRENTLY events_kind_idx ON events (kind)",
        "CREATE UNIQUE INDEX CONCURRENTLY accounts_email_idx ON accounts (email)",
        "DROP TABLE archive",
        "DROP TABLE orders",
        "DROP TABLE accounts",
        "DROP TABLE IF EXISTS public.archive, events",
        "DROP INDEX orders_total_idx",
        "DROP INDEX CONCURRENTLY orders_total_idx",
        "DROP INDEX unknown_idx",
        "DROP TRIGGER orders_touch ON orders",
        "DROP POLICY accounts_own ON accounts",
        "DROP RULE r ON events",
        "DROP VIEW open_orders",
        "DROP MATERIALIZED VIEW totals",
        "DROP SEQUENCE s",
        "DROP FUNCTION touch()",
      ]),
    ).toMatchInlineSnapshot(`
      "
      ALTER TABLE accounts RENAME COLUMN note TO remark
        RENAME COLUMN
        locks: accounts AccessExclusiveLock
        flags: none
      ALTER TABLE archive RENAME TO archive_old
        RENAME TABLE
        locks: archive AccessExclusiveLock
        flags: none
      ALTER INDEX orders_total_idx RENAME TO orders_total_index
        ALTER INDEX … RENAME
        locks: orders_total_idx ShareUpdateExclusiveLock
        flags: none
      ALTER FUNCTION f() RENAME TO g
        RENAME FUNCTION
        locks: none
        flags: none
      CREATE INDEX events_kind_idx ON events (kind)
        CREATE INDEX
        locks: events ShareLock
        flags: scan
        safer: CREATE INDEX CONCURRENTLY in its own file with -- aim:no-transaction (writes go on while it builds)
      CREATE UNIQUE INDEX accounts_email_idx ON accounts (email)
        CREATE UNIQUE INDEX
        locks: accounts ShareLock
        flags: scan
        safer: CREATE UNIQUE INDEX CONCURRENTLY in its own file with -- aim:no-transaction (writes go on while it builds)
      CREATE INDEX CONCURRENTLY events_kind_idx ON events (kind)
        CREATE INDEX CONCURRENTLY
        locks: events ShareUpdateExclusiveLock
        flags: scan outsideTransaction
      CREATE UNIQUE INDEX CONCURRENTLY accounts_email_idx ON accounts (email)
        CREATE UNIQUE INDEX CONCURRENTLY
        locks: accounts ShareUpdateExclusiveLock
        flags: scan outsideTransaction
      DROP TABLE archive
        DROP TABLE
        locks: archive AccessExclusiveLock
        flags: destructive
      DROP TABLE orders
        DROP TABLE
        locks: orders AccessExclusiveLock, accounts AccessExclusiveLock
        flags: destructive
      DROP TABLE accounts
        DROP TABLE
        locks: accounts AccessExclusiveLock, orders AccessExclusiveLock
        flags: destructive
      DROP TABLE IF EXISTS public.archive, events
        DROP TABLE
        locks: archive AccessExclusiveLock, events AccessExclusiveLock
        flags: destructive
      DROP INDEX orders_total_idx
        DROP INDEX
        locks: orders_total_idx AccessExclusiveLock, orders AccessExclusiveLock
        flags: none
        safer: DROP INDEX CONCURRENTLY in its own file with -- aim:no-transaction
      DROP INDEX CONCURRENTLY orders_total_idx
        DROP INDEX CONCURRENTLY
        locks: orders_total_idx AccessExclusiveLock, orders ShareUpdateExclusiveLock
        flags: outsideTransaction
        safer: waits for every transaction using the table to end before it finishes: run it when no long query or idle transaction holds the table
      DROP INDEX unknown_idx
        DROP INDEX
        locks: unknown_idx AccessExclusiveLock
        flags: none
        safer: DROP INDEX CONCURRENTLY in its own file with -- aim:no-transaction
      DROP TRIGGER orders_touch ON orders
        DROP TRIGGER
        locks: orders AccessExclusiveLock
        flags: none
      DROP POLICY accounts_own ON accounts
        DROP POLICY
        locks: accounts AccessExclusiveLock
        flags: none
      DROP RULE r ON events
        DROP RULE
        locks: events AccessExclusiveLock
        flags: none
      DROP VIEW open_orders
        DROP VIEW
        locks: open_orders AccessExclusiveLock
        flags: none
      DROP MATERIALIZED VIEW totals
        DROP MATVIEW
        locks: totals AccessExclusiveLock
        flags: none
      DROP SEQUENCE s
        DROP SEQUENCE
        locks: s AccessExclusiveLock
        flags: none
      DROP FUNCTION touch()
        DROP FUNCTION
        locks: none
        flags: none
      "
    `)
  })

  it("triggers, policies, DML and reads", async () => {
    expect(
      await analysed([
        "CREATE TRIGGER events_touch BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION touch()",
        "CREATE POLICY accounts_own ON accounts USING (id > 0)",
        "ALTER POLICY accounts_own ON accounts USING (id > 1)",
        "INSERT INTO events (id, payload) VALUES (1000, 'x')",
        "INSERT INTO archive SELECT id, payload FROM events",
        "INSERT INTO archive SELECT * FROM archive",
        "UPDATE events SET payload = 'y' WHERE id = 1",
        "UPDATE events SET kind = a.name FROM accounts a WHERE a.id = events.id",
        "UPDATE events SET kind = 'all'",
        "DELETE FROM archive WHERE id IN (SELECT id FROM events)",
        "DELETE FROM archive USING events WHERE archive.id = events.id",
        "DELETE FROM archive",
        "SELECT 1",
        "SELECT * FROM accounts JOIN orders ON orders.account_id = accounts.id",
        "SELECT * FROM accounts WHERE id = 1 FOR UPDATE",
        "SELECT * FROM accounts FOR SHARE",
        "TRUNCATE events, archive",
        "CLUSTER orders USING orders_pkey",
      ]),
    ).toMatchInlineSnapshot(`
      "
      CREATE TRIGGER events_touch BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION touch()
        CREATE TRIGGER
        locks: events ShareRowExclusiveLock
        flags: none
      CREATE POLICY accounts_own ON accounts USING (id > 0)
        CREATE POLICY
        locks: accounts AccessExclusiveLock
        flags: none
      ALTER POLICY accounts_own ON accounts USING (id > 1)
        ALTER POLICY
        locks: accounts AccessExclusiveLock
        flags: none
      INSERT INTO events (id, payload) VALUES (1000, 'x')
        INSERT
        locks: events RowExclusiveLock
        flags: none
      INSERT INTO archive SELECT id, payload FROM events
        INSERT
        locks: archive RowExclusiveLock, events AccessShareLock
        flags: none
      INSERT INTO archive SELECT * FROM archive
        INSERT
        locks: archive RowExclusiveLock
        flags: none
      UPDATE events SET payload = 'y' WHERE id = 1
        UPDATE
        locks: events RowExclusiveLock
        flags: none
      UPDATE events SET kind = a.name FROM accounts a WHERE a.id = events.id
        UPDATE
        locks: events RowExclusiveLock, accounts AccessShareLock
        flags: none
      UPDATE events SET kind = 'all'
        UPDATE
        locks: events RowExclusiveLock
        flags: scan destructive
        safer: UPDATE in batches (WHERE id IN (… LIMIT 10000)), outside one long transaction
      DELETE FROM archive WHERE id IN (SELECT id FROM events)
        DELETE
        locks: archive RowExclusiveLock, events AccessShareLock
        flags: none
      DELETE FROM archive USING events WHERE archive.id = events.id
        DELETE
        locks: archive RowExclusiveLock, events AccessShareLock
        flags: none
      DELETE FROM archive
        DELETE
        locks: archive RowExclusiveLock
        flags: scan destructive
        safer: DELETE in batches (WHERE id IN (… LIMIT 10000)), outside one long transaction
      SELECT 1
        SELECT
        locks: none
        flags: none
      SELECT * FROM accounts JOIN orders ON orders.account_id = accounts.id
        SELECT
        locks: accounts AccessShareLock, orders AccessShareLock
        flags: none
      SELECT * FROM accounts WHERE id = 1 FOR UPDATE
        SELECT … FOR UPDATE
        locks: accounts RowShareLock
        flags: none
      SELECT * FROM accounts FOR SHARE
        SELECT … FOR UPDATE
        locks: accounts RowShareLock
        flags: none
      TRUNCATE events, archive
        TRUNCATE
        locks: events AccessExclusiveLock, archive AccessExclusiveLock
        flags: destructive
      CLUSTER orders USING orders_pkey
        CLUSTER
        locks: orders AccessExclusiveLock
        flags: rewrite
        safer: pg_repack, or leave physical order to the planner
      "
    `)
  })

  it("maintenance, comments and LOCK TABLE in each mode", async () => {
    expect(
      await analysed([
        "REINDEX TABLE orders",
        "REINDEX TABLE CONCURRENTLY orders",
        "REINDEX INDEX orders_total_idx",
        "VACUUM events",
        "VACUUM (FULL) events",
        "VACUUM FULL events, archive",
        "VACUUM (ANALYZE) events",
        "ANALYZE events",
        "COMMENT ON TABLE accounts IS 'customers'",
        "COMMENT ON COLUMN accounts.email IS 'login'",
        "COMMENT ON INDEX orders_total_idx IS 'x'",
        "ALTER TABLE readings DETACH PARTITION readings_2025 CONCURRENTLY",
        "LOCK TABLE events IN ACCESS SHARE MODE",
        "LOCK TABLE events IN ROW SHARE MODE",
        "LOCK TABLE events IN ROW EXCLUSIVE MODE",
        "LOCK TABLE events IN SHARE UPDATE EXCLUSIVE MODE",
        "LOCK TABLE events IN SHARE MODE",
        "LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE",
        "LOCK TABLE events IN EXCLUSIVE MODE",
        "LOCK TABLE events, archive",
      ]),
    ).toMatchInlineSnapshot(`
      "
      REINDEX TABLE orders
        REINDEX TABLE
        locks: orders ShareLock, orders_total_idx AccessExclusiveLock
        flags: scan
        safer: REINDEX TABLE CONCURRENTLY in its own file with -- aim:no-transaction (reads and writes go on while it rebuilds)
      REINDEX TABLE CONCURRENTLY orders
        REINDEX TABLE CONCURRENTLY
        locks: orders ShareUpdateExclusiveLock, orders_total_idx ShareUpdateExclusiveLock
        flags: scan outsideTransaction
        safer: waits for every transaction using the index to end at its swap: run it when no long query or idle transaction holds the table
      REINDEX INDEX orders_total_idx
        REINDEX INDEX
        locks: orders ShareLock, orders_total_idx AccessExclusiveLock
        flags: scan
        safer: REINDEX INDEX CONCURRENTLY in its own file with -- aim:no-transaction (reads and writes go on while it rebuilds)
      VACUUM events
        VACUUM
        locks: events ShareUpdateExclusiveLock
        flags: scan outsideTransaction
      VACUUM (FULL) events
        VACUUM FULL
        locks: events AccessExclusiveLock
        flags: rewrite scan outsideTransaction
      VACUUM FULL events, archive
        VACUUM FULL
        locks: events AccessExclusiveLock, archive AccessExclusiveLock
        flags: rewrite scan outsideTransaction
      VACUUM (ANALYZE) events
        VACUUM
        locks: events ShareUpdateExclusiveLock
        flags: scan outsideTransaction
      ANALYZE events
        ANALYZE
        locks: events ShareUpdateExclusiveLock
        flags: scan
      COMMENT ON TABLE accounts IS 'customers'
        COMMENT ON TABLE
        locks: accounts ShareUpdateExclusiveLock
        flags: none
      COMMENT ON COLUMN accounts.email IS 'login'
        COMMENT ON COLUMN
        locks: accounts ShareUpdateExclusiveLock
        flags: none
      COMMENT ON INDEX orders_total_idx IS 'x'
        COMMENT ON INDEX
        locks: orders_total_idx ShareUpdateExclusiveLock
        flags: none
      ALTER TABLE readings DETACH PARTITION readings_2025 CONCURRENTLY
        ALTER TABLE … DETACH PARTITION CONCURRENTLY
        locks: readings ShareUpdateExclusiveLock, readings_2025 AccessExclusiveLock
        flags: outsideTransaction
      LOCK TABLE events IN ACCESS SHARE MODE
        LOCK TABLE
        locks: events AccessShareLock
        flags: none
      LOCK TABLE events IN ROW SHARE MODE
        LOCK TABLE
        locks: events RowShareLock
        flags: none
      LOCK TABLE events IN ROW EXCLUSIVE MODE
        LOCK TABLE
        locks: events RowExclusiveLock
        flags: none
      LOCK TABLE events IN SHARE UPDATE EXCLUSIVE MODE
        LOCK TABLE
        locks: events ShareUpdateExclusiveLock
        flags: none
      LOCK TABLE events IN SHARE MODE
        LOCK TABLE
        locks: events ShareLock
        flags: none
      LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE
        LOCK TABLE
        locks: events ShareRowExclusiveLock
        flags: none
      LOCK TABLE events IN EXCLUSIVE MODE
        LOCK TABLE
        locks: events ExclusiveLock
        flags: none
      LOCK TABLE events, archive
        LOCK TABLE
        locks: events AccessExclusiveLock, archive AccessExclusiveLock
        flags: none
      "
    `)
  })

  it("views, opaque statements and statements that lock nothing existing", async () => {
    expect(
      await analysed([
        "CREATE VIEW open_orders AS SELECT * FROM orders JOIN accounts ON accounts.id = orders.account_id",
        "CREATE OR REPLACE VIEW v AS SELECT * FROM v2",
        "DO $$ BEGIN PERFORM 1; END $$",
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'nick') THEN ALTER TABLE accounts ADD COLUMN nick text; END IF; END $$",
        "DO $$ BEGIN EXECUTE 'CREATE INDEX orders_status_idx ON orders (status)'; UPDATE orders SET status = 'x' WHERE id = 1; END $$",
        "DO $$ BEGIN EXECUTE format('DROP TABLE %I', 'orders'); END $$",
        "DO $$ DECLARE r record; BEGIN FOR r IN EXECUTE 'SELECT 1' || '' LOOP END LOOP; END $$",
        "DO LANGUAGE plperl $$ 1 $$",
        "SELECT recount()",
        "SELECT count(*) FROM orders",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "CREATE EXTENSION IF NOT EXISTS pgcrypto",
        "CREATE SEQUENCE s",
        "CREATE TYPE mood AS ENUM ('ok')",
        "CREATE TYPE pair AS (a int, b int)",
        "CREATE DOMAIN posint AS int CHECK (VALUE > 0)",
        "CREATE SCHEMA app",
        "SET lock_timeout = '5s'",
        "GRANT SELECT ON accounts TO reader",
      ]),
    ).toMatchInlineSnapshot(`
      "
      CREATE VIEW open_orders AS SELECT * FROM orders JOIN accounts ON accounts.id = orders.account_id
        CREATE VIEW
        locks: orders AccessShareLock, accounts AccessShareLock
        flags: none
      CREATE OR REPLACE VIEW v AS SELECT * FROM v2
        CREATE OR REPLACE VIEW
        locks: v AccessExclusiveLock, v2 AccessShareLock
        flags: none
      DO $$ BEGIN PERFORM 1; END $$
        DO block
        locks: none
        flags: none
      DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'nick') THEN ALTER TABLE accounts ADD COLUMN nick text; END IF; END $$
        DO block (ALTER TABLE … ADD COLUMN)
        locks: accounts AccessExclusiveLock
        flags: none
      DO $$ BEGIN EXECUTE 'CREATE INDEX orders_status_idx ON orders (status)'; UPDATE orders SET status = 'x' WHERE id = 1; END $$
        DO block (CREATE INDEX, UPDATE)
        locks: orders ShareLock
        flags: scan
        safer: CREATE INDEX CONCURRENTLY in its own file with -- aim:no-transaction (writes go on while it builds)
      DO $$ BEGIN EXECUTE format('DROP TABLE %I', 'orders'); END $$
        DO block
        locks: none
        flags: opaque
      DO $$ DECLARE r record; BEGIN FOR r IN EXECUTE 'SELECT 1' || '' LOOP END LOOP; END $$
        DO block
        locks: none
        flags: opaque
      DO LANGUAGE plperl $$ 1 $$
        DO block
        locks: none
        flags: opaque
      SELECT recount()
        SELECT calling recount()
        locks: none
        flags: opaque
      SELECT count(*) FROM orders
        SELECT
        locks: orders AccessShareLock
        flags: none
      CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'
        CREATE FUNCTION
        locks: none
        flags: none
      CREATE EXTENSION IF NOT EXISTS pgcrypto
        CREATE EXTENSION
        locks: none
        flags: none
      CREATE SEQUENCE s
        CREATE SEQUENCE
        locks: none
        flags: none
      CREATE TYPE mood AS ENUM ('ok')
        CREATE TYPE
        locks: none
        flags: none
      CREATE TYPE pair AS (a int, b int)
        CREATE TYPE
        locks: none
        flags: none
      CREATE DOMAIN posint AS int CHECK (VALUE > 0)
        CREATE TYPE
        locks: none
        flags: none
      CREATE SCHEMA app
        CREATE SCHEMA
        locks: none
        flags: none
      SET lock_timeout = '5s'
        SET
        locks: none
        flags: none
      GRANT SELECT ON accounts TO reader
        GRANT
        locks: accounts AccessShareLock
        flags: none
      "
    `)
  })
})

describe("statementLocks: the forms beyond the common ones", () => {
  it("materialized views, statistics, rules, MERGE, schemas, sequences, storage and computed columns", async () => {
    expect(
      await analysed([
        "REFRESH MATERIALIZED VIEW order_totals",
        "REFRESH MATERIALIZED VIEW CONCURRENTLY order_totals",
        "CREATE MATERIALIZED VIEW names AS SELECT name FROM accounts",
        "CREATE TABLE order_copy AS SELECT * FROM orders JOIN accounts ON accounts.id = orders.account_id",
        "CREATE STATISTICS s ON account_id, total FROM orders",
        "CREATE RULE r AS ON DELETE TO events DO INSTEAD NOTHING",
        "MERGE INTO archive a USING events e ON a.id = e.id WHEN MATCHED THEN DELETE",
        "ALTER TABLE archive SET SCHEMA other",
        "ALTER FUNCTION touch() SET SCHEMA other",
        "ALTER SEQUENCE s RESTART",
        "ALTER TABLE archive SET UNLOGGED",
        "ALTER TABLE archive SET LOGGED",
        "ALTER TABLE archive SET TABLESPACE pg_default",
        "ALTER TABLE orders SET WITHOUT CLUSTER",
        "ALTER TABLE orders ALTER COLUMN total SET (n_distinct = 100)",
        "ALTER TABLE orders ALTER COLUMN total RESET (n_distinct)",
        "ALTER TABLE archive ADD COLUMN seq int GENERATED ALWAYS AS IDENTITY",
        "ALTER TABLE archive ADD COLUMN doubled int GENERATED ALWAYS AS (id * 2) STORED",
        "ALTER INDEX orders_total_idx SET (fillfactor = 70), SET TABLESPACE pg_default",
        "REINDEX INDEX CONCURRENTLY orders_total_idx",
        "REINDEX INDEX unknown_idx",
        "REINDEX TABLE CONCURRENTLY orders",
        "REINDEX SCHEMA public",
        "SELECT * FROM accounts a JOIN orders o ON o.account_id = a.id FOR UPDATE OF a",
        "SELECT * FROM accounts JOIN orders ON orders.account_id = accounts.id FOR SHARE OF orders",
      ]),
    ).toMatchInlineSnapshot(`
      "
      REFRESH MATERIALIZED VIEW order_totals
        REFRESH MATERIALIZED VIEW
        locks: order_totals AccessExclusiveLock, events AccessShareLock
        flags: rewrite scan
        safer: REFRESH MATERIALIZED VIEW CONCURRENTLY (it needs a unique index on the view): reads of the view go on meanwhile
      REFRESH MATERIALIZED VIEW CONCURRENTLY order_totals
        REFRESH MATERIALIZED VIEW CONCURRENTLY
        locks: order_totals ExclusiveLock, events AccessShareLock
        flags: scan
      CREATE MATERIALIZED VIEW names AS SELECT name FROM accounts
        CREATE MATERIALIZED VIEW
        locks: accounts AccessShareLock
        flags: none
      CREATE TABLE order_copy AS SELECT * FROM orders JOIN accounts ON accounts.id = orders.account_id
        CREATE TABLE AS
        locks: orders AccessShareLock, accounts AccessShareLock
        flags: none
      CREATE STATISTICS s ON account_id, total FROM orders
        CREATE STATISTICS
        locks: orders ShareUpdateExclusiveLock
        flags: none
      CREATE RULE r AS ON DELETE TO events DO INSTEAD NOTHING
        CREATE RULE
        locks: events AccessExclusiveLock
        flags: none
      MERGE INTO archive a USING events e ON a.id = e.id WHEN MATCHED THEN DELETE
        MERGE
        locks: archive RowExclusiveLock, events AccessShareLock
        flags: none
      ALTER TABLE archive SET SCHEMA other
        ALTER TABLE … SET SCHEMA
        locks: archive AccessExclusiveLock
        flags: none
      ALTER FUNCTION touch() SET SCHEMA other
        ALTER FUNCTION … SET SCHEMA
        locks: none
        flags: none
      ALTER SEQUENCE s RESTART
        ALTER SEQUENCE
        locks: s ShareRowExclusiveLock
        flags: none
      ALTER TABLE archive SET UNLOGGED
        ALTER TABLE … SET UNLOGGED
        locks: archive AccessExclusiveLock
        flags: rewrite
      ALTER TABLE archive SET LOGGED
        ALTER TABLE … SET LOGGED
        locks: archive AccessExclusiveLock
        flags: rewrite
      ALTER TABLE archive SET TABLESPACE pg_default
        ALTER TABLE … SET TABLESPACE
        locks: archive AccessExclusiveLock
        flags: rewrite
      ALTER TABLE orders SET WITHOUT CLUSTER
        ALTER TABLE … SET WITHOUT CLUSTER
        locks: orders ShareUpdateExclusiveLock
        flags: none
      ALTER TABLE orders ALTER COLUMN total SET (n_distinct = 100)
        ALTER TABLE … ALTER COLUMN SET (attribute options)
        locks: orders ShareUpdateExclusiveLock
        flags: none
      ALTER TABLE orders ALTER COLUMN total RESET (n_distinct)
        ALTER TABLE … ALTER COLUMN SET (attribute options)
        locks: orders ShareUpdateExclusiveLock
        flags: none
      ALTER TABLE archive ADD COLUMN seq int GENERATED ALWAYS AS IDENTITY
        ALTER TABLE … ADD COLUMN
        locks: archive AccessExclusiveLock
        flags: rewrite
        safer: add a plain nullable column, backfill it in batches, then make it an identity or generated column (or, on PostgreSQL 18, a VIRTUAL generated column, which stores nothing)
      ALTER TABLE archive ADD COLUMN doubled int GENERATED ALWAYS AS (id * 2) STORED
        ALTER TABLE … ADD COLUMN
        locks: archive AccessExclusiveLock
        flags: rewrite
        safer: add a plain nullable column, backfill it in batches, then make it an identity or generated column (or, on PostgreSQL 18, a VIRTUAL generated column, which stores nothing)
      ALTER INDEX orders_total_idx SET (fillfactor = 70), SET TABLESPACE pg_default
        ALTER INDEX
        locks: orders_total_idx AccessExclusiveLock
        flags: none
      REINDEX INDEX CONCURRENTLY orders_total_idx
        REINDEX INDEX CONCURRENTLY
        locks: orders ShareUpdateExclusiveLock, orders_total_idx ShareUpdateExclusiveLock
        flags: scan outsideTransaction
        safer: waits for every transaction using the index to end at its swap: run it when no long query or idle transaction holds the table
      REINDEX INDEX unknown_idx
        REINDEX INDEX
        locks: unknown_idx AccessExclusiveLock
        flags: scan
        safer: REINDEX INDEX CONCURRENTLY in its own file with -- aim:no-transaction (reads and writes go on while it rebuilds)
      REINDEX TABLE CONCURRENTLY orders
        REINDEX TABLE CONCURRENTLY
        locks: orders ShareUpdateExclusiveLock, orders_total_idx ShareUpdateExclusiveLock
        flags: scan outsideTransaction
        safer: waits for every transaction using the index to end at its swap: run it when no long query or idle transaction holds the table
      REINDEX SCHEMA public
        REINDEX
        locks: none
        flags: opaque
      SELECT * FROM accounts a JOIN orders o ON o.account_id = a.id FOR UPDATE OF a
        SELECT … FOR UPDATE
        locks: accounts RowShareLock, orders AccessShareLock
        flags: none
      SELECT * FROM accounts JOIN orders ON orders.account_id = accounts.id FOR SHARE OF orders
        SELECT … FOR UPDATE
        locks: accounts AccessShareLock, orders RowShareLock
        flags: none
      "
    `)
  })

  it("SECURITY LABEL: as COMMENT ON, from the documentation (no label provider ships with PostgreSQL, so no server here can run one)", async () => {
    // seclabel.c finds the object with get_object_address and SHARE UPDATE EXCLUSIVE, as COMMENT does:
    // a relation or a column's relation in that mode; a function, type, schema or role, an object lock only.
    expect(
      await analysed([
        "SECURITY LABEL FOR selinux ON TABLE accounts IS 'system_u:object_r:sepgsql_table_t:s0'",
        "SECURITY LABEL ON COLUMN accounts.email IS 'secret'",
        "SECURITY LABEL ON MATERIALIZED VIEW order_totals IS 'public'",
        "SECURITY LABEL ON SEQUENCE invoice_numbers IS 'public'",
        "SECURITY LABEL ON FUNCTION recount() IS 'trusted'",
        "SECURITY LABEL ON SCHEMA archive_schema IS 'public'",
        "SECURITY LABEL ON ROLE aim IS 'admin'",
      ]),
    ).toMatchInlineSnapshot(`
      "
      SECURITY LABEL FOR selinux ON TABLE accounts IS 'system_u:object_r:sepgsql_table_t:s0'
        SECURITY LABEL ON TABLE
        locks: accounts ShareUpdateExclusiveLock
        flags: none
      SECURITY LABEL ON COLUMN accounts.email IS 'secret'
        SECURITY LABEL ON COLUMN
        locks: accounts ShareUpdateExclusiveLock
        flags: none
      SECURITY LABEL ON MATERIALIZED VIEW order_totals IS 'public'
        SECURITY LABEL ON MATVIEW
        locks: order_totals ShareUpdateExclusiveLock
        flags: none
      SECURITY LABEL ON SEQUENCE invoice_numbers IS 'public'
        SECURITY LABEL ON SEQUENCE
        locks: invoice_numbers ShareUpdateExclusiveLock
        flags: none
      SECURITY LABEL ON FUNCTION recount() IS 'trusted'
        SECURITY LABEL ON FUNCTION
        locks: none
        flags: none
      SECURITY LABEL ON SCHEMA archive_schema IS 'public'
        SECURITY LABEL ON SCHEMA
        locks: none
        flags: none
      SECURITY LABEL ON ROLE aim IS 'admin'
        SECURITY LABEL ON ROLE
        locks: none
        flags: none
      "
    `)
  })

  it("numeric and varchar changes that keep the stored values as they are", async () => {
    const types: CatalogFacts = {
      ...facts,
      columnType: new Map([
        ["prices.amount", "numeric(7,2)"],
        ["prices.code", "character varying(8)"],
      ]),
    }
    const rewrites = async (text: string) => statementLocks(await firstStatement(text), types).rewrite
    expect(await rewrites("ALTER TABLE prices ALTER COLUMN amount TYPE numeric(9,2)")).toBe(false)
    expect(await rewrites("ALTER TABLE prices ALTER COLUMN amount TYPE numeric(7,2)")).toBe(false)
    expect(await rewrites("ALTER TABLE prices ALTER COLUMN amount TYPE numeric")).toBe(false)
    expect(await rewrites("ALTER TABLE prices ALTER COLUMN amount TYPE numeric(6,2)")).toBe(true)
    expect(await rewrites("ALTER TABLE prices ALTER COLUMN amount TYPE numeric(9,3)")).toBe(true)
    expect(await rewrites("ALTER TABLE prices ALTER COLUMN amount TYPE float8")).toBe(true)
    expect(await rewrites("ALTER TABLE prices ALTER COLUMN code TYPE varchar(16)")).toBe(false)
    expect(await rewrites("ALTER TABLE prices ALTER COLUMN code TYPE varchar(4)")).toBe(true)
  })
})

describe("lock modes", () => {
  it("are ordered weakest first; ShareLock and up block writes, only AccessExclusiveLock reads", () => {
    expect(lockModes.map(strength)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(lockModes.filter(blocksWrites)).toEqual(["ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"])
    expect(lockModes.filter(blocksReads)).toEqual(["AccessExclusiveLock"])
  })

  it("a statement naming one relation twice keeps its strongest mode, in the order first named", async () => {
    const parsed = await firstStatement("ALTER TABLE accounts VALIDATE CONSTRAINT c, ADD COLUMN x int, SET (fillfactor = 70)")
    expect(statementLocks(parsed, facts).locks).toEqual([{ relation: "accounts", mode: "AccessExclusiveLock" }])
    const weakLast = await firstStatement(
      "ALTER TABLE events ADD COLUMN a int REFERENCES accounts (id), ADD CONSTRAINT c FOREIGN KEY (a) REFERENCES accounts (id) NOT VALID",
    )
    expect(statementLocks(weakLast, facts).locks).toEqual([
      { relation: "events", mode: "AccessExclusiveLock" },
      { relation: "accounts", mode: "ShareRowExclusiveLock" },
    ])
  })
})
