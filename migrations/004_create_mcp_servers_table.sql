-- 004_create_mcp_servers_table: MCP server registration.

CREATE TABLE IF NOT EXISTS mcp_servers (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id     uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name                varchar(255) NOT NULL,
  description         text,
  url                 varchar(512) NOT NULL,
  version             varchar(50),
  public_key          text NOT NULL,
  status              varchar(50)  NOT NULL DEFAULT 'pending',
  is_verified         boolean      DEFAULT false,
  last_verified_at    timestamptz,
  verification_url    varchar(512),
  capabilities        jsonb        DEFAULT '[]'::jsonb,
  trust_score         numeric(5,2) DEFAULT 0,
  registered_by_agent uuid REFERENCES agents(id) ON DELETE SET NULL,
  created_by          uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at          timestamptz  NOT NULL DEFAULT now(),
  updated_at          timestamptz  NOT NULL DEFAULT now(),
  CONSTRAINT mcp_servers_organization_id_url_key UNIQUE (organization_id, url)
);

CREATE INDEX IF NOT EXISTS idx_mcp_servers_organization_id ON mcp_servers (organization_id);
CREATE INDEX IF NOT EXISTS idx_mcp_servers_status ON mcp_servers (status);

CREATE OR REPLACE TRIGGER mcp_servers_set_updated_at
  BEFORE UPDATE ON mcp_servers FOR EACH ROW EXECUTE FUNCTION set_updated_at();
