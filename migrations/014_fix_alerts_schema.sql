-- 014_fix_alerts_schema: repairs alerts tables created before the acknowledgement columns existed.
-- Written from the AIM backend's own database at its current release (the contract): every table,
-- column, constraint and index exactly as the backend builds it, under the backend's names. Tables
-- that exist are left to 022, which converges databases built before.

-- Each object below is created only where it is missing: IF NOT EXISTS on an index, a column or a
-- trigger would take its table's lock just to find it there, beside a running backend.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'alerts'::regclass AND attname = 'description' AND NOT attisdropped) THEN
    ALTER TABLE alerts ADD COLUMN description text;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'alerts'::regclass AND attname = 'resource_type' AND NOT attisdropped) THEN
    ALTER TABLE alerts ADD COLUMN resource_type character varying(50);
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'alerts'::regclass AND attname = 'resource_id' AND NOT attisdropped) THEN
    ALTER TABLE alerts ADD COLUMN resource_id uuid;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'alerts'::regclass AND attname = 'is_acknowledged' AND NOT attisdropped) THEN
    ALTER TABLE alerts ADD COLUMN is_acknowledged boolean DEFAULT false NOT NULL;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'alerts'::regclass AND attname = 'acknowledged_by' AND NOT attisdropped) THEN
    ALTER TABLE alerts ADD COLUMN acknowledged_by uuid REFERENCES users(id);
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'alerts'::regclass AND attname = 'acknowledged_at' AND NOT attisdropped) THEN
    ALTER TABLE alerts ADD COLUMN acknowledged_at timestamp without time zone;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'alerts'::regclass AND attname = 'created_at' AND NOT attisdropped) THEN
    ALTER TABLE alerts ADD COLUMN created_at timestamp without time zone DEFAULT now() NOT NULL;
  END IF;
  IF to_regclass('idx_alerts_created_at') IS NULL THEN
    CREATE INDEX idx_alerts_created_at ON alerts USING btree (created_at DESC);
  END IF;
  IF to_regclass('idx_alerts_is_acknowledged') IS NULL THEN
    CREATE INDEX idx_alerts_is_acknowledged ON alerts USING btree (is_acknowledged);
  END IF;
END;
$$;
