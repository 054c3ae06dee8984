-- 006_add_password_hash_column: password authentication for local users.
-- Written from the AIM backend's own database at its current release (the contract): every table,
-- column, constraint and index exactly as the backend builds it, under the backend's names. Tables
-- that exist are left to 022, which converges databases built before.

-- Each object below is created only where it is missing: IF NOT EXISTS on an index, a column or a
-- trigger would take its table's lock just to find it there, beside a running backend.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'password_hash' AND NOT attisdropped) THEN
    ALTER TABLE users ADD COLUMN password_hash text;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'email_verified' AND NOT attisdropped) THEN
    ALTER TABLE users ADD COLUMN email_verified boolean DEFAULT false;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'force_password_change' AND NOT attisdropped) THEN
    ALTER TABLE users ADD COLUMN force_password_change boolean DEFAULT false;
  END IF;
  IF to_regclass('idx_users_email_hash') IS NULL THEN
    CREATE INDEX idx_users_email_hash ON users USING btree (email, password_hash);
  END IF;
  IF to_regclass('idx_users_email_verified') IS NULL THEN
    CREATE INDEX idx_users_email_verified ON users USING btree (email_verified);
  END IF;
END;
$$;
