-- 019_create_backend_mcp_tables: how the AIM backend detects and attests the MCP servers agents use
-- (detections, agent_mcp_detections, agent_mcp_connections, mcp_server_capabilities,
-- mcp_attestations) and the attestation columns it keeps on mcp_servers. Written from the catalog of
-- the backend's current release (deployed-shapes.md, state B); tables it already built keep their
-- rows.

-- The backend registers servers it detected before it knows their key: public_key may be empty.
-- Dropping NOT NULL keeps every value and needs no scan.
ALTER TABLE mcp_servers ALTER COLUMN public_key DROP NOT NULL;
ALTER TABLE mcp_servers ADD COLUMN IF NOT EXISTS verification_method varchar(50) DEFAULT 'agent_attestation';
ALTER TABLE mcp_servers ADD COLUMN IF NOT EXISTS attestation_count integer DEFAULT 0;
ALTER TABLE mcp_servers ADD COLUMN IF NOT EXISTS confidence_score numeric(5,2) DEFAULT 0;
ALTER TABLE mcp_servers ADD COLUMN IF NOT EXISTS last_attested_at timestamptz;
-- Added NOT VALID (no scan under the exclusive lock), then validated under a weaker lock.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'mcp_servers'::regclass AND conname = 'mcp_servers_confidence_score_check') THEN
    ALTER TABLE mcp_servers ADD CONSTRAINT mcp_servers_confidence_score_check
      CHECK (confidence_score >= 0 AND confidence_score <= 100) NOT VALID;
  END IF;
END;
$$;
ALTER TABLE mcp_servers VALIDATE CONSTRAINT mcp_servers_confidence_score_check;
-- aim:lint-ignore index-locks-table: mcp_servers holds one row per registered server
CREATE INDEX IF NOT EXISTS idx_mcp_servers_verification_method ON mcp_servers (verification_method);
-- aim:lint-ignore index-locks-table: mcp_servers holds one row per registered server
CREATE INDEX IF NOT EXISTS idx_mcp_servers_confidence_score ON mcp_servers (confidence_score);
-- aim:lint-ignore index-locks-table: mcp_servers holds one row per registered server
CREATE INDEX IF NOT EXISTS idx_mcp_servers_last_attested_at ON mcp_servers (last_attested_at);

