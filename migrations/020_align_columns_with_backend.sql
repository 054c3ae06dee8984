-- 020_align_columns_with_backend: when an agent was last active (the backend writes it on every
-- authenticated call), as its current release keeps it.
--
-- This file also records, for the backend's runner, its release's files that aim does not repeat
-- here: 023 (the api_keys prefix width, part of the contract 022 converges), 024/025 (a setting added
-- then removed again), 030/031 (the trust-score scale, which 022 converges after copying every old
-- value), 033 (a backfill of rows that only a backend of that release wrote), and the two that set the
-- admin password back to the published default (034_reset_admin_password.sql,
-- 038_fix_admin_password_again.sql). aim never resets a password; recording their names is what stops
-- a backend start from running them.

-- Each object below is created only where it is missing: IF NOT EXISTS on an index, a column or a
-- trigger would take its table's lock just to find it there, beside a running backend.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'agents'::regclass AND attname = 'last_active' AND NOT attisdropped) THEN
    ALTER TABLE agents ADD COLUMN last_active timestamp without time zone;
  END IF;
  IF to_regclass('idx_agents_last_active') IS NULL THEN
    CREATE INDEX idx_agents_last_active ON agents USING btree (last_active DESC);
  END IF;
END;
$$;
