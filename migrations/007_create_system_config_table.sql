-- 007_create_system_config_table: key/value system configuration.

CREATE TABLE IF NOT EXISTS system_config (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  key         varchar(255) NOT NULL UNIQUE,
  value       text NOT NULL,
  description text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE OR REPLACE TRIGGER system_config_set_updated_at
  BEFORE UPDATE ON system_config FOR EACH ROW EXECUTE FUNCTION set_updated_at();
