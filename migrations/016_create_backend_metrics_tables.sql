-- 016_create_backend_metrics_tables: the tables the AIM backend keeps its analytics and trust
-- scores in (agent_activity_metrics, organization_daily_metrics, api_calls, trust_scores,
-- trust_score_history), its operational tables (agent_actions, agent_health_checks,
-- agent_compliance_events, agent_behavioral_baselines, agent_user_feedback), and the second
-- reset-expiry column its password-reset code reads. The backend's code queries every one of them;
-- without them its analytics, trust-score and password-reset endpoints fail with "relation does not
-- exist". Written from the catalog of the backend's current release (deployed-shapes.md, state B):
-- widths at least the backend's, timestamptz where the backend has timestamp (every value it writes
-- fits), one updated_at trigger per table. On a database the backend built, every table is kept
-- with its rows; only what is missing is added.

-- The backend's 011 added users.password_reset_expires beside 002's password_reset_expires_at, and
-- its code reads and writes that column: it must exist. A trigger keeps the two in step, so either
-- name gives the same expiry whichever one a writer set.
ALTER TABLE users ADD COLUMN IF NOT EXISTS password_reset_expires timestamptz;

CREATE OR REPLACE FUNCTION sync_password_reset_expiry() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.password_reset_expires := coalesce(NEW.password_reset_expires, NEW.password_reset_expires_at);
    NEW.password_reset_expires_at := coalesce(NEW.password_reset_expires_at, NEW.password_reset_expires);
  ELSIF NEW.password_reset_expires IS DISTINCT FROM OLD.password_reset_expires THEN
    NEW.password_reset_expires_at := NEW.password_reset_expires;
  ELSIF NEW.password_reset_expires_at IS DISTINCT FROM OLD.password_reset_expires_at THEN
    NEW.password_reset_expires := NEW.password_reset_expires_at;
  END IF;
  RETURN NEW;
END;
$$;

CREATE OR REPLACE TRIGGER users_sync_password_reset_expiry
  BEFORE INSERT OR UPDATE OF password_reset_expires, password_reset_expires_at ON users
  FOR EACH ROW EXECUTE FUNCTION sync_password_reset_expiry();
-- aim:lint-ignore index-locks-table: users is small (one row per person); the backend's own index
CREATE INDEX IF NOT EXISTS idx_users_password_reset_expires ON users (password_reset_expires);

CREATE TABLE IF NOT EXISTS agent_activity_metrics (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id             uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  organization_id      uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  api_calls_count      integer DEFAULT 0,
  data_processed_bytes bigint  DEFAULT 0,
  verifications_count  integer DEFAULT 0,
  errors_count         integer DEFAULT 0,
  avg_response_time_ms integer DEFAULT 0,
  p95_response_time_ms integer DEFAULT 0,
  hour_timestamp       timestamptz NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT agent_activity_metrics_agent_id_hour_timestamp_key UNIQUE (agent_id, hour_timestamp)
);
CREATE INDEX IF NOT EXISTS idx_agent_activity_agent_time ON agent_activity_metrics (agent_id, hour_timestamp DESC);
CREATE INDEX IF NOT EXISTS idx_agent_activity_org_time ON agent_activity_metrics (organization_id, hour_timestamp DESC);

CREATE TABLE IF NOT EXISTS organization_daily_metrics (
  id                         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id            uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  total_api_calls            integer DEFAULT 0,
  total_data_processed_bytes bigint  DEFAULT 0,
  total_verifications        integer DEFAULT 0,
  successful_verifications   integer DEFAULT 0,
  failed_verifications       integer DEFAULT 0,
  total_agents               integer DEFAULT 0,
  verified_agents            integer DEFAULT 0,
  pending_agents             integer DEFAULT 0,
  avg_trust_score            numeric(5,2) DEFAULT 0,
  avg_response_time_ms       integer DEFAULT 0,
  p95_response_time_ms       integer DEFAULT 0,
  total_errors               integer DEFAULT 0,
  date                       date NOT NULL,
  created_at                 timestamptz NOT NULL DEFAULT now(),
  updated_at                 timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT organization_daily_metrics_organization_id_date_key UNIQUE (organization_id, date)
);
CREATE INDEX IF NOT EXISTS idx_org_daily_metrics_date ON organization_daily_metrics (date DESC);
CREATE INDEX IF NOT EXISTS idx_org_daily_metrics_org_date ON organization_daily_metrics (organization_id, date DESC);

