import { sql } from "@aim/testkit"
import { useTestDatabase } from "@aim/testkit/hooks"
import { Effect } from "effect"
import pg from "pg"
import { describe, expect, it } from "vitest"
import { Database } from "../src/database/Database.js"
import { databaseFor } from "../src/database/databases.js"
import { type LockPlan, type PlannedStatement, planLocks } from "../src/plan/LockPlan.js"
import { type LockMode, lockModes } from "../src/plan/statementLocks.js"
import { serverSettings } from "./support.js"

const database = useTestDatabase("aim_lockplan")

const schema = `
  CREATE TABLE accounts (id int PRIMARY KEY, email text, name varchar(50), balance int, note text, CONSTRAINT accounts_balance_check CHECK (balance >= 0));
  CREATE TABLE orders (id int PRIMARY KEY, account_id int, total int, status text, CONSTRAINT orders_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) NOT VALID);
  CREATE INDEX orders_total_idx ON orders (total);
  CREATE TABLE events (id int, payload text, kind text);
  CREATE TABLE archive (id int, payload text);
  CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
  CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch();
  INSERT INTO accounts SELECT g, 'a' || g || '@example.com', 'n' || g, g, NULL FROM generate_series(1, 50) g;
  INSERT INTO orders SELECT g, g, g * 10, 'open' FROM generate_series(1, 50) g;
  INSERT INTO events SELECT g, 'p', 'k' FROM generate_series(1, 50) g;
  CREATE TABLE prices (id int PRIMARY KEY, amount numeric(7,2), code varchar(8));
  CREATE MATERIALIZED VIEW order_totals AS SELECT kind, count(*) AS n FROM events GROUP BY kind;
  CREATE UNIQUE INDEX order_totals_kind_idx ON order_totals (kind);
  CREATE SEQUENCE invoice_numbers;
  CREATE SCHEMA archive_schema;
  CREATE TABLE customers (id int PRIMARY KEY, email text);
  CREATE TABLE carts (id int PRIMARY KEY, customer_id int REFERENCES customers (id) ON DELETE CASCADE, total int);
  CREATE TABLE cart_lines (id int PRIMARY KEY, cart_id int REFERENCES carts (id) ON DELETE CASCADE ON UPDATE CASCADE, qty int);
  CREATE TABLE invoices (id int PRIMARY KEY, customer_id int REFERENCES customers (id) ON DELETE SET NULL);
  CREATE TABLE reviews (id int PRIMARY KEY, customer_id int REFERENCES customers (id));
  INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 10) g;
  INSERT INTO carts SELECT g, g, 1 FROM generate_series(1, 10) g;
  INSERT INTO cart_lines SELECT g, g, 1 FROM generate_series(1, 10) g;
  INSERT INTO invoices SELECT g, g FROM generate_series(1, 5) g;
  INSERT INTO reviews SELECT g, g + 5 FROM generate_series(1, 5) g;
  CREATE TABLE readings (id int, at date NOT NULL, v int) PARTITION BY RANGE (at);
  CREATE TABLE readings_2024 PARTITION OF readings FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
  CREATE TABLE readings_2025 PARTITION OF readings FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
  CREATE TABLE readings_other PARTITION OF readings DEFAULT;
  CREATE TABLE readings_2030 (id int, at date NOT NULL, v int);
  INSERT INTO readings SELECT g, date '2024-06-01' + g * 30, 1 FROM generate_series(1, 20) g;
  CREATE FUNCTION recount() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
  CREATE VIEW account_emails AS SELECT id, email FROM accounts;
  CREATE POLICY accounts_positive ON accounts USING (balance >= 0);
  CREATE FUNCTION archive_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM archive $$;
  CREATE FUNCTION close_orders() RETURNS void LANGUAGE plpgsql AS $$ BEGIN UPDATE orders SET status = 'closed' WHERE status = 'open'; END $$;
  CREATE PROCEDURE bump_events() LANGUAGE plpgsql AS $$ BEGIN UPDATE events SET kind = kind WHERE id = 1; END $$;
  CREATE TABLE order_log (order_id int, at timestamptz DEFAULT now());
  CREATE FUNCTION log_order() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO order_log (order_id) VALUES (NEW.id); RETURN NEW; END $$;
  CREATE TRIGGER orders_log AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION log_order();
  CREATE TABLE ruled (id int);
  CREATE TABLE numbered (id serial PRIMARY KEY, note text);
  CREATE TABLE counted (id int GENERATED ALWAYS AS IDENTITY, note text);
  CREATE RULE ruled_no_delete AS ON DELETE TO ruled DO INSTEAD NOTHING;
  CREATE DOMAIN lock_positive AS int CONSTRAINT lock_positive_check CHECK (VALUE > 0);
  CREATE STATISTICS orders_comment_stats ON account_id, total FROM orders;
  ALTER TABLE events ADD CONSTRAINT events_kind_check CHECK (kind <> '') NOT VALID;
  CREATE TABLE gauges (id int, at date NOT NULL, v int) PARTITION BY RANGE (at);
  CREATE TABLE gauges_2024 PARTITION OF gauges FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
  CREATE TABLE gauges_other PARTITION OF gauges DEFAULT;
  CREATE INDEX gauges_only_v_idx ON ONLY gauges (v);
  CREATE INDEX gauges_2024_v_idx ON gauges_2024 (v);
  ALTER TABLE gauges ADD CONSTRAINT gauges_at_check CHECK (at > '2000-01-01') NOT VALID;`

