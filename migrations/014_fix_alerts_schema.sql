-- 014_fix_alerts_schema: repairs alerts tables created before the acknowledgement columns existed.
-- Succeeds both on such a database and on a fresh one (where 001 already created every column).

ALTER TABLE alerts ADD COLUMN IF NOT EXISTS description text;
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS resource_type varchar(50);
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS resource_id uuid;
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS is_acknowledged boolean NOT NULL DEFAULT false;
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS acknowledged_by uuid REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS acknowledged_at timestamptz;
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT now();

-- aim:lint-ignore index-locks-table: these indexes are what 014 repairs; on older databases alerts was small
CREATE INDEX IF NOT EXISTS idx_alerts_is_acknowledged ON alerts (is_acknowledged);
CREATE INDEX IF NOT EXISTS idx_alerts_organization_id ON alerts (organization_id);
CREATE INDEX IF NOT EXISTS idx_alerts_alert_type ON alerts (alert_type);
CREATE INDEX IF NOT EXISTS idx_alerts_severity ON alerts (severity);
CREATE INDEX IF NOT EXISTS idx_alerts_created_at ON alerts (created_at DESC);
