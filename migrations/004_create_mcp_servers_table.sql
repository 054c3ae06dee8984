-- 004_create_mcp_servers_table: MCP server registration.
-- Written from the AIM backend's own database at its current release (the contract): every table,
-- column, constraint and index exactly as the backend builds it, under the backend's names. Tables
-- that exist are left to 022, which converges databases built before.

CREATE TABLE IF NOT EXISTS mcp_servers (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  organization_id uuid NOT NULL,
  name character varying(255) NOT NULL,
  description text,
  url character varying(512) NOT NULL,
  version character varying(50),
  public_key text,
  status character varying(50) DEFAULT 'pending'::character varying NOT NULL,
  is_verified boolean DEFAULT false,
  last_verified_at timestamp with time zone,
  verification_url character varying(512),
  capabilities jsonb DEFAULT '[]'::jsonb,
  trust_score numeric(5,2) DEFAULT 0.00,
  registered_by_agent uuid,
  created_by uuid NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  verification_method character varying(50) DEFAULT 'agent_attestation'::character varying,
  attestation_count integer DEFAULT 0,
  confidence_score numeric(5,2) DEFAULT 0.00,
  last_attested_at timestamp with time zone,
  CONSTRAINT mcp_servers_confidence_score_check CHECK (((confidence_score >= (0)::numeric) AND (confidence_score <= (100)::numeric))),
  CONSTRAINT mcp_servers_created_by_fkey FOREIGN KEY (created_by) REFERENCES users(id),
  CONSTRAINT mcp_servers_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE,
  CONSTRAINT mcp_servers_registered_by_agent_fkey FOREIGN KEY (registered_by_agent) REFERENCES agents(id) ON DELETE SET NULL,
  CONSTRAINT mcp_servers_pkey PRIMARY KEY (id),
  CONSTRAINT mcp_servers_organization_id_url_key UNIQUE (organization_id, url)
);

-- Each object below is created only where it is missing: IF NOT EXISTS on an index, a column or a
-- trigger would take its table's lock just to find it there, beside a running backend.
DO $$
BEGIN
  IF to_regclass('idx_mcp_servers_capabilities') IS NULL THEN
    CREATE INDEX idx_mcp_servers_capabilities ON mcp_servers USING gin (capabilities);
  END IF;
  IF to_regclass('idx_mcp_servers_created_by') IS NULL THEN
    CREATE INDEX idx_mcp_servers_created_by ON mcp_servers USING btree (created_by);
  END IF;
  IF to_regclass('idx_mcp_servers_is_verified') IS NULL THEN
    CREATE INDEX idx_mcp_servers_is_verified ON mcp_servers USING btree (is_verified);
  END IF;
  IF to_regclass('idx_mcp_servers_organization_id') IS NULL THEN
    CREATE INDEX idx_mcp_servers_organization_id ON mcp_servers USING btree (organization_id);
  END IF;
  IF to_regclass('idx_mcp_servers_registered_by_agent') IS NULL THEN
    CREATE INDEX idx_mcp_servers_registered_by_agent ON mcp_servers USING btree (registered_by_agent);
  END IF;
  IF to_regclass('idx_mcp_servers_status') IS NULL THEN
    CREATE INDEX idx_mcp_servers_status ON mcp_servers USING btree (status);
  END IF;
  IF to_regclass('idx_mcp_servers_trust_score') IS NULL THEN
    CREATE INDEX idx_mcp_servers_trust_score ON mcp_servers USING btree (trust_score);
  END IF;
  IF to_regclass('idx_mcp_servers_url') IS NULL THEN
    CREATE INDEX idx_mcp_servers_url ON mcp_servers USING btree (url);
  END IF;
END;
$$;
