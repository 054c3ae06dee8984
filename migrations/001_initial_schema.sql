-- 001_initial_schema: base tables (organizations, users, agents, api_keys, audit_logs, alerts).
-- Written from the AIM backend's own database at its current release (the contract): every table,
-- column, constraint and index exactly as the backend builds it, under the backend's names. Tables
-- that exist are left to 022, which converges databases built before.

-- The backend's updated_at trigger function (its triggers are 022's; 010's analytics table uses it too).
CREATE OR REPLACE FUNCTION update_updated_at_column() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at = now();
  RETURN NEW;
END;
$$;

CREATE TABLE IF NOT EXISTS organizations (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  name character varying(255) NOT NULL,
  domain character varying(255) NOT NULL,
  plan_type character varying(50) DEFAULT 'free'::character varying NOT NULL,
  max_agents integer DEFAULT 100 NOT NULL,
  max_users integer DEFAULT 10 NOT NULL,
  is_active boolean DEFAULT true NOT NULL,
  created_at timestamp without time zone DEFAULT now() NOT NULL,
  updated_at timestamp without time zone DEFAULT now() NOT NULL,
  CONSTRAINT organizations_pkey PRIMARY KEY (id),
  CONSTRAINT organizations_domain_key UNIQUE (domain)
);

CREATE TABLE IF NOT EXISTS users (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  organization_id uuid NOT NULL,
  email character varying(255) NOT NULL,
  name character varying(255) NOT NULL,
  avatar_url text,
  role character varying(50) DEFAULT 'member'::character varying NOT NULL,
  provider character varying(50) NOT NULL,
  provider_id character varying(255) NOT NULL,
  last_login_at timestamp without time zone,
  created_at timestamp without time zone DEFAULT now() NOT NULL,
  updated_at timestamp without time zone DEFAULT now() NOT NULL,
  status character varying(50) DEFAULT 'active'::character varying NOT NULL,
  deleted_at timestamp with time zone,
  approved_by uuid,
  approved_at timestamp with time zone,
  password_reset_token character varying(255),
  password_reset_expires_at timestamp with time zone,
  password_hash text,
  email_verified boolean DEFAULT false,
  force_password_change boolean DEFAULT false,
  password_reset_expires timestamp with time zone,
  CONSTRAINT users_approved_by_fkey FOREIGN KEY (approved_by) REFERENCES users(id),
  CONSTRAINT users_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE,
  CONSTRAINT users_pkey PRIMARY KEY (id),
  CONSTRAINT users_organization_id_email_key UNIQUE (organization_id, email),
  CONSTRAINT users_provider_provider_id_key UNIQUE (provider, provider_id)
);

CREATE TABLE IF NOT EXISTS agents (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  organization_id uuid NOT NULL,
  name character varying(255) NOT NULL,
  display_name character varying(255) NOT NULL,
  description text,
  agent_type character varying(50) NOT NULL,
  status character varying(50) DEFAULT 'pending'::character varying NOT NULL,
  version character varying(50),
  public_key text,
  certificate_url text,
  repository_url text,
  documentation_url text,
  trust_score numeric(5,2) DEFAULT 0.000,
  verified_at timestamp without time zone,
  created_at timestamp without time zone DEFAULT now() NOT NULL,
  updated_at timestamp without time zone DEFAULT now() NOT NULL,
  created_by uuid NOT NULL,
  talks_to jsonb DEFAULT '[]'::jsonb,
  capabilities jsonb DEFAULT '[]'::jsonb,
  encrypted_private_key text,
  key_algorithm character varying(50) DEFAULT 'RSA-4096'::character varying,
  last_capability_check_at timestamp with time zone,
  capability_violation_count integer DEFAULT 0,
  is_compromised boolean DEFAULT false,
  key_created_at timestamp with time zone,
  key_expires_at timestamp with time zone,
  key_rotation_grace_until timestamp with time zone,
  previous_public_key text,
  rotation_count integer DEFAULT 0,
  last_active timestamp without time zone,
  CONSTRAINT trust_score_range_check CHECK (((trust_score >= 0.0) AND (trust_score <= 1.0))),
  CONSTRAINT agents_created_by_fkey FOREIGN KEY (created_by) REFERENCES users(id),
  CONSTRAINT agents_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE,
  CONSTRAINT agents_pkey PRIMARY KEY (id),
  CONSTRAINT agents_organization_id_name_key UNIQUE (organization_id, name)
);

CREATE TABLE IF NOT EXISTS api_keys (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  organization_id uuid NOT NULL,
  agent_id uuid NOT NULL,
  name character varying(255) NOT NULL,
  key_hash character varying(64) NOT NULL,
  prefix character varying(16) NOT NULL,
  last_used_at timestamp without time zone,
  expires_at timestamp without time zone,
  is_active boolean DEFAULT true NOT NULL,
  created_at timestamp without time zone DEFAULT now() NOT NULL,
  created_by uuid NOT NULL,
  CONSTRAINT api_keys_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE,
  CONSTRAINT api_keys_created_by_fkey FOREIGN KEY (created_by) REFERENCES users(id),
  CONSTRAINT api_keys_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE,
  CONSTRAINT api_keys_pkey PRIMARY KEY (id),
  CONSTRAINT api_keys_key_hash_key UNIQUE (key_hash)
);

