-- 001_initial_schema: base tables (organizations, users, agents, api_keys, audit_logs, alerts).
-- Idempotent: every object is guarded, so a second run changes nothing. On a database the deployed
-- AIM backend built, it converges what can change without losing or reinterpreting a row; what
-- cannot (timestamp columns without time zone, agents.trust_score numeric(4,3)) stays, and
-- aim verify names it as a known difference.

CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;

CREATE TABLE IF NOT EXISTS organizations (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        varchar(255) NOT NULL,
  domain      varchar(255) NOT NULL UNIQUE,
  plan_type   varchar(50)  NOT NULL DEFAULT 'free',
  max_agents  integer      NOT NULL DEFAULT 100,
  max_users   integer      NOT NULL DEFAULT 10,
  is_active   boolean      NOT NULL DEFAULT true,
  created_at  timestamptz  NOT NULL DEFAULT now(),
  updated_at  timestamptz  NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS users (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  email           varchar(255) NOT NULL,
  name            varchar(255) NOT NULL,
  avatar_url      text,
  role            varchar(50)  NOT NULL DEFAULT 'member',
  provider        varchar(50)  NOT NULL,
  provider_id     varchar(255) NOT NULL,
  last_login_at   timestamptz,
  created_at      timestamptz  NOT NULL DEFAULT now(),
  updated_at      timestamptz  NOT NULL DEFAULT now(),
  CONSTRAINT users_organization_id_email_key UNIQUE (organization_id, email),
  CONSTRAINT users_provider_provider_id_key UNIQUE (provider, provider_id)
);

CREATE TABLE IF NOT EXISTS agents (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id   uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name              varchar(255) NOT NULL,
  display_name      varchar(255) NOT NULL,
  description       text,
  agent_type        varchar(50)  NOT NULL,
  status            varchar(50)  NOT NULL DEFAULT 'pending',
  version           varchar(50),
  public_key        text,
  certificate_url   text,
  repository_url    text,
  documentation_url text,
  trust_score       numeric(5,2) DEFAULT 0,
  verified_at       timestamptz,
  created_by        uuid NOT NULL REFERENCES users(id),
  created_at        timestamptz  NOT NULL DEFAULT now(),
  updated_at        timestamptz  NOT NULL DEFAULT now(),
  CONSTRAINT agents_organization_id_name_key UNIQUE (organization_id, name)
);

CREATE TABLE IF NOT EXISTS api_keys (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  agent_id        uuid REFERENCES agents(id) ON DELETE CASCADE,
  name            varchar(255) NOT NULL,
  key_hash        varchar(64)  NOT NULL UNIQUE,
  prefix          varchar(16)  NOT NULL,
  last_used_at    timestamptz,
  expires_at      timestamptz,
  is_active       boolean      NOT NULL DEFAULT true,
  created_at      timestamptz  NOT NULL DEFAULT now(),
  created_by      uuid REFERENCES users(id) ON DELETE SET NULL
);

-- A deleted user keeps its audit trail: user_id is nulled, the rows stay.
CREATE TABLE IF NOT EXISTS audit_logs (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  user_id         uuid REFERENCES users(id) ON DELETE SET NULL,
  action          varchar(100) NOT NULL,
  resource_type   varchar(50)  NOT NULL,
  resource_id     uuid,
  ip_address      varchar(45),
  user_agent      text,
  metadata        jsonb,
  "timestamp"     timestamptz  NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS alerts (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  alert_type      varchar(100) NOT NULL,
  severity        varchar(50)  NOT NULL,
  title           varchar(255) NOT NULL,
  description     text,
  resource_type   varchar(50),
  resource_id     uuid,
  is_acknowledged boolean      NOT NULL DEFAULT false,
  acknowledged_by uuid REFERENCES users(id) ON DELETE SET NULL,
  acknowledged_at timestamptz,
  created_at      timestamptz  NOT NULL DEFAULT now()
);

-- On a database the backend already serves, its transactions take users first (each request looks
-- up its user), then other tables. This file needs users in ACCESS EXCLUSIVE mode further down (its
-- triggers, the audit-log foreign key), so it takes that lock first: an application transaction can
-- then never hold users while it waits for a table this file holds (a deadlock). Nothing below scans
-- a table, so the lock is held for milliseconds.
DO $$
BEGIN
  IF to_regclass('users') IS NOT NULL THEN
    LOCK TABLE users IN ACCESS EXCLUSIVE MODE;
  END IF;
END;
$$;

CREATE INDEX IF NOT EXISTS idx_users_organization_id ON users (organization_id);
CREATE INDEX IF NOT EXISTS idx_agents_organization_id ON agents (organization_id);
CREATE INDEX IF NOT EXISTS idx_api_keys_agent_id ON api_keys (agent_id);
CREATE INDEX IF NOT EXISTS idx_api_keys_organization_id ON api_keys (organization_id);
CREATE INDEX IF NOT EXISTS idx_audit_logs_organization_id ON audit_logs (organization_id);
CREATE INDEX IF NOT EXISTS idx_audit_logs_timestamp ON audit_logs ("timestamp" DESC);

-- The deployed api_keys.prefix was varchar(8), too short for AIM's key prefixes: widening a varchar
-- keeps every value and does not rewrite the table.
DO $$
BEGIN
  IF (SELECT character_maximum_length FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = 'api_keys' AND column_name = 'prefix') < 16 THEN
    ALTER TABLE api_keys ALTER COLUMN prefix TYPE varchar(16);
  END IF;
END;
$$;

-- The deployed audit_logs deleted a user's audit trail with the user (NOT NULL, ON DELETE CASCADE):
-- keep the rows and null the user instead. No existing row changes.
ALTER TABLE audit_logs ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE audit_logs ALTER COLUMN resource_id DROP NOT NULL;
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'audit_logs'::regclass
             AND conname = 'audit_logs_user_id_fkey' AND confdeltype <> 'n') THEN
    ALTER TABLE audit_logs DROP CONSTRAINT audit_logs_user_id_fkey;
    -- NOT VALID: no scan of a large audit trail under this file's locks; every existing row already
    -- satisfied the old key. 021 validates it in its own transaction, which blocks no writes.
    ALTER TABLE audit_logs ADD CONSTRAINT audit_logs_user_id_fkey
      FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE SET NULL NOT VALID;
  END IF;
END;
$$;

-- One BEFORE UPDATE trigger keeps updated_at: the deployed backend's update_<table>_updated_at
-- does the same job as ours, so it is replaced rather than left to fire a second time.
-- aim:lint-ignore destructive: replaces the deployed update_<table>_updated_at trigger with ours (same job)
DROP TRIGGER IF EXISTS update_organizations_updated_at ON organizations;
DROP TRIGGER IF EXISTS update_users_updated_at ON users;
DROP TRIGGER IF EXISTS update_agents_updated_at ON agents;

CREATE OR REPLACE TRIGGER organizations_set_updated_at
  BEFORE UPDATE ON organizations FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE OR REPLACE TRIGGER users_set_updated_at
  BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE OR REPLACE TRIGGER agents_set_updated_at
  BEFORE UPDATE ON agents FOR EACH ROW EXECUTE FUNCTION set_updated_at();