CREATE TABLE IF NOT EXISTS api_calls (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id     uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  agent_id            uuid REFERENCES agents(id) ON DELETE SET NULL,
  user_id             uuid REFERENCES users(id) ON DELETE SET NULL,
  method              varchar(10)  NOT NULL,
  endpoint            varchar(500) NOT NULL,
  status_code         integer NOT NULL,
  duration_ms         integer NOT NULL,
  request_size_bytes  integer DEFAULT 0,
  response_size_bytes integer DEFAULT 0,
  user_agent          text,
  ip_address          inet,
  error_message       text,
  called_at           timestamptz NOT NULL DEFAULT now(),
  created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_api_calls_agent_time ON api_calls (agent_id, called_at DESC);
CREATE INDEX IF NOT EXISTS idx_api_calls_endpoint_time ON api_calls (endpoint, called_at DESC);
CREATE INDEX IF NOT EXISTS idx_api_calls_org_time ON api_calls (organization_id, called_at DESC);
CREATE INDEX IF NOT EXISTS idx_api_calls_status_time ON api_calls (status_code, called_at DESC);

-- Trust scores in the backend's eight-factor shape. A database built at the guide's release still
-- has the seven older factor columns, NOT NULL: they stay with their values, and become nullable
-- below, because the current backend no longer writes them.
CREATE TABLE IF NOT EXISTS trust_scores (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id            uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  score               numeric(4,3) NOT NULL,
  verification_status numeric(4,3),
  confidence          numeric(4,3) NOT NULL,
  last_calculated     timestamptz NOT NULL DEFAULT now(),
  created_at          timestamptz NOT NULL DEFAULT now(),
  uptime              numeric(5,4) DEFAULT 0.0,
  success_rate        numeric(5,4) DEFAULT 0.0,
  security_alerts     numeric(5,4) DEFAULT 0.0,
  compliance          numeric(5,4) DEFAULT 0.0,
  age                 numeric(5,4) DEFAULT 0.0,
  drift_detection     numeric(5,4) DEFAULT 0.0,
  user_feedback       numeric(5,4) DEFAULT 0.0,
  factors             jsonb DEFAULT '{}'::jsonb
);
ALTER TABLE trust_scores ADD COLUMN IF NOT EXISTS uptime numeric(5,4) DEFAULT 0.0;
ALTER TABLE trust_scores ADD COLUMN IF NOT EXISTS success_rate numeric(5,4) DEFAULT 0.0;
ALTER TABLE trust_scores ADD COLUMN IF NOT EXISTS security_alerts numeric(5,4) DEFAULT 0.0;
ALTER TABLE trust_scores ADD COLUMN IF NOT EXISTS compliance numeric(5,4) DEFAULT 0.0;
ALTER TABLE trust_scores ADD COLUMN IF NOT EXISTS age numeric(5,4) DEFAULT 0.0;
ALTER TABLE trust_scores ADD COLUMN IF NOT EXISTS drift_detection numeric(5,4) DEFAULT 0.0;
ALTER TABLE trust_scores ADD COLUMN IF NOT EXISTS user_feedback numeric(5,4) DEFAULT 0.0;
ALTER TABLE trust_scores ADD COLUMN IF NOT EXISTS factors jsonb DEFAULT '{}'::jsonb;
-- Dropping NOT NULL keeps every value and needs no scan.
DO $$
DECLARE
  legacy text;
BEGIN
  FOREACH legacy IN ARRAY ARRAY['verification_status', 'certificate_validity', 'repository_quality', 'documentation_score',
                               'community_trust', 'security_audit', 'update_frequency', 'age_score'] LOOP
    IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'trust_scores'
               AND column_name = legacy AND is_nullable = 'NO') THEN
      EXECUTE format('ALTER TABLE trust_scores ALTER COLUMN %I DROP NOT NULL', legacy);
    END IF;
  END LOOP;
END;
$$;
CREATE INDEX IF NOT EXISTS idx_trust_scores_agent_id ON trust_scores (agent_id);
CREATE INDEX IF NOT EXISTS idx_trust_scores_created_at ON trust_scores (created_at DESC);
CREATE INDEX IF NOT EXISTS idx_trust_scores_last_calculated ON trust_scores (last_calculated DESC);
-- aim:lint-ignore index-locks-table: trust_scores holds one row per score calculation, created above on a new database
CREATE INDEX IF NOT EXISTS idx_trust_scores_factors ON trust_scores USING gin (factors);