CREATE TABLE IF NOT EXISTS audit_logs (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  organization_id uuid NOT NULL,
  user_id uuid NOT NULL,
  action character varying(100) NOT NULL,
  resource_type character varying(50) NOT NULL,
  resource_id uuid NOT NULL,
  ip_address character varying(45),
  user_agent text,
  metadata jsonb,
  "timestamp" timestamp without time zone DEFAULT now() NOT NULL,
  CONSTRAINT audit_logs_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE,
  CONSTRAINT audit_logs_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
  CONSTRAINT audit_logs_pkey PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS alerts (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  organization_id uuid NOT NULL,
  alert_type character varying(100) NOT NULL,
  severity character varying(50) NOT NULL,
  title character varying(255) NOT NULL,
  description text,
  resource_type character varying(50),
  resource_id uuid,
  is_acknowledged boolean DEFAULT false NOT NULL,
  acknowledged_by uuid,
  acknowledged_at timestamp without time zone,
  created_at timestamp without time zone DEFAULT now() NOT NULL,
  CONSTRAINT alerts_acknowledged_by_fkey FOREIGN KEY (acknowledged_by) REFERENCES users(id),
  CONSTRAINT alerts_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE,
  CONSTRAINT alerts_pkey PRIMARY KEY (id)
);

-- Each object below is created only where it is missing: IF NOT EXISTS on an index, a column or a
-- trigger would take its table's lock just to find it there, beside a running backend.
DO $$
BEGIN
  IF to_regclass('idx_agents_agent_type') IS NULL THEN
    CREATE INDEX idx_agents_agent_type ON agents USING btree (agent_type);
  END IF;
  IF to_regclass('idx_agents_created_by') IS NULL THEN
    CREATE INDEX idx_agents_created_by ON agents USING btree (created_by);
  END IF;
  IF to_regclass('idx_agents_organization_id') IS NULL THEN
    CREATE INDEX idx_agents_organization_id ON agents USING btree (organization_id);
  END IF;
  IF to_regclass('idx_agents_status') IS NULL THEN
    CREATE INDEX idx_agents_status ON agents USING btree (status);
  END IF;
  IF to_regclass('idx_alerts_alert_type') IS NULL THEN
    CREATE INDEX idx_alerts_alert_type ON alerts USING btree (alert_type);
  END IF;
  IF to_regclass('idx_alerts_organization_id') IS NULL THEN
    CREATE INDEX idx_alerts_organization_id ON alerts USING btree (organization_id);
  END IF;
  IF to_regclass('idx_alerts_severity') IS NULL THEN
    CREATE INDEX idx_alerts_severity ON alerts USING btree (severity);
  END IF;
  IF to_regclass('idx_api_keys_agent_id') IS NULL THEN
    CREATE INDEX idx_api_keys_agent_id ON api_keys USING btree (agent_id);
  END IF;
  IF to_regclass('idx_api_keys_is_active') IS NULL THEN
    CREATE INDEX idx_api_keys_is_active ON api_keys USING btree (is_active);
  END IF;
  IF to_regclass('idx_api_keys_key_hash') IS NULL THEN
    CREATE INDEX idx_api_keys_key_hash ON api_keys USING btree (key_hash);
  END IF;
  IF to_regclass('idx_api_keys_organization_id') IS NULL THEN
    CREATE INDEX idx_api_keys_organization_id ON api_keys USING btree (organization_id);
  END IF;
  IF to_regclass('idx_api_keys_prefix') IS NULL THEN
    CREATE INDEX idx_api_keys_prefix ON api_keys USING btree (prefix);
  END IF;
  IF to_regclass('idx_audit_logs_action') IS NULL THEN
    CREATE INDEX idx_audit_logs_action ON audit_logs USING btree (action);
  END IF;
  IF to_regclass('idx_audit_logs_organization_id') IS NULL THEN
    CREATE INDEX idx_audit_logs_organization_id ON audit_logs USING btree (organization_id);
  END IF;
  IF to_regclass('idx_audit_logs_resource') IS NULL THEN
    CREATE INDEX idx_audit_logs_resource ON audit_logs USING btree (resource_type, resource_id);
  END IF;
  IF to_regclass('idx_audit_logs_timestamp') IS NULL THEN
    CREATE INDEX idx_audit_logs_timestamp ON audit_logs USING btree ("timestamp" DESC);
  END IF;
  IF to_regclass('idx_audit_logs_user_id') IS NULL THEN
    CREATE INDEX idx_audit_logs_user_id ON audit_logs USING btree (user_id);
  END IF;
  IF to_regclass('idx_organizations_domain') IS NULL THEN
    CREATE INDEX idx_organizations_domain ON organizations USING btree (domain);
  END IF;
  IF to_regclass('idx_organizations_is_active') IS NULL THEN
    CREATE INDEX idx_organizations_is_active ON organizations USING btree (is_active);
  END IF;
  IF to_regclass('idx_users_email') IS NULL THEN
    CREATE INDEX idx_users_email ON users USING btree (email);
  END IF;
  IF to_regclass('idx_users_organization_id') IS NULL THEN
    CREATE INDEX idx_users_organization_id ON users USING btree (organization_id);
  END IF;
END;
$$;