// Each statement kind the plan must predict, run for real inside a transaction that is rolled back.
const statements: ReadonlyArray<readonly [string, string]> = [
  ["add a nullable column", "ALTER TABLE accounts ADD COLUMN nickname text"],
  ["add a column with a constant default", "ALTER TABLE accounts ADD COLUMN tier int NOT NULL DEFAULT 1"],
  ["add a column with a volatile default", "ALTER TABLE events ADD COLUMN token float8 DEFAULT random()"],
  ["add a column that references another table", "ALTER TABLE events ADD COLUMN account_id int REFERENCES accounts (id)"],
  ["drop a column", "ALTER TABLE accounts DROP COLUMN note"],
  ["change a column's type", "ALTER TABLE orders ALTER COLUMN total TYPE bigint"],
  ["widen a varchar", "ALTER TABLE accounts ALTER COLUMN name TYPE varchar(100)"],
  ["set not null", "ALTER TABLE accounts ALTER COLUMN email SET NOT NULL"],
  ["drop not null", "ALTER TABLE orders ALTER COLUMN account_id DROP NOT NULL"],
  ["set a default", "ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'open'"],
  ["set statistics", "ALTER TABLE orders ALTER COLUMN total SET STATISTICS 200"],
  ["set a storage parameter", "ALTER TABLE events SET (fillfactor = 70)"],
  ["add a check constraint", "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0)"],
  ["add a check constraint NOT VALID", "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID"],
  ["add a foreign key", "ALTER TABLE events ADD CONSTRAINT events_account_fk FOREIGN KEY (id) REFERENCES accounts (id)"],
  ["add a foreign key NOT VALID", "ALTER TABLE events ADD CONSTRAINT events_account_fk FOREIGN KEY (id) REFERENCES accounts (id) NOT VALID"],
  ["validate a foreign key", "ALTER TABLE orders VALIDATE CONSTRAINT orders_account_fk"],
  ["add a unique constraint", "ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE (email)"],
  ["drop a check constraint", "ALTER TABLE accounts DROP CONSTRAINT accounts_balance_check"],
  ["drop a foreign key", "ALTER TABLE orders DROP CONSTRAINT orders_account_fk"],
  ["rename a column", "ALTER TABLE accounts RENAME COLUMN note TO remark"],
  ["rename a table", "ALTER TABLE archive RENAME TO archive_old"],
  ["create an index", "CREATE INDEX events_kind_idx ON events (kind)"],
  ["create a unique index", "CREATE UNIQUE INDEX accounts_email_idx ON accounts (email)"],
  ["drop an index", "DROP INDEX orders_total_idx"],
  ["create a trigger", "CREATE TRIGGER events_touch BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION touch()"],
  ["drop a trigger", "DROP TRIGGER orders_touch ON orders"],
  ["disable a trigger", "ALTER TABLE orders DISABLE TRIGGER orders_touch"],
  ["enable row level security", "ALTER TABLE accounts ENABLE ROW LEVEL SECURITY"],
  ["create a policy", "CREATE POLICY accounts_own ON accounts USING (id > 0)"],
  ["insert rows", "INSERT INTO events (id, payload) VALUES (1000, 'x')"],
  ["insert from a select", "INSERT INTO archive SELECT id, payload FROM events"],
  ["update with a where clause", "UPDATE events SET payload = 'y' WHERE id = 1"],
  ["update every row", "UPDATE events SET kind = 'all'"],
  ["delete every row", "DELETE FROM archive"],
  ["truncate", "TRUNCATE events"],
  ["drop a table", "DROP TABLE archive"],
  ["drop a table that references another", "DROP TABLE orders"],
  ["create a table with a foreign key", "CREATE TABLE payments (id int PRIMARY KEY, account_id int REFERENCES accounts (id))"],
  ["create a view", "CREATE VIEW open_orders AS SELECT * FROM orders WHERE status = 'open'"],
  ["reindex a table", "REINDEX TABLE orders"],
  ["cluster a table", "CLUSTER orders USING orders_pkey"],
  ["analyze a table", "ANALYZE events"],
  ["comment on a table", "COMMENT ON TABLE accounts IS 'customers'"],
  ["lock a table explicitly", "LOCK TABLE events IN SHARE MODE"],
  ["select for update", "SELECT * FROM accounts WHERE id = 1 FOR UPDATE"],
  ["select for update of an alias", "SELECT * FROM accounts a JOIN orders o ON o.account_id = a.id FOR UPDATE OF a"],
  ["set an index's storage parameter", "ALTER INDEX orders_total_idx SET (fillfactor = 70)"],
  ["set a column's n_distinct", "ALTER TABLE orders ALTER COLUMN total SET (n_distinct = 100)"],
  ["set without cluster", "ALTER TABLE orders SET WITHOUT CLUSTER"],
  ["set a table unlogged", "ALTER TABLE archive SET UNLOGGED"],
  ["add an identity column", "ALTER TABLE archive ADD COLUMN seq int GENERATED ALWAYS AS IDENTITY"],
  ["add a stored generated column", "ALTER TABLE archive ADD COLUMN doubled int GENERATED ALWAYS AS (id * 2) STORED"],
  ["raise a numeric's precision at the same scale", "ALTER TABLE prices ALTER COLUMN amount TYPE numeric(9,2)"],
  ["change a numeric's scale", "ALTER TABLE prices ALTER COLUMN amount TYPE numeric(9,3)"],
  ["widen a varchar to a longer varchar", "ALTER TABLE prices ALTER COLUMN code TYPE varchar(16)"],
  ["reindex an index", "REINDEX INDEX orders_total_idx"],
  ["refresh a materialized view", "REFRESH MATERIALIZED VIEW order_totals"],
  ["create statistics", "CREATE STATISTICS orders_stats ON account_id, total FROM orders"],
  ["alter a sequence", "ALTER SEQUENCE invoice_numbers RESTART WITH 100"],
  ["create a table as a select", "CREATE TABLE order_copy AS SELECT * FROM orders"],
  ["create a materialized view", "CREATE MATERIALIZED VIEW account_names AS SELECT name FROM accounts"],
  ["move a table to another schema", "ALTER TABLE archive SET SCHEMA archive_schema"],
  ["create a rule", "CREATE RULE events_no_delete AS ON DELETE TO events DO INSTEAD NOTHING"],
  [
    "merge",
    "MERGE INTO archive a USING events e ON a.id = e.id WHEN MATCHED THEN UPDATE SET payload = e.payload WHEN NOT MATCHED THEN INSERT VALUES (e.id, e.payload)",
  ],
  // Foreign-key neighbours: the triggers of a foreign key lock the table at its other end.
  ["insert a row with a foreign key", "INSERT INTO carts VALUES (100, 1, 5)"],
  ["insert a row without the foreign key's column", "INSERT INTO carts (id, total) VALUES (101, 1)"],
  ["insert from a select of the referenced table", "INSERT INTO carts SELECT 102, id, 1 FROM customers WHERE id = 2"],
  ["update a foreign key column", "UPDATE carts SET customer_id = 3 WHERE id = 1"],
  ["update another column of a referencing table", "UPDATE carts SET total = 3 WHERE id = 1"],
  ["update a referenced key with ON UPDATE CASCADE", "UPDATE carts SET id = 500 WHERE id = 2"],
  ["delete with cascades, set null and a check", "DELETE FROM customers WHERE id = 1"],
  ["delete with one cascade", "DELETE FROM carts WHERE id = 3"],
  ["delete from the end of the chain", "DELETE FROM cart_lines WHERE id = 4"],
  ["truncate with cascade", "TRUNCATE customers CASCADE"],
  ["change the type of a referencing column", "ALTER TABLE carts ALTER COLUMN customer_id TYPE bigint"],
  ["change the type of a referenced column", "ALTER TABLE customers ALTER COLUMN id TYPE bigint"],
  ["drop a referenced primary key with cascade", "ALTER TABLE customers DROP CONSTRAINT customers_pkey CASCADE"],
  ["drop a referenced table with cascade", "DROP TABLE carts CASCADE"],
  ["select for update of a referencing table", "SELECT * FROM carts WHERE id = 1 FOR UPDATE"],
  // Partitions: a statement on a partitioned table reaches every partition.
  ["insert into a partitioned table", "INSERT INTO readings VALUES (1, '2024-03-01', 1)"],
  ["insert rows into two partitions", "INSERT INTO readings (v, at, id) VALUES (1, '2025-02-01', 1), (2, date '2024-02-01', 2)"],
  ["insert a row into the default partition", "INSERT INTO readings VALUES (1, '2040-01-01', 1)"],
  ["insert today's row into a partitioned table", "INSERT INTO readings VALUES (1, current_date, 1)"],
  ["insert a key computed by a function", "INSERT INTO readings VALUES (1, date_trunc('year', now())::date, 1)"],
  ["insert into a partition", "INSERT INTO readings_2024 VALUES (1, '2024-03-01', 1)"],
  ["update a partitioned table", "UPDATE readings SET v = 2 WHERE id = 1"],
  ["update a partition", "UPDATE readings_2024 SET v = 1"],
  ["delete from a partitioned table", "DELETE FROM readings WHERE id = 3"],
  ["delete from a partition", "DELETE FROM readings_2024 WHERE id = 1"],
  ["select from a partitioned table", "SELECT count(*) FROM readings"],
  ["select from a partition", "SELECT count(*) FROM readings_2025"],
  ["add a column to a partitioned table", "ALTER TABLE readings ADD COLUMN note text"],
  ["set not null on a partitioned table", "ALTER TABLE readings ALTER COLUMN v SET NOT NULL"],
  ["change a type on a partitioned table", "ALTER TABLE readings ALTER COLUMN v TYPE bigint"],
  ["add a check to a partitioned table", "ALTER TABLE readings ADD CONSTRAINT readings_v_check CHECK (v > 0)"],
  ["set a default on ONLY the partitioned table", "ALTER TABLE ONLY readings ALTER COLUMN v SET DEFAULT 0"],
  ["index a partitioned table", "CREATE INDEX readings_v_idx ON readings (v)"],
  ["attach a partition", "ALTER TABLE readings ATTACH PARTITION readings_2030 FOR VALUES FROM ('2030-01-01') TO ('2031-01-01')"],
  ["detach a partition", "ALTER TABLE readings DETACH PARTITION readings_2025"],
  ["create a partition", "CREATE TABLE readings_2027 PARTITION OF readings FOR VALUES FROM ('2027-01-01') TO ('2028-01-01')"],
  ["truncate a partitioned table", "TRUNCATE readings"],
  ["drop a partition", "DROP TABLE readings_2024"],
  ["lock a partitioned table", "LOCK TABLE readings IN SHARE MODE"],
  // Procedural code: what a DO block's PL/pgSQL runs, read with PostgreSQL's PL/pgSQL parser.
  [
    "a guarded ADD COLUMN in a DO block",
    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'customers' AND column_name = 'nick') THEN ALTER TABLE customers ADD COLUMN nick text; END IF; END $$",
  ],
  [
    "a DO block's EXECUTE of a literal and its DML",
    "DO $$ BEGIN EXECUTE 'CREATE INDEX events_payload_idx ON events (payload)'; UPDATE events SET kind = 'k' WHERE id = 2; END $$",
  ],
  ["select of a function of the schema", "SELECT recount()"],
  // More of ALTER TABLE.
  ["add a primary key", "ALTER TABLE events ADD PRIMARY KEY (id)"],
  ["add an exclusion constraint", "ALTER TABLE archive ADD CONSTRAINT archive_no_overlap EXCLUDE USING btree (id WITH =)"],
  ["rename a constraint", "ALTER TABLE accounts RENAME CONSTRAINT accounts_balance_check TO accounts_balance_positive"],
  ["drop a default", "ALTER TABLE orders ALTER COLUMN status DROP DEFAULT"],
  ["set a column's storage", "ALTER TABLE orders ALTER COLUMN status SET STORAGE EXTERNAL"],
  ["set a column's compression", "ALTER TABLE orders ALTER COLUMN status SET COMPRESSION pglz"],
  ["cluster on an index", "ALTER TABLE orders CLUSTER ON orders_total_idx"],
  ["reset a storage parameter", "ALTER TABLE events RESET (fillfactor)"],
  ["turn autovacuum off", "ALTER TABLE events SET (autovacuum_enabled = false)"],
  ["change the owner", "ALTER TABLE events OWNER TO CURRENT_USER"],
  ["set the replica identity", "ALTER TABLE events REPLICA IDENTITY FULL"],
  ["enable a trigger", "ALTER TABLE orders ENABLE TRIGGER orders_touch"],
  ["force row level security", "ALTER TABLE accounts FORCE ROW LEVEL SECURITY"],
  ["make a column an identity", "ALTER TABLE prices ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY"],
  ["change a type with USING", "ALTER TABLE archive ALTER COLUMN id SET DATA TYPE text USING id::text"],
  ["drop a column with cascade", "ALTER TABLE events DROP COLUMN kind CASCADE"],
  ["add a column that exists, IF NOT EXISTS", "ALTER TABLE accounts ADD COLUMN IF NOT EXISTS email text"],
  ["alter a table that does not exist, IF EXISTS", "ALTER TABLE IF EXISTS no_such_table ADD COLUMN x int"],
  ["validate a check that is valid", "ALTER TABLE accounts VALIDATE CONSTRAINT accounts_balance_check"],
  [
    "add a foreign key with cascade",
    "ALTER TABLE reviews ADD CONSTRAINT reviews_customer_fk2 FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE",
  ],
  ["drop a foreign key to a table with rows", "ALTER TABLE carts DROP CONSTRAINT carts_customer_id_fkey"],
  ["rename a referenced column", "ALTER TABLE customers RENAME COLUMN email TO mail"],
  ["rename a partitioned table", "ALTER TABLE readings RENAME TO readings_old"],
  // Indexes.
  ["create a partial index", "CREATE INDEX orders_open_idx ON orders (id) WHERE status = 'open'"],
  ["create a covering index", "CREATE INDEX orders_account_total_idx ON orders (account_id) INCLUDE (total)"],
  ["create an index that exists, IF NOT EXISTS", "CREATE INDEX IF NOT EXISTS orders_total_idx ON orders (total)"],
  ["create an expression index", "CREATE UNIQUE INDEX customers_email_lower_idx ON customers (lower(email))"],
  ["index a partition", "CREATE INDEX readings_2024_v_idx ON readings_2024 (v)"],
  ["drop an index that does not exist, IF EXISTS", "DROP INDEX IF EXISTS no_such_idx"],
  ["drop two indexes", "DROP INDEX orders_total_idx, order_totals_kind_idx"],
  ["rename an index", "ALTER INDEX orders_total_idx RENAME TO orders_total_index"],
  // Views, materialized views, sequences.
  ["replace a view", "CREATE OR REPLACE VIEW account_emails AS SELECT id, email FROM accounts WHERE id > 0"],
  ["drop a view", "DROP VIEW account_emails"],
  ["rename a view", "ALTER VIEW account_emails RENAME TO emails"],
  ["set a view column's default", "ALTER VIEW account_emails ALTER COLUMN email SET DEFAULT 'x'"],
  ["select from a view", "SELECT * FROM account_emails"],
  ["drop a materialized view", "DROP MATERIALIZED VIEW order_totals"],
  ["refresh a materialized view concurrently", "REFRESH MATERIALIZED VIEW CONCURRENTLY order_totals"],
  ["rename a materialized view", "ALTER MATERIALIZED VIEW order_totals RENAME TO order_totals_old"],
  ["create a sequence", "CREATE SEQUENCE ticket_numbers"],
  ["drop a sequence", "DROP SEQUENCE invoice_numbers"],
  ["take a sequence's next value", "SELECT nextval('invoice_numbers')"],
  ["own a sequence by a column", "ALTER SEQUENCE invoice_numbers OWNED BY accounts.id"],
  // Grants, comments, triggers, policies, tables made from others.
  ["grant on a table", "GRANT SELECT ON accounts TO PUBLIC"],
  ["revoke on a table", "REVOKE SELECT ON accounts FROM PUBLIC"],
  ["comment on a column", "COMMENT ON COLUMN accounts.email IS 'login'"],
  ["create a statement trigger", "CREATE TRIGGER events_audit AFTER INSERT ON events FOR EACH STATEMENT EXECUTE FUNCTION touch()"],
  ["replace a trigger", "CREATE OR REPLACE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch()"],
  ["rename a trigger", "ALTER TRIGGER orders_touch ON orders RENAME TO orders_touched"],
  ["drop a policy", "DROP POLICY accounts_positive ON accounts"],
  ["alter a policy", "ALTER POLICY accounts_positive ON accounts USING (balance > 0)"],
  ["create a table like another", "CREATE TABLE accounts_copy (LIKE accounts INCLUDING ALL)"],
  ["create a table that inherits", "CREATE TABLE archive_child (extra int) INHERITS (archive)"],
  // More DML.
  ["select for share", "SELECT * FROM accounts WHERE id = 1 FOR SHARE"],
  ["select for key share", "SELECT * FROM orders WHERE id = 1 FOR KEY SHARE"],
  ["select for no key update", "SELECT * FROM orders WHERE id = 1 FOR NO KEY UPDATE"],
  ["select a join", "SELECT * FROM accounts a JOIN orders o ON o.account_id = a.id"],
  ["a data-modifying WITH", "WITH moved AS (DELETE FROM archive RETURNING *) INSERT INTO events (id, payload) SELECT id, payload FROM moved"],
  ["update from another table", "UPDATE orders o SET total = a.balance FROM accounts a WHERE a.id = o.account_id"],
  ["delete using another table", "DELETE FROM orders USING accounts WHERE accounts.id = orders.account_id AND accounts.balance < 0"],
  ["insert on conflict do update", "INSERT INTO accounts (id, email) VALUES (1, 'x') ON CONFLICT (id) DO UPDATE SET email = excluded.email"],
  ["insert under a NOT VALID foreign key", "INSERT INTO orders VALUES (1000, 1, 5, 'open')"],
  ["update a row into another partition", "UPDATE readings SET at = '2025-06-01' WHERE id = 1"],
  ["delete every cart, cascading", "DELETE FROM carts"],
  ["analyze one column", "ANALYZE events (kind)"],
  ["lock two tables", "LOCK TABLE accounts, orders IN ACCESS EXCLUSIVE MODE"],
  ["lock in row exclusive mode", "LOCK TABLE events IN ROW EXCLUSIVE MODE"],
  ["lock only a partitioned table", "LOCK TABLE ONLY readings IN SHARE MODE"],
  ["truncate two tables", "TRUNCATE archive, events"],
  // Functions and procedures of the schema, read through their bodies.
  ["select of a SQL function that reads a table", "SELECT archive_count()"],
  ["select of a PL/pgSQL function that writes", "SELECT close_orders()"],
  ["call a procedure", "CALL bump_events()"],
  ["insert into a table whose trigger writes another", "INSERT INTO orders VALUES (1001, 2, 5, 'open')"],
  // A further set, on the same schema.
  ["add a column defaulting to now()", "ALTER TABLE events ADD COLUMN seen_at timestamptz DEFAULT now()"],
  ["add a serial column", "ALTER TABLE archive ADD COLUMN n serial"],
  ["add a generated column over a numeric", "ALTER TABLE prices ADD COLUMN twice numeric GENERATED ALWAYS AS (amount * 2) STORED"],
  ["change the type of an indexed column", "ALTER TABLE orders ALTER COLUMN total TYPE numeric"],
  ["make a foreign key deferrable", "ALTER TABLE carts ALTER CONSTRAINT carts_customer_id_fkey DEFERRABLE"],
  ["change the access method", "ALTER TABLE archive SET ACCESS METHOD heap"],
  ["disable every trigger", "ALTER TABLE orders DISABLE TRIGGER ALL"],
  ["disable a rule", "ALTER TABLE ruled DISABLE RULE ruled_no_delete"],
  ["an expression index", "CREATE INDEX events_lower_kind_idx ON events (lower(kind))"],
  ["index a materialized view", "CREATE INDEX order_totals_n_idx ON order_totals (n)"],
  ["a unique index on a partitioned table", "CREATE UNIQUE INDEX readings_id_at_idx ON readings (id, at)"],
  ["a trigger on a partitioned table", "CREATE TRIGGER readings_touch BEFORE UPDATE ON readings FOR EACH ROW EXECUTE FUNCTION touch()"],
  ["a NOT VALID check on a partitioned table", "ALTER TABLE readings ADD CONSTRAINT readings_v_pos CHECK (v >= 0) NOT VALID"],
  ["comment on an index", "COMMENT ON INDEX orders_total_idx IS 'totals'"],
  ["comment on a view", "COMMENT ON VIEW account_emails IS 'emails'"],
  // Partition maintenance and constraint validation beyond the forms above.
  ["detach the default partition", "ALTER TABLE gauges DETACH PARTITION gauges_other"],
  ["attach an index to a partitioned table's index", "ALTER INDEX gauges_only_v_idx ATTACH PARTITION gauges_2024_v_idx"],
  ["validate a check added NOT VALID", "ALTER TABLE events VALIDATE CONSTRAINT events_kind_check"],
  ["validate a check on a partitioned table", "ALTER TABLE gauges VALIDATE CONSTRAINT gauges_at_check"],
  // COMMENT ON every kind of object (PostgreSQL's CommentObject: a relation is taken SHARE UPDATE
  // EXCLUSIVE; an object of a table, ACCESS SHARE on its table; anything else, an object lock only).
  ["comment on a materialized view", "COMMENT ON MATERIALIZED VIEW order_totals IS 'totals'"],
  ["comment on a sequence", "COMMENT ON SEQUENCE invoice_numbers IS 'numbers'"],
  ["comment on a column of a view", "COMMENT ON COLUMN account_emails.email IS 'login'"],
  ["comment on a column of a materialized view", "COMMENT ON COLUMN order_totals.n IS 'count'"],
  ["comment on a table's constraint", "COMMENT ON CONSTRAINT accounts_balance_check ON accounts IS 'never negative'"],
  ["comment on a primary key", "COMMENT ON CONSTRAINT orders_pkey ON orders IS 'key'"],
  ["comment on a trigger", "COMMENT ON TRIGGER orders_touch ON orders IS 'touch'"],
  ["comment on a policy", "COMMENT ON POLICY accounts_positive ON accounts IS 'positive'"],
  ["comment on a rule", "COMMENT ON RULE ruled_no_delete ON ruled IS 'keep'"],
  ["comment on a partitioned table", "COMMENT ON TABLE readings IS 'readings'"],
  ["comment on a function", "COMMENT ON FUNCTION recount() IS 'one'"],
  ["comment on a procedure", "COMMENT ON PROCEDURE bump_events() IS 'bump'"],
  ["comment on a schema", "COMMENT ON SCHEMA archive_schema IS 'old'"],
  ["comment on a type", "COMMENT ON TYPE accounts IS 'row type'"],
  ["comment on a domain's constraint", "COMMENT ON CONSTRAINT lock_positive_check ON DOMAIN lock_positive IS 'positive'"],
  ["comment on a domain", "COMMENT ON DOMAIN lock_positive IS 'positive'"],
  ["comment on extended statistics", "COMMENT ON STATISTICS orders_comment_stats IS 'stats'"],
  ["truncate restarting identity", "TRUNCATE archive RESTART IDENTITY"],
  ["create a table with a serial key", "CREATE TABLE tickets (id serial PRIMARY KEY, note text)"],
  ["update with a subquery", "UPDATE orders SET total = (SELECT max(balance) FROM accounts) WHERE id = 3"],
  ["delete returning", "DELETE FROM archive WHERE id = 1 RETURNING *"],
  ["select for update skip locked", "SELECT * FROM orders WHERE status = 'open' FOR UPDATE SKIP LOCKED"],
  ["select into a new table", "SELECT * INTO orders_backup FROM orders"],
  ["insert from a partitioned table", "INSERT INTO archive SELECT id, 'r' FROM readings"],
  ["drop a function with its triggers", "DROP FUNCTION touch() CASCADE"],
  ["replace a function", "CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"],
  ["create an enum type", "CREATE TYPE mood AS ENUM ('calm')"],
  ["lock a view", "LOCK TABLE account_emails IN ACCESS SHARE MODE"],
  ["move a view to another schema", "ALTER VIEW account_emails SET SCHEMA archive_schema"],
  ["rename a column of a view", "ALTER VIEW account_emails RENAME COLUMN email TO address"],
  ["drop a table a view reads, cascading", "DROP TABLE accounts CASCADE"],
  ["drop a schema with cascade", "DROP SCHEMA archive_schema CASCADE"],
  ["a DO block that calls a function", "DO $$ BEGIN PERFORM close_orders(); END $$"],
  [
    "a DO block with a loop over a query",
    "DO $$ DECLARE r record; BEGIN FOR r IN SELECT id FROM carts LOOP UPDATE carts SET total = total WHERE id = r.id; END LOOP; END $$",
  ],
  ["an update through a view", "UPDATE account_emails SET email = 'x' WHERE id = 1"],
  ["insert through a view", "INSERT INTO account_emails (id, email) VALUES (900, 'v@x')"],
  ["insert into a serial table", "INSERT INTO numbered (note) VALUES ('a')"],
  ["insert into a serial table with the key given", "INSERT INTO numbered (id, note) VALUES (7, 'a')"],
  ["insert into an identity table", "INSERT INTO counted (note) VALUES ('a')"],
  ["set a sequence's value", "SELECT setval('invoice_numbers', 10)"],
  ["nextval of a regclass literal", "SELECT nextval('invoice_numbers'::regclass)"],
  ["an upsert of a row that exists", "INSERT INTO orders VALUES (1, 1, 5, 'open') ON CONFLICT (id) DO UPDATE SET total = 6"],
]

