-- 011_add_password_reset_fields: password reset (002 already adds both columns; this file makes sure
-- they exist on databases that skipped them).
-- Written from the AIM backend's own database at its current release (the contract): every table,
-- column, constraint and index exactly as the backend builds it, under the backend's names. Tables
-- that exist are left to 022, which converges databases built before.

-- Each object below is created only where it is missing: IF NOT EXISTS on an index, a column or a
-- trigger would take its table's lock just to find it there, beside a running backend.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'password_reset_token' AND NOT attisdropped) THEN
    ALTER TABLE users ADD COLUMN password_reset_token character varying(255);
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'password_reset_expires_at' AND NOT attisdropped) THEN
    ALTER TABLE users ADD COLUMN password_reset_expires_at timestamp with time zone;
  END IF;
END;
$$;
