-- 005_create_verification_events_table: agent and MCP server verification tracking.

CREATE TABLE IF NOT EXISTS verification_events (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id      uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  agent_id             uuid REFERENCES agents(id) ON DELETE CASCADE,
  agent_name           varchar(255),
  mcp_server_id        uuid REFERENCES mcp_servers(id) ON DELETE CASCADE,
  mcp_server_name      varchar(255),
  protocol             varchar(50)  NOT NULL,
  verification_type    varchar(50)  NOT NULL,
  status               varchar(50)  NOT NULL,
  result               varchar(50),
  signature            text,
  message_hash         text,
  nonce                varchar(255),
  public_key           text,
  confidence           numeric(5,4) DEFAULT 0,
  trust_score          numeric(5,2) DEFAULT 0,
  duration_ms          integer      DEFAULT 0,
  error_code           varchar(100),
  error_reason         text,
  initiator_type       varchar(50)  NOT NULL,
  initiator_id         uuid,
  initiator_name       varchar(255),
  initiator_ip         varchar(45),
  action               varchar(100),
  resource_type        varchar(50),
  resource_id          varchar(255),
  location             varchar(255),
  current_mcp_servers  jsonb        DEFAULT '[]'::jsonb,
  current_capabilities jsonb        DEFAULT '[]'::jsonb,
  mcp_server_drift     jsonb        DEFAULT '[]'::jsonb,
  capability_drift     jsonb        DEFAULT '[]'::jsonb,
  drift_detected       boolean      DEFAULT false,
  started_at           timestamptz  NOT NULL,
  completed_at         timestamptz,
  created_at           timestamptz  NOT NULL DEFAULT now(),
  details              text,
  metadata             jsonb        DEFAULT '{}'::jsonb,
  -- Each event is about exactly one subject: an agent or an MCP server.
  CONSTRAINT verification_events_one_subject
    CHECK ((agent_id IS NOT NULL) <> (mcp_server_id IS NOT NULL))
);

CREATE INDEX IF NOT EXISTS idx_verification_events_organization_id ON verification_events (organization_id);
CREATE INDEX IF NOT EXISTS idx_verification_events_agent_id ON verification_events (agent_id);
CREATE INDEX IF NOT EXISTS idx_verification_events_mcp_server_id ON verification_events (mcp_server_id);
CREATE INDEX IF NOT EXISTS idx_verification_events_created_at ON verification_events (created_at DESC);
CREATE INDEX IF NOT EXISTS idx_verification_events_status ON verification_events (status);