// Where the plan may name more than the server took, and why. An upsert of a row that exists
// updates it: the plan names what inserting would take too (the foreign key's check, the insert
// trigger's writes), which the server takes only for rows it inserts.
// A partition key computed by a function (not a constant, not the clock) is not evaluated, so
// every partition is named.
const mayBeStronger = ["an upsert of a row that exists", "insert a key computed by a function"]

const strongest = (rows: ReadonlyArray<{ relation: string; mode: LockMode }>) => {
  const by = new Map<string, LockMode>()
  for (const { relation, mode } of rows) {
    const was = by.get(relation)
    if (was === undefined || lockModes.indexOf(mode) > lockModes.indexOf(was)) by.set(relation, mode)
  }
  return Object.fromEntries([...by].sort(([a], [b]) => a.localeCompare(b)))
}

const planAll = (url: string, texts: ReadonlyArray<string>): Promise<ReadonlyArray<LockPlan>> =>
  Effect.runPromise(
    Effect.flatMap(Database, (db) =>
      Effect.forEach(texts, (text) => planLocks(db, [{ version: 1, name: "001_case.sql", sql: text, transactional: true }])),
    ).pipe(Effect.provide(databaseFor(serverSettings(url)))),
  )

const plan = (url: string, text: string): Promise<LockPlan> => planAll(url, [text]).then(([one]) => one as LockPlan)

