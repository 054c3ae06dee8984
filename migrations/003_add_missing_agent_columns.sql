-- 003_add_missing_agent_columns: capabilities, trust score and key-rotation columns on agents.

ALTER TABLE agents ADD COLUMN IF NOT EXISTS capabilities jsonb DEFAULT '[]'::jsonb;
ALTER TABLE agents ADD COLUMN IF NOT EXISTS talks_to jsonb DEFAULT '[]'::jsonb;
-- numeric(5,2) holds 0-100 scores; the deployed numeric(4,3) overflowed.
ALTER TABLE agents ADD COLUMN IF NOT EXISTS trust_score numeric(5,2) DEFAULT 0;
ALTER TABLE agents ADD COLUMN IF NOT EXISTS encrypted_private_key text;
ALTER TABLE agents ADD COLUMN IF NOT EXISTS key_algorithm varchar(50) DEFAULT 'RSA-4096';
ALTER TABLE agents ADD COLUMN IF NOT EXISTS last_capability_check_at timestamptz;
ALTER TABLE agents ADD COLUMN IF NOT EXISTS capability_violation_count integer DEFAULT 0;
ALTER TABLE agents ADD COLUMN IF NOT EXISTS is_compromised boolean DEFAULT false;
ALTER TABLE agents ADD COLUMN IF NOT EXISTS key_created_at timestamptz;
ALTER TABLE agents ADD COLUMN IF NOT EXISTS key_expires_at timestamptz;
ALTER TABLE agents ADD COLUMN IF NOT EXISTS key_rotation_grace_until timestamptz;
ALTER TABLE agents ADD COLUMN IF NOT EXISTS previous_public_key text;
ALTER TABLE agents ADD COLUMN IF NOT EXISTS rotation_count integer DEFAULT 0;

-- aim:lint-ignore index-locks-table: agents is small (one row per registered agent)
CREATE INDEX IF NOT EXISTS idx_agents_capabilities ON agents USING gin (capabilities);
CREATE INDEX IF NOT EXISTS idx_agents_talks_to ON agents USING gin (talks_to);
CREATE INDEX IF NOT EXISTS idx_agents_status ON agents (status);
