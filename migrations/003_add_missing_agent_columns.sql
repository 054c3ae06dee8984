-- 003_add_missing_agent_columns: capabilities, trust score and key-rotation columns on agents.
-- Written from the AIM backend's own database at its current release (the contract): every table,
-- column, constraint and index exactly as the backend builds it, under the backend's names. Tables
-- that exist are left to 022, which converges databases built before.

-- Each object below is created only where it is missing: IF NOT EXISTS on an index, a column or a
-- trigger would take its table's lock just to find it there, beside a running backend.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'agents'::regclass AND attname = 'capabilities' AND NOT attisdropped) THEN
    ALTER TABLE agents ADD COLUMN capabilities jsonb DEFAULT '[]'::jsonb;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'agents'::regclass AND attname = 'talks_to' AND NOT attisdropped) THEN
    ALTER TABLE agents ADD COLUMN talks_to jsonb DEFAULT '[]'::jsonb;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'agents'::regclass AND attname = 'trust_score' AND NOT attisdropped) THEN
    ALTER TABLE agents ADD COLUMN trust_score numeric(5,2) DEFAULT 0.000;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'agents'::regclass AND attname = 'encrypted_private_key' AND NOT attisdropped) THEN
    ALTER TABLE agents ADD COLUMN encrypted_private_key text;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'agents'::regclass AND attname = 'key_algorithm' AND NOT attisdropped) THEN
    ALTER TABLE agents ADD COLUMN key_algorithm character varying(50) DEFAULT 'RSA-4096'::character varying;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'agents'::regclass AND attname = 'last_capability_check_at' AND NOT attisdropped) THEN
    ALTER TABLE agents ADD COLUMN last_capability_check_at timestamp with time zone;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'agents'::regclass AND attname = 'capability_violation_count' AND NOT attisdropped) THEN
    ALTER TABLE agents ADD COLUMN capability_violation_count integer DEFAULT 0;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'agents'::regclass AND attname = 'is_compromised' AND NOT attisdropped) THEN
    ALTER TABLE agents ADD COLUMN is_compromised boolean DEFAULT false;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'agents'::regclass AND attname = 'key_created_at' AND NOT attisdropped) THEN
    ALTER TABLE agents ADD COLUMN key_created_at timestamp with time zone;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'agents'::regclass AND attname = 'key_expires_at' AND NOT attisdropped) THEN
    ALTER TABLE agents ADD COLUMN key_expires_at timestamp with time zone;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'agents'::regclass AND attname = 'key_rotation_grace_until' AND NOT attisdropped) THEN
    ALTER TABLE agents ADD COLUMN key_rotation_grace_until timestamp with time zone;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'agents'::regclass AND attname = 'previous_public_key' AND NOT attisdropped) THEN
    ALTER TABLE agents ADD COLUMN previous_public_key text;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'agents'::regclass AND attname = 'rotation_count' AND NOT attisdropped) THEN
    ALTER TABLE agents ADD COLUMN rotation_count integer DEFAULT 0;
  END IF;
  IF to_regclass('idx_agents_capabilities') IS NULL THEN
    CREATE INDEX idx_agents_capabilities ON agents USING gin (capabilities);
  END IF;
  IF to_regclass('idx_agents_is_compromised') IS NULL THEN
    CREATE INDEX idx_agents_is_compromised ON agents USING btree (is_compromised);
  END IF;
  IF to_regclass('idx_agents_key_expires_at') IS NULL THEN
    CREATE INDEX idx_agents_key_expires_at ON agents USING btree (key_expires_at);
  END IF;
  IF to_regclass('idx_agents_talks_to') IS NULL THEN
    CREATE INDEX idx_agents_talks_to ON agents USING gin (talks_to);
  END IF;
  IF to_regclass('idx_agents_trust_score') IS NULL THEN
    CREATE INDEX idx_agents_trust_score ON agents USING btree (trust_score);
  END IF;
END;
$$;