describe("aim plan predicts the locks PostgreSQL takes", () => {
  it(`names the same relations and lock modes as pg_locks, and rewrites as relfilenode, for ${statements.length} statement kinds`, async () => {
    const url = database().url
    await sql(url, schema)
    const mismatches: Array<string> = []
    const counts = { exact: 0, stronger: 0, weaker: 0 }
    const stronger: Array<string> = []
    // Every statement planned through one connection pool (each statement runs in its own transaction
    // below and is rolled back, so the catalog each plan reads is the same).
    const plans = await planAll(
      url,
      statements.map(([, text]) => text),
    )
    for (const [index, [name, text]] of statements.entries()) {
      const predicted = plans[index]?.pending[0]?.statements[0]
      // A session of its own per statement, as each aim migrate run opens one: what one statement
      // took is never hidden by what the session cached from the one before (a partition's bound).
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        await client.query("BEGIN")
        // Relations that exist before the statement, by oid: a relation it creates is its own, locked by
        // nobody else, and one it renames or drops is named as it was.
        const before = await client.query<{ oid: number; relname: string; relkind: string; relfilenode: number }>(
          "SELECT oid, relname, relkind::text AS relkind, relfilenode FROM pg_class WHERE relnamespace = 'public'::regnamespace",
        )
        const existing = new Map(before.rows.map((r) => [Number(r.oid), r]))
        try {
          const ran = await client.query(text).then(
            () => undefined,
            (e: Error) => e.message,
          )
          if (ran !== undefined) {
            mismatches.push(`${name} (${text}) fails on the server: ${ran}`)
            continue
          }
          const locks = await client.query<{ oid: number; mode: LockMode }>(
            "SELECT relation AS oid, mode FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation' AND granted",
          )
          const held = locks.rows.flatMap((l) => {
            const relation = existing.get(Number(l.oid))
            return relation === undefined ? [] : [{ relation: relation.relname, relkind: relation.relkind, mode: l.mode }]
          })
          const named = new Set((predicted?.locks ?? []).map((l) => l.relation))
          // Tables, views and sequences always; an index only when the statement names it (DML and scans touch every index).
          const observed: Record<string, LockMode> = strongest(held.filter((r) => ["r", "p", "v", "m", "S"].includes(r.relkind) || named.has(r.relation)))
          const expected: Record<string, LockMode> = strongest(predicted?.locks ?? [])
          // Weaker: a relation the server locked that the plan does not name, or names in a weaker mode.
          const weaker = Object.entries(observed).filter(([relation, mode]) => {
            const planned = expected[relation]
            return planned === undefined || lockModes.indexOf(planned) < lockModes.indexOf(mode)
          })
          const exact = weaker.length === 0 && JSON.stringify(observed) === JSON.stringify(expected)
          counts[exact ? "exact" : weaker.length > 0 ? "weaker" : "stronger"]++
          if (!exact && weaker.length === 0) stronger.push(name)
          if (!exact && !(weaker.length === 0 && mayBeStronger.includes(name))) {
            mismatches.push(`${name} (${text}): plan ${JSON.stringify(expected)}, pg_locks ${JSON.stringify(observed)}`)
          }
          // A rewrite writes a new copy of the table: its relfilenode changes. (TRUNCATE gives it new,
          // empty storage without copying a row: no rewrite.)
          const after = await client.query<{ oid: number; relfilenode: number }>(
            "SELECT oid, relfilenode FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'm')",
          )
          const rewritten = after.rows.some((r) => {
            const was = existing.get(Number(r.oid))
            return was !== undefined && Number(was.relfilenode) !== Number(r.relfilenode)
          })
          if (predicted?.kind !== "TRUNCATE" && rewritten !== predicted?.rewrite) {
            mismatches.push(
              `${name} (${text}): plan says ${predicted?.rewrite ? "a rewrite" : "no rewrite"}, relfilenode says ${rewritten ? "rewritten" : "not"}`,
            )
          }
        } finally {
          await client.query("ROLLBACK")
        }
      } finally {
        await client.end()
      }
    }
    expect(statements.length).toBeGreaterThanOrEqual(140)
    expect(mismatches).toEqual([])
    // Never weaker than the server; stronger only where listed above.
    expect(counts.weaker).toBe(0)
    expect(counts.exact).toBeGreaterThanOrEqual(statements.length - mayBeStronger.length)
    process.stdout.write(`lock forms against pg_locks: ${JSON.stringify(counts)} of ${statements.length}; stronger: ${stronger.join(", ")}\n`)
  })

  it("names each relation's live size and rates a write-blocking index build on 100,000 rows high, with the safer form", async () => {
    const url = database().url
    await sql(url, "CREATE TABLE big (id int, payload text); INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, 100000) g; ANALYZE big")
    const text =
      "-- aim:no-transaction\nCREATE INDEX big_payload_idx ON big (payload);\nCREATE INDEX CONCURRENTLY big_id_idx ON big (id);\nALTER TABLE big ADD COLUMN note text;"
    const result = await Effect.runPromise(
      Effect.flatMap(Database, (db) => planLocks(db, [{ version: 1, name: "001_case.sql", sql: text, transactional: false }])).pipe(
        Effect.provide(databaseFor(serverSettings(url))),
      ),
    )
    expect(result.relations).toEqual([{ name: "big", rows: 100_000, bytes: expect.any(Number) }])
    expect(result.relations[0]?.bytes).toBeGreaterThan(4_000_000)
    const [build, concurrent, add] = result.pending[0]?.statements ?? []
    expect(build).toMatchObject({ line: 2, kind: "CREATE INDEX", locks: [{ relation: "big", mode: "ShareLock" }], scan: true, risk: "high" })
    expect(build?.advice).toMatch(/CONCURRENTLY/)
    expect(concurrent).toMatchObject({
      line: 3,
      kind: "CREATE INDEX CONCURRENTLY",
      locks: [{ relation: "big", mode: "ShareUpdateExclusiveLock" }],
      risk: "medium",
    })
    expect(add).toMatchObject({ line: 4, kind: "ALTER TABLE … ADD COLUMN", rewrite: false, risk: "low" })
    expect(add?.advice).toMatch(/lock_timeout/)
    expect(result.pending[0]?.risk).toBe("high")

    // The same concurrent build in a file that runs in a transaction fails there: the plan says so.
    const inTransaction = await plan(url, "CREATE INDEX CONCURRENTLY big_id_idx ON big (id);")
    expect(inTransaction.pending[0]?.statements[0]).toMatchObject({
      risk: "high",
      advice: expect.stringMatching(/refuses CREATE INDEX CONCURRENTLY inside a transaction.*-- aim:no-transaction/),
    })
  })

  it("counts a table that was never analysed instead of printing -1 rows", async () => {
    const url = database().url
    await sql(url, "CREATE TABLE fresh_rows (id int); INSERT INTO fresh_rows SELECT generate_series(1, 1234)")
    const result = await plan(url, "ALTER TABLE fresh_rows ALTER COLUMN id TYPE bigint")
    expect(result.relations).toEqual([{ name: "fresh_rows", rows: 1234, bytes: expect.any(Number) }])
    expect(result.pending[0]?.statements[0]).toMatchObject({ rewrite: true, risk: "low" })
  })
})

