-- 023_converge_audit_logs: audit_logs as the backend's current release has it, in a transaction of its
-- own that locks audit_logs alone (022 converges every other table; 024 and 025 its foreign key to
-- users): on a database aim 0.1.0/0.2.0 built, its "timestamp" goes back to the backend's timestamp
-- (a rewrite of the table, at the zone the backend writes in: UTC, or aim.timestamp_zone;
-- aim_migrations.conversions records the zone), user_id and resource_id are NOT NULL again, and the
-- backend's indexes on action, resource and user are built. Holding no other table, it never waits for
-- a request that waits for it. On a
-- database that already has them (the backend's own, at any release) it reads the catalog and takes no
-- lock. Rows without a user or a resource stop it (SQLSTATE AIM02, naming them): aim changes no row.

DO $$
DECLARE
  bad text;
BEGIN
  IF (SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'audit_logs'::regclass AND attname = 'timestamp')
     <> 'timestamp without time zone' THEN
    INSERT INTO aim_migrations.conversions (table_name, column_name, from_type, to_type, at_zone, migration)
    VALUES ('audit_logs', 'timestamp', 'timestamp with time zone', 'timestamp without time zone',
            coalesce(nullif(current_setting('aim.timestamp_zone', true), ''), 'UTC'), '023_converge_audit_logs.sql');
    ALTER TABLE audit_logs ALTER COLUMN "timestamp" TYPE timestamp
      USING "timestamp" AT TIME ZONE coalesce(nullif(current_setting('aim.timestamp_zone', true), ''), 'UTC');
  END IF;
  IF NOT (SELECT attnotnull FROM pg_attribute WHERE attrelid = 'audit_logs'::regclass AND attname = 'user_id')
     OR NOT (SELECT attnotnull FROM pg_attribute WHERE attrelid = 'audit_logs'::regclass AND attname = 'resource_id') THEN
    SELECT string_agg(id::text, ', ') INTO bad
      FROM (SELECT id FROM audit_logs WHERE user_id IS NULL OR resource_id IS NULL LIMIT 5) r;
    IF bad IS NOT NULL THEN
      RAISE EXCEPTION 'rows of audit_logs have no user_id or resource_id (the backend''s schema requires both): %', bad
        USING ERRCODE = 'AIM02',
              HINT = 'These are audit rows of deleted users that aim 0.1.0/0.2.0 kept: export them if you need them, delete them, then run aim migrate again.';
    END IF;
    ALTER TABLE audit_logs ALTER COLUMN user_id SET NOT NULL, ALTER COLUMN resource_id SET NOT NULL;
  END IF;
  IF to_regclass('idx_audit_logs_action') IS NULL THEN
    CREATE INDEX idx_audit_logs_action ON audit_logs USING btree (action);
  END IF;
  IF to_regclass('idx_audit_logs_resource') IS NULL THEN
    CREATE INDEX idx_audit_logs_resource ON audit_logs USING btree (resource_type, resource_id);
  END IF;
  IF to_regclass('idx_audit_logs_user_id') IS NULL THEN
    CREATE INDEX idx_audit_logs_user_id ON audit_logs USING btree (user_id);
  END IF;
END;
$$;
