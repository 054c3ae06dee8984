-- 019_create_backend_mcp_tables: how the AIM backend detects and attests the MCP servers agents use
-- (detections, agent_mcp_detections, agent_mcp_connections, mcp_server_capabilities, mcp_attestations)
-- and the attestation columns it keeps on mcp_servers.
-- Written from the AIM backend's own database at its current release (the contract): every table,
-- column, constraint and index exactly as the backend builds it, under the backend's names. Tables
-- that exist are left to 022, which converges databases built before.

CREATE TABLE IF NOT EXISTS detections (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  agent_id uuid NOT NULL,
  mcp_server_name character varying(255) NOT NULL,
  detection_method character varying(50) NOT NULL,
  confidence_score numeric(5,2) DEFAULT 0.00 NOT NULL,
  details jsonb DEFAULT '{}'::jsonb,
  sdk_version character varying(50),
  is_significant boolean DEFAULT false,
  detected_at timestamp with time zone DEFAULT now() NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT detections_confidence_check CHECK (((confidence_score >= (0)::numeric) AND (confidence_score <= (100)::numeric))),
  CONSTRAINT detections_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE,
  CONSTRAINT detections_pkey PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS agent_mcp_detections (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  agent_id uuid NOT NULL,
  mcp_server_name character varying(255) NOT NULL,
  detection_method character varying(50) NOT NULL,
  confidence_score numeric(5,2) DEFAULT 0.00 NOT NULL,
  details jsonb DEFAULT '{}'::jsonb,
  sdk_version character varying(50),
  first_detected_at timestamp with time zone NOT NULL,
  last_seen_at timestamp with time zone NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT agent_mcp_detections_confidence_check CHECK (((confidence_score >= (0)::numeric) AND (confidence_score <= (100)::numeric))),
  CONSTRAINT agent_mcp_detections_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE,
  CONSTRAINT agent_mcp_detections_pkey PRIMARY KEY (id),
  CONSTRAINT agent_mcp_detections_agent_id_mcp_server_name_detection_met_key UNIQUE (agent_id, mcp_server_name, detection_method)
);

CREATE TABLE IF NOT EXISTS mcp_server_capabilities (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  mcp_server_id uuid NOT NULL,
  name character varying(255) NOT NULL,
  capability_type character varying(50) NOT NULL,
  description text,
  capability_schema jsonb,
  detected_at timestamp with time zone DEFAULT now() NOT NULL,
  last_verified_at timestamp with time zone,
  is_active boolean DEFAULT true NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT mcp_server_capabilities_capability_type_check CHECK (capability_type IN ('tool', 'resource', 'prompt')),
  CONSTRAINT mcp_server_capabilities_mcp_server_id_fkey FOREIGN KEY (mcp_server_id) REFERENCES mcp_servers(id) ON DELETE CASCADE,
  CONSTRAINT mcp_server_capabilities_pkey PRIMARY KEY (id),
  CONSTRAINT mcp_server_capabilities_mcp_server_id_name_capability_type_key UNIQUE (mcp_server_id, name, capability_type)
);

CREATE TABLE IF NOT EXISTS agent_mcp_connections (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  agent_id uuid NOT NULL,
  mcp_server_id uuid NOT NULL,
  detection_id uuid,
  connection_type character varying(50) NOT NULL,
  first_connected_at timestamp with time zone DEFAULT now() NOT NULL,
  last_attested_at timestamp with time zone,
  attestation_count integer DEFAULT 0,
  is_active boolean DEFAULT true NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT agent_mcp_connections_connection_type_check CHECK (connection_type IN ('auto_detected', 'user_registered', 'attested')),
  CONSTRAINT agent_mcp_connections_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE,
  CONSTRAINT agent_mcp_connections_detection_id_fkey FOREIGN KEY (detection_id) REFERENCES agent_mcp_detections(id) ON DELETE SET NULL,
  CONSTRAINT agent_mcp_connections_mcp_server_id_fkey FOREIGN KEY (mcp_server_id) REFERENCES mcp_servers(id) ON DELETE CASCADE,
  CONSTRAINT agent_mcp_connections_pkey PRIMARY KEY (id),
  CONSTRAINT agent_mcp_connections_agent_id_mcp_server_id_key UNIQUE (agent_id, mcp_server_id)
);

CREATE TABLE IF NOT EXISTS mcp_attestations (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  mcp_server_id uuid NOT NULL,
  agent_id uuid NOT NULL,
  attestation_data jsonb NOT NULL,
  signature text NOT NULL,
  signature_verified boolean DEFAULT false,
  verified_at timestamp with time zone,
  expires_at timestamp with time zone NOT NULL,
  is_valid boolean DEFAULT true,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT mcp_attestations_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE,
  CONSTRAINT mcp_attestations_mcp_server_id_fkey FOREIGN KEY (mcp_server_id) REFERENCES mcp_servers(id) ON DELETE CASCADE,
  CONSTRAINT mcp_attestations_pkey PRIMARY KEY (id),
  CONSTRAINT unique_attestation_per_verification UNIQUE (mcp_server_id, agent_id, verified_at)
);

-- Each object below is created only where it is missing: IF NOT EXISTS on an index, a column or a
-- trigger would take its table's lock just to find it there, beside a running backend.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'mcp_servers'::regclass AND attname = 'verification_method' AND NOT attisdropped) THEN
    ALTER TABLE mcp_servers ADD COLUMN verification_method character varying(50) DEFAULT 'agent_attestation'::character varying;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'mcp_servers'::regclass AND attname = 'attestation_count' AND NOT attisdropped) THEN
    ALTER TABLE mcp_servers ADD COLUMN attestation_count integer DEFAULT 0;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'mcp_servers'::regclass AND attname = 'confidence_score' AND NOT attisdropped) THEN
    ALTER TABLE mcp_servers ADD COLUMN confidence_score numeric(5,2) DEFAULT 0.00;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'mcp_servers'::regclass AND attname = 'last_attested_at' AND NOT attisdropped) THEN
    ALTER TABLE mcp_servers ADD COLUMN last_attested_at timestamp with time zone;
  END IF;
  IF to_regclass('idx_agent_mcp_connections_active') IS NULL THEN
    CREATE INDEX idx_agent_mcp_connections_active ON agent_mcp_connections USING btree (is_active);
  END IF;
  IF to_regclass('idx_agent_mcp_connections_agent') IS NULL THEN
    CREATE INDEX idx_agent_mcp_connections_agent ON agent_mcp_connections USING btree (agent_id);
  END IF;
  IF to_regclass('idx_agent_mcp_connections_agent_active') IS NULL THEN
    CREATE INDEX idx_agent_mcp_connections_agent_active ON agent_mcp_connections USING btree (agent_id, is_active);
  END IF;
  IF to_regclass('idx_agent_mcp_connections_detection') IS NULL THEN
    CREATE INDEX idx_agent_mcp_connections_detection ON agent_mcp_connections USING btree (detection_id);
  END IF;
  IF to_regclass('idx_agent_mcp_connections_mcp') IS NULL THEN
    CREATE INDEX idx_agent_mcp_connections_mcp ON agent_mcp_connections USING btree (mcp_server_id);
  END IF;
  IF to_regclass('idx_agent_mcp_connections_mcp_active') IS NULL THEN
    CREATE INDEX idx_agent_mcp_connections_mcp_active ON agent_mcp_connections USING btree (mcp_server_id, is_active);
  END IF;
  IF to_regclass('idx_agent_mcp_connections_type') IS NULL THEN
    CREATE INDEX idx_agent_mcp_connections_type ON agent_mcp_connections USING btree (connection_type);
  END IF;
  IF to_regclass('idx_agent_mcp_detections_agent_id') IS NULL THEN
    CREATE INDEX idx_agent_mcp_detections_agent_id ON agent_mcp_detections USING btree (agent_id);
  END IF;
  IF to_regclass('idx_agent_mcp_detections_agent_mcp') IS NULL THEN
    CREATE INDEX idx_agent_mcp_detections_agent_mcp ON agent_mcp_detections USING btree (agent_id, mcp_server_name);
  END IF;
  IF to_regclass('idx_agent_mcp_detections_detection_method') IS NULL THEN
    CREATE INDEX idx_agent_mcp_detections_detection_method ON agent_mcp_detections USING btree (detection_method);
  END IF;
  IF to_regclass('idx_agent_mcp_detections_first_detected_at') IS NULL THEN
    CREATE INDEX idx_agent_mcp_detections_first_detected_at ON agent_mcp_detections USING btree (first_detected_at);
  END IF;
  IF to_regclass('idx_agent_mcp_detections_last_seen_at') IS NULL THEN
    CREATE INDEX idx_agent_mcp_detections_last_seen_at ON agent_mcp_detections USING btree (last_seen_at);
  END IF;
  IF to_regclass('idx_agent_mcp_detections_mcp_server_name') IS NULL THEN
    CREATE INDEX idx_agent_mcp_detections_mcp_server_name ON agent_mcp_detections USING btree (mcp_server_name);
  END IF;
  IF to_regclass('idx_detections_agent_id') IS NULL THEN
    CREATE INDEX idx_detections_agent_id ON detections USING btree (agent_id);
  END IF;
  IF to_regclass('idx_detections_agent_mcp_method') IS NULL THEN
    CREATE INDEX idx_detections_agent_mcp_method ON detections USING btree (agent_id, mcp_server_name, detection_method, detected_at DESC);
  END IF;
  IF to_regclass('idx_detections_created_at') IS NULL THEN
    CREATE INDEX idx_detections_created_at ON detections USING btree (created_at);
  END IF;
  IF to_regclass('idx_detections_detected_at') IS NULL THEN
    CREATE INDEX idx_detections_detected_at ON detections USING btree (detected_at);
  END IF;
  IF to_regclass('idx_detections_detection_method') IS NULL THEN
    CREATE INDEX idx_detections_detection_method ON detections USING btree (detection_method);
  END IF;
  IF to_regclass('idx_detections_is_significant') IS NULL THEN
    CREATE INDEX idx_detections_is_significant ON detections USING btree (is_significant);
  END IF;
  IF to_regclass('idx_detections_mcp_server_name') IS NULL THEN
    CREATE INDEX idx_detections_mcp_server_name ON detections USING btree (mcp_server_name);
  END IF;
  IF to_regclass('idx_mcp_attestations_agent') IS NULL THEN
    CREATE INDEX idx_mcp_attestations_agent ON mcp_attestations USING btree (agent_id);
  END IF;
  IF to_regclass('idx_mcp_attestations_expires') IS NULL THEN
    CREATE INDEX idx_mcp_attestations_expires ON mcp_attestations USING btree (expires_at);
  END IF;
  IF to_regclass('idx_mcp_attestations_mcp') IS NULL THEN
    CREATE INDEX idx_mcp_attestations_mcp ON mcp_attestations USING btree (mcp_server_id);
  END IF;
  IF to_regclass('idx_mcp_attestations_mcp_valid') IS NULL THEN
    CREATE INDEX idx_mcp_attestations_mcp_valid ON mcp_attestations USING btree (mcp_server_id, is_valid, verified_at);
  END IF;
  IF to_regclass('idx_mcp_attestations_valid') IS NULL THEN
    CREATE INDEX idx_mcp_attestations_valid ON mcp_attestations USING btree (is_valid, verified_at);
  END IF;
  IF to_regclass('idx_mcp_attestations_verified') IS NULL THEN
    CREATE INDEX idx_mcp_attestations_verified ON mcp_attestations USING btree (signature_verified);
  END IF;
  IF to_regclass('idx_mcp_server_capabilities_active') IS NULL THEN
    CREATE INDEX idx_mcp_server_capabilities_active ON mcp_server_capabilities USING btree (is_active);
  END IF;
  IF to_regclass('idx_mcp_server_capabilities_server_id') IS NULL THEN
    CREATE INDEX idx_mcp_server_capabilities_server_id ON mcp_server_capabilities USING btree (mcp_server_id);
  END IF;
  IF to_regclass('idx_mcp_server_capabilities_type') IS NULL THEN
    CREATE INDEX idx_mcp_server_capabilities_type ON mcp_server_capabilities USING btree (capability_type);
  END IF;
  IF to_regclass('idx_mcp_servers_confidence_score') IS NULL THEN
    CREATE INDEX idx_mcp_servers_confidence_score ON mcp_servers USING btree (confidence_score DESC);
  END IF;
  IF to_regclass('idx_mcp_servers_last_attested_at') IS NULL THEN
    CREATE INDEX idx_mcp_servers_last_attested_at ON mcp_servers USING btree (last_attested_at DESC);
  END IF;
  IF to_regclass('idx_mcp_servers_verification_method') IS NULL THEN
    CREATE INDEX idx_mcp_servers_verification_method ON mcp_servers USING btree (verification_method);
  END IF;
END;
$$;