describe("IF EXISTS against what exists when the statement runs", () => {
  it("a relation an earlier pending statement creates is locked; one nothing creates (a column's new name included) is not", async () => {
    const url = database().url
    const result = await plan(
      url,
      `CREATE TABLE if_exists_new (id int);
       ALTER TABLE IF EXISTS if_exists_new ADD COLUMN note text;
       ALTER TABLE IF EXISTS if_exists_new RENAME COLUMN note TO if_exists_later;
       ALTER TABLE IF EXISTS if_exists_later ADD COLUMN y int;
       ALTER TABLE if_exists_new RENAME TO if_exists_renamed;
       ALTER TABLE IF EXISTS if_exists_renamed ADD COLUMN z int;`,
    )
    expect(result.pending[0]?.statements.map((s) => s.locks)).toEqual([
      [],
      [{ relation: "if_exists_new", mode: "AccessExclusiveLock" }],
      [{ relation: "if_exists_new", mode: "AccessExclusiveLock" }],
      [],
      [{ relation: "if_exists_new", mode: "AccessExclusiveLock" }],
      [{ relation: "if_exists_renamed", mode: "AccessExclusiveLock" }],
    ])
  })
})

describe("locks held until the transaction commits", () => {
  it("an AccessExclusiveLock taken early is held through a later index build: high, with the reorder advice; in two files, not", async () => {
    const url = database().url
    await sql(
      url,
      "CREATE TABLE IF NOT EXISTS held_big (id int, payload text); INSERT INTO held_big SELECT g, md5(g::text) FROM generate_series(1, 120000) g; ANALYZE held_big",
    )
    const file = (version: number, text: string, transactional = true) => ({ version, name: `00${version}_case.sql`, sql: text, transactional })
    const together = await Effect.runPromise(
      Effect.flatMap(Database, (db) =>
        planLocks(db, [file(1, "ALTER TABLE held_big ADD COLUMN note text;\nCREATE INDEX held_big_payload_idx ON held_big (payload);")]),
      ).pipe(Effect.provide(databaseFor(serverSettings(url)))),
    )
    const build = together.pending[0]?.statements[1]
    expect(build?.risk).toBe("high")
    expect(build?.advice).toMatch(/holds AccessExclusiveLock on held_big until it commits.*own file/)
    const apart = await Effect.runPromise(
      Effect.flatMap(Database, (db) =>
        planLocks(db, [
          file(1, "ALTER TABLE held_big ADD COLUMN note text;"),
          file(2, "CREATE INDEX CONCURRENTLY held_big_payload_idx ON held_big (payload);", false),
        ]),
      ).pipe(Effect.provide(databaseFor(serverSettings(url)))),
    )
    expect(apart.pending.map((f) => f.risk)).toEqual(["low", "medium"])
  })
})