CREATE TABLE IF NOT EXISTS trust_score_history (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id        uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  trust_score     numeric(5,2) NOT NULL,
  previous_score  numeric(5,2),
  change_reason   varchar(100),
  metadata        jsonb,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  created_at      timestamptz NOT NULL DEFAULT now(),
  changed_by      uuid REFERENCES users(id) ON DELETE SET NULL
);
ALTER TABLE trust_score_history ADD COLUMN IF NOT EXISTS changed_by uuid REFERENCES users(id) ON DELETE SET NULL;
CREATE INDEX IF NOT EXISTS idx_trust_score_history_agent_time ON trust_score_history (agent_id, recorded_at DESC);
CREATE INDEX IF NOT EXISTS idx_trust_score_history_org_time ON trust_score_history (organization_id, recorded_at DESC);
-- aim:lint-ignore index-locks-table: changed_by is new; the history grows with score changes, not requests
CREATE INDEX IF NOT EXISTS idx_trust_score_history_changed_by ON trust_score_history (changed_by);
-- The backend's 0-100 range: added NOT VALID (no scan under the exclusive lock), then validated.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'trust_score_history'::regclass AND conname = 'trust_score_range_check') THEN
    ALTER TABLE trust_score_history ADD CONSTRAINT trust_score_range_check CHECK (trust_score >= 0 AND trust_score <= 100) NOT VALID;
  END IF;
END;
$$;
ALTER TABLE trust_score_history VALIDATE CONSTRAINT trust_score_range_check;

-- The backend's history of score changes and its hourly per-agent counts are kept by two triggers
-- its code relies on. A database that already has the functions keeps its own bodies.
DO $$
BEGIN
  IF to_regprocedure('log_trust_score_change()') IS NULL THEN
    EXECUTE $fn$
      CREATE FUNCTION log_trust_score_change() RETURNS trigger LANGUAGE plpgsql AS $body$
      BEGIN
        IF NEW.trust_score IS DISTINCT FROM OLD.trust_score THEN
          INSERT INTO trust_score_history (agent_id, organization_id, trust_score, previous_score, change_reason)
          VALUES (NEW.id, NEW.organization_id, NEW.trust_score, OLD.trust_score, 'update');
        END IF;
        RETURN NEW;
      END;
      $body$
    $fn$;
  END IF;
  IF to_regprocedure('aggregate_agent_hourly_metrics()') IS NULL THEN
    EXECUTE $fn$
      CREATE FUNCTION aggregate_agent_hourly_metrics() RETURNS trigger LANGUAGE plpgsql AS $body$
      BEGIN
        IF NEW.agent_id IS NOT NULL THEN
          INSERT INTO agent_activity_metrics (agent_id, organization_id, api_calls_count, hour_timestamp)
          VALUES (NEW.agent_id, NEW.organization_id, 1, date_trunc('hour', NEW.called_at))
          ON CONFLICT (agent_id, hour_timestamp)
          DO UPDATE SET api_calls_count = agent_activity_metrics.api_calls_count + 1;
        END IF;
        RETURN NEW;
      END;
      $body$
    $fn$;
  END IF;
END;
$$;
CREATE OR REPLACE TRIGGER trigger_log_trust_score
  AFTER UPDATE ON agents FOR EACH ROW EXECUTE FUNCTION log_trust_score_change();
CREATE OR REPLACE TRIGGER trigger_aggregate_agent_metrics
  AFTER INSERT ON api_calls FOR EACH ROW EXECUTE FUNCTION aggregate_agent_hourly_metrics();

