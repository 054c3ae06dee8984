-- 018_create_backend_webhook_and_tag_tables: the AIM backend's webhooks (webhooks,
-- webhook_deliveries) and tags on agents and MCP servers (tags, agent_tags, mcp_server_tags).
-- Written from the catalog of the backend's current release (deployed-shapes.md, state B); tables
-- it already built keep their rows and triggers. The community edition's tag-limit triggers are the
-- backend's licensing rule, not schema: aim neither adds nor removes them.

CREATE TABLE IF NOT EXISTS webhooks (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name            varchar(255) NOT NULL,
  url             text NOT NULL CONSTRAINT webhooks_url_check CHECK (url ~ '^https?://'),
  events          text[] NOT NULL DEFAULT '{}'::text[]
                  CONSTRAINT webhooks_events_not_empty CHECK (array_length(events, 1) > 0),
  -- The signing secret the backend shares with the receiver; aim never reads or prints it.
  secret          varchar(255) NOT NULL,
  is_active       boolean NOT NULL DEFAULT true,
  last_triggered  timestamptz,
  failure_count   integer NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  created_by      uuid NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
  CONSTRAINT webhooks_name_unique_per_org UNIQUE (organization_id, name)
);
CREATE INDEX IF NOT EXISTS idx_webhooks_organization_id ON webhooks (organization_id);
CREATE INDEX IF NOT EXISTS idx_webhooks_is_active ON webhooks (is_active);
CREATE INDEX IF NOT EXISTS idx_webhooks_created_at ON webhooks (created_at DESC);

CREATE TABLE IF NOT EXISTS webhook_deliveries (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  webhook_id    uuid NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  event         varchar(100) NOT NULL,
  payload       text NOT NULL,
  status_code   integer,
  response_body text,
  success       boolean NOT NULL DEFAULT false,
  attempt_count integer NOT NULL DEFAULT 1,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_webhook_deliveries_webhook_id ON webhook_deliveries (webhook_id);
CREATE INDEX IF NOT EXISTS idx_webhook_deliveries_event ON webhook_deliveries (event);
CREATE INDEX IF NOT EXISTS idx_webhook_deliveries_success ON webhook_deliveries (success);
CREATE INDEX IF NOT EXISTS idx_webhook_deliveries_created_at ON webhook_deliveries (created_at DESC);

CREATE TABLE IF NOT EXISTS tags (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  key             varchar(100) NOT NULL,
  value           varchar(255) NOT NULL,
  category        varchar(50) NOT NULL,
  description     text,
  color           varchar(7),
  created_at      timestamptz DEFAULT now(),
  created_by      uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  CONSTRAINT tags_organization_id_key_value_key UNIQUE (organization_id, key, value)
);
CREATE INDEX IF NOT EXISTS idx_tags_organization ON tags (organization_id);
CREATE INDEX IF NOT EXISTS idx_tags_category ON tags (category);

CREATE TABLE IF NOT EXISTS agent_tags (
  agent_id   uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  tag_id     uuid NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
  created_at timestamptz DEFAULT now(),
  CONSTRAINT agent_tags_pkey PRIMARY KEY (agent_id, tag_id)
);
CREATE INDEX IF NOT EXISTS idx_agent_tags_agent ON agent_tags (agent_id);
CREATE INDEX IF NOT EXISTS idx_agent_tags_tag ON agent_tags (tag_id);

CREATE TABLE IF NOT EXISTS mcp_server_tags (
  mcp_server_id uuid NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
  tag_id        uuid NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
  created_at    timestamptz DEFAULT now(),
  CONSTRAINT mcp_server_tags_pkey PRIMARY KEY (mcp_server_id, tag_id)
);
CREATE INDEX IF NOT EXISTS idx_mcp_server_tags_server ON mcp_server_tags (mcp_server_id);
CREATE INDEX IF NOT EXISTS idx_mcp_server_tags_tag ON mcp_server_tags (tag_id);

CREATE OR REPLACE TRIGGER webhooks_set_updated_at
  BEFORE UPDATE ON webhooks FOR EACH ROW EXECUTE FUNCTION set_updated_at();