describe("aim plan never runs a user's function", () => {
  it("a partition key of a user's domain is not routed by evaluating it: no function of the database runs, and the plan names every partition", async () => {
    const url = database().url
    await sql(
      url,
      `CREATE TABLE spied (at timestamptz DEFAULT now());
       CREATE FUNCTION spy(int) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN INSERT INTO spied DEFAULT VALUES; RETURN true; END $$;
       CREATE DOMAIN spykey AS int CHECK (spy(VALUE));
       CREATE TABLE spy_routed (k spykey, v text) PARTITION BY RANGE (k);
       CREATE TABLE spy_routed_low PARTITION OF spy_routed FOR VALUES FROM (0) TO (100);
       CREATE TABLE spy_routed_high PARTITION OF spy_routed FOR VALUES FROM (100) TO (200);`,
    )
    // Creating the partitions checked their bounds against the domain: that ran it already.
    const before = await sql(url, "SELECT count(*)::int AS n FROM spied")
    const result = await plan(url, "INSERT INTO spy_routed VALUES (5, 'x')")
    expect(await sql(url, "SELECT count(*)::int AS n FROM spied")).toEqual(before)
    const relations = result.pending[0]?.statements[0]?.locks.map((l) => l.relation)
    expect(relations).toEqual(expect.arrayContaining(["spy_routed", "spy_routed_low", "spy_routed_high"]))
  })
})