CREATE TABLE IF NOT EXISTS agent_actions (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id          uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  action_type       varchar(100) NOT NULL,
  action_name       varchar(255) NOT NULL,
  is_successful     boolean NOT NULL,
  is_verified       boolean NOT NULL DEFAULT false,
  error_message     text,
  execution_time_ms integer,
  metadata          jsonb DEFAULT '{}'::jsonb,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_agent_actions_agent_id ON agent_actions (agent_id);
CREATE INDEX IF NOT EXISTS idx_agent_actions_action_type ON agent_actions (action_type);
CREATE INDEX IF NOT EXISTS idx_agent_actions_created_at ON agent_actions (created_at DESC);
CREATE INDEX IF NOT EXISTS idx_agent_actions_is_successful ON agent_actions (is_successful);
CREATE INDEX IF NOT EXISTS idx_agent_actions_is_verified ON agent_actions (is_verified);

CREATE TABLE IF NOT EXISTS agent_health_checks (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id         uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  check_time       timestamptz NOT NULL DEFAULT now(),
  is_successful    boolean NOT NULL,
  response_time_ms integer,
  error_message    text,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_agent_health_checks_agent_id ON agent_health_checks (agent_id);
CREATE INDEX IF NOT EXISTS idx_agent_health_checks_check_time ON agent_health_checks (check_time DESC);
CREATE INDEX IF NOT EXISTS idx_agent_health_checks_is_successful ON agent_health_checks (is_successful);

CREATE TABLE IF NOT EXISTS agent_compliance_events (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id            uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  compliance_type     varchar(100) NOT NULL,
  requirement         varchar(255) NOT NULL,
  is_compliant        boolean NOT NULL,
  violation_details   text,
  auto_remediated     boolean NOT NULL DEFAULT false,
  remediation_details text,
  created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_agent_compliance_events_agent_id ON agent_compliance_events (agent_id);
CREATE INDEX IF NOT EXISTS idx_agent_compliance_events_compliance_type ON agent_compliance_events (compliance_type);
CREATE INDEX IF NOT EXISTS idx_agent_compliance_events_created_at ON agent_compliance_events (created_at DESC);
CREATE INDEX IF NOT EXISTS idx_agent_compliance_events_is_compliant ON agent_compliance_events (is_compliant);

CREATE TABLE IF NOT EXISTS agent_behavioral_baselines (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id              uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  metric_name           varchar(100) NOT NULL,
  baseline_value        numeric(10,2) NOT NULL,
  current_value         numeric(10,2) NOT NULL,
  deviation_percentage  numeric(5,2) NOT NULL,
  is_anomaly            boolean NOT NULL DEFAULT false,
  baseline_period_start timestamptz NOT NULL,
  baseline_period_end   timestamptz NOT NULL,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_agent_behavioral_baselines_agent_id ON agent_behavioral_baselines (agent_id);
CREATE INDEX IF NOT EXISTS idx_agent_behavioral_baselines_created_at ON agent_behavioral_baselines (created_at DESC);
CREATE INDEX IF NOT EXISTS idx_agent_behavioral_baselines_is_anomaly ON agent_behavioral_baselines (is_anomaly);
CREATE INDEX IF NOT EXISTS idx_agent_behavioral_baselines_metric_name ON agent_behavioral_baselines (metric_name);

CREATE TABLE IF NOT EXISTS agent_user_feedback (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id      uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  user_id       uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  rating        integer NOT NULL CONSTRAINT agent_user_feedback_rating_check CHECK (rating BETWEEN 1 AND 5),
  feedback_type varchar(50) NOT NULL,
  comment       text,
  context       jsonb DEFAULT '{}'::jsonb,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_agent_user_feedback_agent_id ON agent_user_feedback (agent_id);
CREATE INDEX IF NOT EXISTS idx_agent_user_feedback_user_id ON agent_user_feedback (user_id);
CREATE INDEX IF NOT EXISTS idx_agent_user_feedback_created_at ON agent_user_feedback (created_at DESC);
CREATE INDEX IF NOT EXISTS idx_agent_user_feedback_feedback_type ON agent_user_feedback (feedback_type);
CREATE INDEX IF NOT EXISTS idx_agent_user_feedback_rating ON agent_user_feedback (rating);

-- One BEFORE UPDATE trigger keeps updated_at on each table (the backend's update_<table>_updated_at
-- does the same job, so it is replaced rather than left to fire a second time).
-- aim:lint-ignore destructive: replaces the backend's update_<table>_updated_at trigger with ours (same job)
DROP TRIGGER IF EXISTS update_agent_behavioral_baselines_updated_at ON agent_behavioral_baselines;
CREATE OR REPLACE TRIGGER agent_activity_metrics_set_updated_at
  BEFORE UPDATE ON agent_activity_metrics FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE OR REPLACE TRIGGER organization_daily_metrics_set_updated_at
  BEFORE UPDATE ON organization_daily_metrics FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE OR REPLACE TRIGGER agent_behavioral_baselines_set_updated_at
  BEFORE UPDATE ON agent_behavioral_baselines FOR EACH ROW EXECUTE FUNCTION set_updated_at();
