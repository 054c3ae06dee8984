-- 007_create_system_config_table: key/value system configuration.
-- Written from the AIM backend's own database at its current release (the contract): every table,
-- column, constraint and index exactly as the backend builds it, under the backend's names. Tables
-- that exist are left to 022, which converges databases built before.

CREATE TABLE IF NOT EXISTS system_config (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  key character varying(255) NOT NULL,
  value text NOT NULL,
  description text,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT system_config_pkey PRIMARY KEY (id),
  CONSTRAINT system_config_key_key UNIQUE (key)
);

-- Each object below is created only where it is missing: IF NOT EXISTS on an index, a column or a
-- trigger would take its table's lock just to find it there, beside a running backend.
DO $$
BEGIN
  IF to_regclass('idx_system_config_key') IS NULL THEN
    CREATE INDEX idx_system_config_key ON system_config USING btree (key);
  END IF;
END;
$$;