// Statements PostgreSQL runs outside a transaction, in phases (each CONCURRENTLY form, VACUUM): what
// they lock is observed while they run. A second session holds a lock on the relations involved, so
// every lock the statement requests that conflicts with it waits where pg_locks shows it, however
// briefly it would be held (DETACH … CONCURRENTLY's ACCESS EXCLUSIVE on the partition in its second
// transaction); each time the statement waits, the holder commits and takes its lock again, so every
// phase is reached and watched. Each form runs twice: the holder as a reader (ACCESS SHARE on the
// tables, and on their indexes through a query's planning), which every ACCESS EXCLUSIVE request
// waits for; and in SHARE UPDATE EXCLUSIVE, which the weaker modes the phases take wait for.
const outsideTransaction: ReadonlyArray<readonly [name: string, text: string, tables: string]> = [
  ["create an index concurrently", "CREATE INDEX CONCURRENTLY phased_note_idx ON phased (note)", "phased"],
  ["create a unique index concurrently", "CREATE UNIQUE INDEX CONCURRENTLY phased_code_key ON phased (code)", "phased"],
  ["drop an index concurrently", "DROP INDEX CONCURRENTLY phased_total_idx", "phased"],
  ["reindex an index concurrently", "REINDEX INDEX CONCURRENTLY phased_total_idx", "phased"],
  ["reindex a table concurrently", "REINDEX TABLE CONCURRENTLY phased", "phased"],
  ["detach a partition concurrently", "ALTER TABLE phased_parts DETACH PARTITION phased_parts_2 CONCURRENTLY", "phased_parts, phased_parts_2"],
  ["vacuum a table", "VACUUM phased", "phased"],
  ["vacuum and analyze a table", "VACUUM (ANALYZE) phased", "phased"],
  ["vacuum full", "VACUUM FULL phased", "phased"],
]

// Two forms take ACCESS EXCLUSIVE right after their last wait for other transactions: DROP INDEX
// CONCURRENTLY on the index at its very end (PostgreSQL's index_drop: "leave nothing to chance"), and
// DETACH … CONCURRENTLY on the partition in its second transaction. A holder is not always back in
// place by then, so pg_locks shows it in most runs, not all (PostgreSQL 18 under load missed each
// about once in four): a form is watched up to three times until pg_locks shows what the plan says;
// these two may then still be planned stronger than seen, never weaker.
const mayBeUnseen = ["drop an index concurrently", "detach a partition concurrently"]
const watches = 3

