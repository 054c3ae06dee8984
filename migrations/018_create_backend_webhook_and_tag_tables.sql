-- 018_create_backend_webhook_and_tag_tables: the AIM backend's webhooks (webhooks, webhook_deliveries)
-- and tags on agents and MCP servers (tags, agent_tags, mcp_server_tags). The tag limits are 022's triggers.
-- Written from the AIM backend's own database at its current release (the contract): every table,
-- column, constraint and index exactly as the backend builds it, under the backend's names. Tables
-- that exist are left to 022, which converges databases built before.

CREATE TABLE IF NOT EXISTS webhooks (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  organization_id uuid NOT NULL,
  name character varying(255) NOT NULL,
  url text NOT NULL,
  events text[] DEFAULT '{}'::text[] NOT NULL,
  secret character varying(255) NOT NULL,
  is_active boolean DEFAULT true NOT NULL,
  last_triggered timestamp with time zone,
  failure_count integer DEFAULT 0 NOT NULL,
  created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
  updated_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
  created_by uuid NOT NULL,
  CONSTRAINT webhooks_events_not_empty CHECK ((array_length(events, 1) > 0)),
  CONSTRAINT webhooks_url_check CHECK ((url ~* '^https?://.*'::text)),
  CONSTRAINT webhooks_created_by_fkey FOREIGN KEY (created_by) REFERENCES users(id) ON DELETE RESTRICT,
  CONSTRAINT webhooks_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE,
  CONSTRAINT webhooks_pkey PRIMARY KEY (id),
  CONSTRAINT webhooks_name_unique_per_org UNIQUE (organization_id, name)
);

CREATE TABLE IF NOT EXISTS webhook_deliveries (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  webhook_id uuid NOT NULL,
  event character varying(100) NOT NULL,
  payload text NOT NULL,
  status_code integer,
  response_body text,
  success boolean DEFAULT false NOT NULL,
  attempt_count integer DEFAULT 1 NOT NULL,
  created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
  CONSTRAINT webhook_deliveries_webhook_id_fkey FOREIGN KEY (webhook_id) REFERENCES webhooks(id) ON DELETE CASCADE,
  CONSTRAINT webhook_deliveries_pkey PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS tags (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  organization_id uuid NOT NULL,
  key character varying(100) NOT NULL,
  value character varying(255) NOT NULL,
  category character varying(50) NOT NULL,
  description text,
  color character varying(7),
  created_at timestamp with time zone DEFAULT now(),
  created_by uuid NOT NULL,
  CONSTRAINT tags_created_by_fkey FOREIGN KEY (created_by) REFERENCES users(id) ON DELETE CASCADE,
  CONSTRAINT tags_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE,
  CONSTRAINT tags_pkey PRIMARY KEY (id),
  CONSTRAINT tags_organization_id_key_value_key UNIQUE (organization_id, key, value)
);

CREATE TABLE IF NOT EXISTS agent_tags (
  agent_id uuid NOT NULL,
  tag_id uuid NOT NULL,
  created_at timestamp with time zone DEFAULT now(),
  CONSTRAINT agent_tags_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE,
  CONSTRAINT agent_tags_tag_id_fkey FOREIGN KEY (tag_id) REFERENCES tags(id) ON DELETE CASCADE,
  CONSTRAINT agent_tags_pkey PRIMARY KEY (agent_id, tag_id)
);

CREATE TABLE IF NOT EXISTS mcp_server_tags (
  mcp_server_id uuid NOT NULL,
  tag_id uuid NOT NULL,
  created_at timestamp with time zone DEFAULT now(),
  CONSTRAINT mcp_server_tags_mcp_server_id_fkey FOREIGN KEY (mcp_server_id) REFERENCES mcp_servers(id) ON DELETE CASCADE,
  CONSTRAINT mcp_server_tags_tag_id_fkey FOREIGN KEY (tag_id) REFERENCES tags(id) ON DELETE CASCADE,
  CONSTRAINT mcp_server_tags_pkey PRIMARY KEY (mcp_server_id, tag_id)
);

-- Each object below is created only where it is missing: IF NOT EXISTS on an index, a column or a
-- trigger would take its table's lock just to find it there, beside a running backend.
DO $$
BEGIN
  IF to_regclass('idx_agent_tags_agent') IS NULL THEN
    CREATE INDEX idx_agent_tags_agent ON agent_tags USING btree (agent_id);
  END IF;
  IF to_regclass('idx_agent_tags_tag') IS NULL THEN
    CREATE INDEX idx_agent_tags_tag ON agent_tags USING btree (tag_id);
  END IF;
  IF to_regclass('idx_mcp_server_tags_server') IS NULL THEN
    CREATE INDEX idx_mcp_server_tags_server ON mcp_server_tags USING btree (mcp_server_id);
  END IF;
  IF to_regclass('idx_mcp_server_tags_tag') IS NULL THEN
    CREATE INDEX idx_mcp_server_tags_tag ON mcp_server_tags USING btree (tag_id);
  END IF;
  IF to_regclass('idx_tags_category') IS NULL THEN
    CREATE INDEX idx_tags_category ON tags USING btree (category);
  END IF;
  IF to_regclass('idx_tags_organization') IS NULL THEN
    CREATE INDEX idx_tags_organization ON tags USING btree (organization_id);
  END IF;
  IF to_regclass('idx_webhook_deliveries_created_at') IS NULL THEN
    CREATE INDEX idx_webhook_deliveries_created_at ON webhook_deliveries USING btree (created_at);
  END IF;
  IF to_regclass('idx_webhook_deliveries_event') IS NULL THEN
    CREATE INDEX idx_webhook_deliveries_event ON webhook_deliveries USING btree (event);
  END IF;
  IF to_regclass('idx_webhook_deliveries_success') IS NULL THEN
    CREATE INDEX idx_webhook_deliveries_success ON webhook_deliveries USING btree (success);
  END IF;
  IF to_regclass('idx_webhook_deliveries_webhook_id') IS NULL THEN
    CREATE INDEX idx_webhook_deliveries_webhook_id ON webhook_deliveries USING btree (webhook_id);
  END IF;
  IF to_regclass('idx_webhooks_created_at') IS NULL THEN
    CREATE INDEX idx_webhooks_created_at ON webhooks USING btree (created_at);
  END IF;
  IF to_regclass('idx_webhooks_is_active') IS NULL THEN
    CREATE INDEX idx_webhooks_is_active ON webhooks USING btree (is_active);
  END IF;
  IF to_regclass('idx_webhooks_organization_id') IS NULL THEN
    CREATE INDEX idx_webhooks_organization_id ON webhooks USING btree (organization_id);
  END IF;
END;
$$;