CREATE TABLE IF NOT EXISTS detections (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id         uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  mcp_server_name  varchar(255) NOT NULL,
  detection_method varchar(50) NOT NULL,
  confidence_score numeric(5,2) NOT NULL DEFAULT 0
                   CONSTRAINT detections_confidence_check CHECK (confidence_score >= 0 AND confidence_score <= 100),
  details          jsonb DEFAULT '{}'::jsonb,
  sdk_version      varchar(50),
  is_significant   boolean DEFAULT false,
  detected_at      timestamptz NOT NULL DEFAULT now(),
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_detections_agent_id ON detections (agent_id);
CREATE INDEX IF NOT EXISTS idx_detections_agent_mcp_method ON detections (agent_id, mcp_server_name, detection_method);
CREATE INDEX IF NOT EXISTS idx_detections_created_at ON detections (created_at DESC);
CREATE INDEX IF NOT EXISTS idx_detections_detected_at ON detections (detected_at DESC);
CREATE INDEX IF NOT EXISTS idx_detections_detection_method ON detections (detection_method);
CREATE INDEX IF NOT EXISTS idx_detections_is_significant ON detections (is_significant);
CREATE INDEX IF NOT EXISTS idx_detections_mcp_server_name ON detections (mcp_server_name);

CREATE TABLE IF NOT EXISTS agent_mcp_detections (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id          uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  mcp_server_name   varchar(255) NOT NULL,
  detection_method  varchar(50) NOT NULL,
  confidence_score  numeric(5,2) NOT NULL DEFAULT 0
                    CONSTRAINT agent_mcp_detections_confidence_check CHECK (confidence_score >= 0 AND confidence_score <= 100),
  details           jsonb DEFAULT '{}'::jsonb,
  sdk_version       varchar(50),
  first_detected_at timestamptz NOT NULL,
  last_seen_at      timestamptz NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT agent_mcp_detections_agent_id_mcp_server_name_detection_met_key UNIQUE (agent_id, mcp_server_name, detection_method)
);
CREATE INDEX IF NOT EXISTS idx_agent_mcp_detections_agent_id ON agent_mcp_detections (agent_id);
CREATE INDEX IF NOT EXISTS idx_agent_mcp_detections_agent_mcp ON agent_mcp_detections (agent_id, mcp_server_name);
CREATE INDEX IF NOT EXISTS idx_agent_mcp_detections_detection_method ON agent_mcp_detections (detection_method);
CREATE INDEX IF NOT EXISTS idx_agent_mcp_detections_first_detected_at ON agent_mcp_detections (first_detected_at DESC);
CREATE INDEX IF NOT EXISTS idx_agent_mcp_detections_last_seen_at ON agent_mcp_detections (last_seen_at DESC);
CREATE INDEX IF NOT EXISTS idx_agent_mcp_detections_mcp_server_name ON agent_mcp_detections (mcp_server_name);

CREATE TABLE IF NOT EXISTS mcp_server_capabilities (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  mcp_server_id     uuid NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
  name              varchar(255) NOT NULL,
  capability_type   varchar(50) NOT NULL
                    CONSTRAINT mcp_server_capabilities_capability_type_check CHECK (capability_type IN ('tool', 'resource', 'prompt')),
  description       text,
  capability_schema jsonb,
  detected_at       timestamptz NOT NULL DEFAULT now(),
  last_verified_at  timestamptz,
  is_active         boolean NOT NULL DEFAULT true,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT mcp_server_capabilities_mcp_server_id_name_capability_type_key UNIQUE (mcp_server_id, name, capability_type)
);
CREATE INDEX IF NOT EXISTS idx_mcp_server_capabilities_server_id ON mcp_server_capabilities (mcp_server_id);
CREATE INDEX IF NOT EXISTS idx_mcp_server_capabilities_type ON mcp_server_capabilities (capability_type);
CREATE INDEX IF NOT EXISTS idx_mcp_server_capabilities_active ON mcp_server_capabilities (is_active);

CREATE TABLE IF NOT EXISTS agent_mcp_connections (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id           uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  mcp_server_id      uuid NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
  detection_id       uuid REFERENCES agent_mcp_detections(id) ON DELETE SET NULL,
  connection_type    varchar(50) NOT NULL
                     CONSTRAINT agent_mcp_connections_connection_type_check CHECK (connection_type IN ('auto_detected', 'user_registered', 'attested')),
  first_connected_at timestamptz NOT NULL DEFAULT now(),
  last_attested_at   timestamptz,
  attestation_count  integer DEFAULT 0,
  is_active          boolean NOT NULL DEFAULT true,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT agent_mcp_connections_agent_id_mcp_server_id_key UNIQUE (agent_id, mcp_server_id)
);
CREATE INDEX IF NOT EXISTS idx_agent_mcp_connections_agent ON agent_mcp_connections (agent_id);
CREATE INDEX IF NOT EXISTS idx_agent_mcp_connections_mcp ON agent_mcp_connections (mcp_server_id);
CREATE INDEX IF NOT EXISTS idx_agent_mcp_connections_detection ON agent_mcp_connections (detection_id);
CREATE INDEX IF NOT EXISTS idx_agent_mcp_connections_type ON agent_mcp_connections (connection_type);
CREATE INDEX IF NOT EXISTS idx_agent_mcp_connections_active ON agent_mcp_connections (is_active);
CREATE INDEX IF NOT EXISTS idx_agent_mcp_connections_agent_active ON agent_mcp_connections (agent_id) WHERE is_active;
CREATE INDEX IF NOT EXISTS idx_agent_mcp_connections_mcp_active ON agent_mcp_connections (mcp_server_id) WHERE is_active;

CREATE TABLE IF NOT EXISTS mcp_attestations (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  mcp_server_id      uuid NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
  agent_id           uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  attestation_data   jsonb NOT NULL,
  signature          text NOT NULL,
  signature_verified boolean DEFAULT false,
  verified_at        timestamptz,
  expires_at         timestamptz NOT NULL,
  is_valid           boolean DEFAULT true,
  created_at         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT unique_attestation_per_verification UNIQUE (mcp_server_id, agent_id, verified_at)
);
CREATE INDEX IF NOT EXISTS idx_mcp_attestations_agent ON mcp_attestations (agent_id);
CREATE INDEX IF NOT EXISTS idx_mcp_attestations_mcp ON mcp_attestations (mcp_server_id);
CREATE INDEX IF NOT EXISTS idx_mcp_attestations_expires ON mcp_attestations (expires_at);
CREATE INDEX IF NOT EXISTS idx_mcp_attestations_verified ON mcp_attestations (verified_at DESC);
CREATE INDEX IF NOT EXISTS idx_mcp_attestations_valid ON mcp_attestations (is_valid);
CREATE INDEX IF NOT EXISTS idx_mcp_attestations_mcp_valid ON mcp_attestations (mcp_server_id) WHERE is_valid;

CREATE OR REPLACE TRIGGER agent_mcp_detections_set_updated_at
  BEFORE UPDATE ON agent_mcp_detections FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE OR REPLACE TRIGGER mcp_server_capabilities_set_updated_at
  BEFORE UPDATE ON mcp_server_capabilities FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE OR REPLACE TRIGGER agent_mcp_connections_set_updated_at
  BEFORE UPDATE ON agent_mcp_connections FOR EACH ROW EXECUTE FUNCTION set_updated_at();