const phasedSchema = `
  CREATE TABLE phased (id int PRIMARY KEY, code int, note text, total int);
  CREATE INDEX phased_total_idx ON phased (total);
  INSERT INTO phased SELECT g, g, md5(g::text), g FROM generate_series(1, 2000) g;
  CREATE TABLE phased_parts (id int, at date) PARTITION BY RANGE (at);
  CREATE TABLE phased_parts_1 PARTITION OF phased_parts FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');
  CREATE TABLE phased_parts_2 PARTITION OF phased_parts FOR VALUES FROM ('2026-02-01') TO ('2026-03-01');
`

/**
 * Every relation lock `text` requests while it runs (held or waited for). Two holder sessions take
 * turns: when the statement waits, the other one takes the lock first, and only then does the current
 * one commit, so that a lock the statement requests right after a wait finds a holder there too,
 * however briefly it would hold it. A holder never queues (lock_timeout of a few milliseconds): it
 * takes its lock at once or not at all, so it is never part of a deadlock with the statement.
 */
const observeOutsideTransaction = async (url: string, text: string, tables: string, mode: "ACCESS SHARE" | "SHARE UPDATE EXCLUSIVE") => {
  const [runner, watcher, ...holders] = [new pg.Client(url), new pg.Client(url), new pg.Client(url), new pg.Client(url)]
  await Promise.all([runner, watcher, ...holders].map((c) => c.connect()))
  try {
    const pid = (await runner.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid
    const seen: Array<{ relation: string; relkind: string; mode: LockMode }> = []
    const hold = async (index: number): Promise<number | undefined> => {
      const holder = holders[index] as pg.Client
      try {
        await holder.query("BEGIN")
        await holder.query("SET LOCAL lock_timeout = '5ms'")
        await holder.query(`LOCK TABLE ${tables} IN ${mode} MODE`)
        // A reader's planning opens every index of the table: ACCESS SHARE on each.
        if (mode === "ACCESS SHARE") await holder.query(`SELECT 1 FROM ${tables.split(",")[0]} LIMIT 0`)
        return index
      } catch {
        await holder.query("ROLLBACK")
        return undefined
      }
    }
    let current = await hold(0)
    let done = false
    let failed: string | undefined
    const ran = runner.query(text).then(
      () => {
        done = true
      },
      (e: Error) => {
        done = true
        failed = e.message
      },
    )
    const deadline = Date.now() + 30_000
    while (!done && Date.now() < deadline) {
      const rows = await watcher.query<{ relname: string; relkind: string; mode: LockMode; waiting: boolean }>(
        `SELECT c.relname, c.relkind::text AS relkind, l.mode, a.wait_event_type = 'Lock' AS waiting
           FROM pg_stat_activity a LEFT JOIN pg_locks l ON l.pid = a.pid AND l.locktype = 'relation'
           LEFT JOIN pg_class c ON c.oid = l.relation AND c.relnamespace = 'public'::regnamespace
          WHERE a.pid = $1`,
        [pid],
      )
      for (const r of rows.rows) if (r.relname !== null) seen.push({ relation: r.relname, relkind: r.relkind, mode: r.mode })
      // A wait lasts until a holder commits, so a look every few milliseconds misses none, and leaves
      // the machine's cores to the other test files.
      await new Promise((resolve) => setTimeout(resolve, 1))
      if (current === undefined) current = await hold(0)
      else if (rows.rows.some((r) => r.waiting)) {
        const next = await hold(1 - current)
        await (holders[current] as pg.Client).query("COMMIT")
        current = next
      }
    }
    await ran
    if (current !== undefined) await (holders[current] as pg.Client).query("COMMIT")
    return { seen, failed }
  } finally {
    await Promise.all([runner, watcher, ...holders].map((c) => c.end()))
  }
}

/**
 * One watch of a form under both holders: undefined when pg_locks shows exactly what the plan names,
 * else why not ("weaker …", "stronger …", "fails …").
 */
const watchOnce = async (url: string, name: string, text: string, tables: string): Promise<string | undefined> => {
  const seen: Array<{ relation: string; relkind: string; mode: LockMode }> = []
  let existing = new Set<string>()
  let predicted: PlannedStatement | undefined
  for (const mode of ["ACCESS SHARE", "SHARE UPDATE EXCLUSIVE"] as const) {
    await sql(url, `DROP TABLE IF EXISTS phased, phased_parts, phased_parts_1, phased_parts_2 CASCADE; ${phasedSchema}`)
    const before = await sql<{ relname: string }>(url, "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace")
    existing = new Set(before.map((r) => r.relname))
    predicted = (await plan(url, `-- aim:no-transaction\n${text}`)).pending[0]?.statements[0]
    const observed = await observeOutsideTransaction(url, text, tables, mode)
    if (observed.failed !== undefined) return `fails: ${name} (${text}) fails on the server: ${observed.failed}`
    seen.push(...observed.seen)
  }
  const named = new Set((predicted?.locks ?? []).map((l) => l.relation))
  // As in the transactional test: tables always, an index when the plan names it; not what the statement creates.
  const observed = strongest(seen.filter((r) => existing.has(r.relation) && (["r", "p", "v", "m", "S"].includes(r.relkind) || named.has(r.relation))))
  const expected = strongest(predicted?.locks ?? [])
  const weaker = Object.entries(observed).filter(([relation, mode]) => {
    const planned = expected[relation]
    return planned === undefined || lockModes.indexOf(planned) < lockModes.indexOf(mode)
  })
  if (weaker.length === 0 && JSON.stringify(observed) === JSON.stringify(expected)) return undefined
  return `${weaker.length > 0 ? "weaker" : "stronger"}: ${name} (${text}): plan ${JSON.stringify(expected)}, pg_locks ${JSON.stringify(observed)}`
}

describe("aim plan predicts the locks of statements that run outside a transaction, at each of their phases", () => {
  it(`names every relation and the strongest mode pg_locks shows while ${outsideTransaction.length} forms run (CONCURRENTLY, VACUUM)`, async () => {
    const url = database().url
    const mismatches: Array<string> = []
    for (const [name, text, tables] of outsideTransaction) {
      let verdict: string | undefined
      for (let watch = 1; watch <= watches; watch++) {
        verdict = await watchOnce(url, name, text, tables)
        if (verdict === undefined || verdict.startsWith("weaker") || verdict.startsWith("fails")) break
      }
      if (verdict !== undefined && !(verdict.startsWith("stronger") && mayBeUnseen.includes(name))) mismatches.push(verdict)
    }
    expect(mismatches).toEqual([])
  }, 120_000)
})
