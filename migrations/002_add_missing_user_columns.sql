-- 002_add_missing_user_columns: user lifecycle columns (status, approval, soft delete, reset token).
-- Written from the AIM backend's own database at its current release (the contract): every table,
-- column, constraint and index exactly as the backend builds it, under the backend's names. Tables
-- that exist are left to 022, which converges databases built before.

-- A users table created before provider and provider_id gets them, each existing user a local account
-- known by its e-mail address (both are NOT NULL in the backend's schema): provider with a constant
-- default that is dropped again (no rewrite), provider_id filled from email as its type is set.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'provider' AND NOT attisdropped) THEN
    ALTER TABLE users ADD COLUMN provider character varying(50) NOT NULL DEFAULT 'local';
    ALTER TABLE users ALTER COLUMN provider DROP DEFAULT;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'provider_id' AND NOT attisdropped) THEN
    ALTER TABLE users ADD COLUMN provider_id character varying(255);
    ALTER TABLE users ALTER COLUMN provider_id TYPE character varying(255) USING email;
    ALTER TABLE users ALTER COLUMN provider_id SET NOT NULL;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_constraint WHERE conrelid = 'users'::regclass AND conname = 'users_provider_provider_id_key') THEN
    ALTER TABLE users ADD CONSTRAINT users_provider_provider_id_key UNIQUE (provider, provider_id);
  END IF;
END;
$$;

-- Each object below is created only where it is missing: IF NOT EXISTS on an index, a column or a
-- trigger would take its table's lock just to find it there, beside a running backend.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'status' AND NOT attisdropped) THEN
    ALTER TABLE users ADD COLUMN status character varying(50) DEFAULT 'active'::character varying NOT NULL;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'deleted_at' AND NOT attisdropped) THEN
    ALTER TABLE users ADD COLUMN deleted_at timestamp with time zone;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'approved_by' AND NOT attisdropped) THEN
    ALTER TABLE users ADD COLUMN approved_by uuid REFERENCES users(id);
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'approved_at' AND NOT attisdropped) THEN
    ALTER TABLE users ADD COLUMN approved_at timestamp with time zone;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'password_reset_token' AND NOT attisdropped) THEN
    ALTER TABLE users ADD COLUMN password_reset_token character varying(255);
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'password_reset_expires_at' AND NOT attisdropped) THEN
    ALTER TABLE users ADD COLUMN password_reset_expires_at timestamp with time zone;
  END IF;
  IF to_regclass('idx_users_password_reset_token') IS NULL THEN
    CREATE INDEX idx_users_password_reset_token ON users USING btree (password_reset_token);
  END IF;
  IF to_regclass('idx_users_provider') IS NULL THEN
    CREATE INDEX idx_users_provider ON users USING btree (provider, provider_id);
  END IF;
  IF to_regclass('idx_users_status') IS NULL THEN
    CREATE INDEX idx_users_status ON users USING btree (status);
  END IF;
END;
$$;
