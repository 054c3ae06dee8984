-- 005_create_verification_events_table: agent and MCP server verification tracking.
-- Written from the AIM backend's own database at its current release (the contract): every table,
-- column, constraint and index exactly as the backend builds it, under the backend's names. Tables
-- that exist are left to 022, which converges databases built before.

CREATE TABLE IF NOT EXISTS verification_events (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  organization_id uuid NOT NULL,
  agent_id uuid,
  agent_name character varying(255),
  mcp_server_id uuid,
  mcp_server_name character varying(255),
  protocol character varying(50) NOT NULL,
  verification_type character varying(50) NOT NULL,
  status character varying(50) NOT NULL,
  result character varying(50),
  signature text,
  message_hash text,
  nonce character varying(255),
  public_key text,
  confidence numeric(5,4) DEFAULT 0.0000,
  trust_score numeric(5,2) DEFAULT 0.00,
  duration_ms integer DEFAULT 0,
  error_code character varying(100),
  error_reason text,
  initiator_type character varying(50) NOT NULL,
  initiator_id uuid,
  initiator_name character varying(255),
  initiator_ip character varying(45),
  action character varying(255),
  resource_type character varying(100),
  resource_id character varying(255),
  location character varying(255),
  current_mcp_servers jsonb DEFAULT '[]'::jsonb,
  current_capabilities jsonb DEFAULT '[]'::jsonb,
  drift_detected boolean DEFAULT false,
  mcp_server_drift jsonb DEFAULT '[]'::jsonb,
  capability_drift jsonb DEFAULT '[]'::jsonb,
  started_at timestamp with time zone NOT NULL,
  completed_at timestamp with time zone,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  details text,
  metadata jsonb DEFAULT '{}'::jsonb,
  CONSTRAINT verification_events_check CHECK ((((agent_id IS NOT NULL) AND (mcp_server_id IS NULL)) OR ((agent_id IS NULL) AND (mcp_server_id IS NOT NULL)))),
  CONSTRAINT verification_events_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE,
  CONSTRAINT verification_events_mcp_server_id_fkey FOREIGN KEY (mcp_server_id) REFERENCES mcp_servers(id) ON DELETE CASCADE,
  CONSTRAINT verification_events_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE,
  CONSTRAINT verification_events_pkey PRIMARY KEY (id)
);

-- Each object below is created only where it is missing: IF NOT EXISTS on an index, a column or a
-- trigger would take its table's lock just to find it there, beside a running backend.
DO $$
BEGIN
  IF to_regclass('idx_verification_events_agent_id') IS NULL THEN
    CREATE INDEX idx_verification_events_agent_id ON verification_events USING btree (agent_id);
  END IF;
  IF to_regclass('idx_verification_events_capability_drift') IS NULL THEN
    CREATE INDEX idx_verification_events_capability_drift ON verification_events USING gin (capability_drift);
  END IF;
  IF to_regclass('idx_verification_events_created_at') IS NULL THEN
    CREATE INDEX idx_verification_events_created_at ON verification_events USING btree (created_at);
  END IF;
  IF to_regclass('idx_verification_events_current_capabilities') IS NULL THEN
    CREATE INDEX idx_verification_events_current_capabilities ON verification_events USING gin (current_capabilities);
  END IF;
  IF to_regclass('idx_verification_events_current_mcp_servers') IS NULL THEN
    CREATE INDEX idx_verification_events_current_mcp_servers ON verification_events USING gin (current_mcp_servers);
  END IF;
  IF to_regclass('idx_verification_events_drift_detected') IS NULL THEN
    CREATE INDEX idx_verification_events_drift_detected ON verification_events USING btree (drift_detected);
  END IF;
  IF to_regclass('idx_verification_events_initiator_type') IS NULL THEN
    CREATE INDEX idx_verification_events_initiator_type ON verification_events USING btree (initiator_type);
  END IF;
  IF to_regclass('idx_verification_events_mcp_server_drift') IS NULL THEN
    CREATE INDEX idx_verification_events_mcp_server_drift ON verification_events USING gin (mcp_server_drift);
  END IF;
  IF to_regclass('idx_verification_events_mcp_server_id') IS NULL THEN
    CREATE INDEX idx_verification_events_mcp_server_id ON verification_events USING btree (mcp_server_id);
  END IF;
  IF to_regclass('idx_verification_events_metadata') IS NULL THEN
    CREATE INDEX idx_verification_events_metadata ON verification_events USING gin (metadata);
  END IF;
  IF to_regclass('idx_verification_events_organization_id') IS NULL THEN
    CREATE INDEX idx_verification_events_organization_id ON verification_events USING btree (organization_id);
  END IF;
  IF to_regclass('idx_verification_events_protocol') IS NULL THEN
    CREATE INDEX idx_verification_events_protocol ON verification_events USING btree (protocol);
  END IF;
  IF to_regclass('idx_verification_events_result') IS NULL THEN
    CREATE INDEX idx_verification_events_result ON verification_events USING btree (result);
  END IF;
  IF to_regclass('idx_verification_events_started_at') IS NULL THEN
    CREATE INDEX idx_verification_events_started_at ON verification_events USING btree (started_at);
  END IF;
  IF to_regclass('idx_verification_events_status') IS NULL THEN
    CREATE INDEX idx_verification_events_status ON verification_events USING btree (status);
  END IF;
  IF to_regclass('idx_verification_events_verification_type') IS NULL THEN
    CREATE INDEX idx_verification_events_verification_type ON verification_events USING btree (verification_type);
  END IF;
END;
$$;
