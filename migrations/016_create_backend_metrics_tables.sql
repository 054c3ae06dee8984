-- 016_create_backend_metrics_tables: the tables the AIM backend keeps its analytics and trust scores
-- in (agent_activity_metrics, organization_daily_metrics, api_calls, trust_scores, trust_score_history),
-- its operational tables (agent_actions, agent_health_checks, agent_compliance_events,
-- agent_behavioral_baselines, agent_user_feedback), and the second reset-expiry column its
-- password-reset code reads. The triggers the backend keeps on them are 022's.
-- Written from the AIM backend's own database at its current release (the contract): every table,
-- column, constraint and index exactly as the backend builds it, under the backend's names. Tables
-- that exist are left to 022, which converges databases built before.

CREATE TABLE IF NOT EXISTS agent_activity_metrics (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  agent_id uuid NOT NULL,
  organization_id uuid NOT NULL,
  api_calls_count integer DEFAULT 0,
  data_processed_bytes bigint DEFAULT 0,
  verifications_count integer DEFAULT 0,
  errors_count integer DEFAULT 0,
  avg_response_time_ms integer DEFAULT 0,
  p95_response_time_ms integer DEFAULT 0,
  hour_timestamp timestamp with time zone NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT agent_activity_metrics_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE,
  CONSTRAINT agent_activity_metrics_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE,
  CONSTRAINT agent_activity_metrics_pkey PRIMARY KEY (id),
  CONSTRAINT agent_activity_metrics_agent_id_hour_timestamp_key UNIQUE (agent_id, hour_timestamp)
);

CREATE TABLE IF NOT EXISTS organization_daily_metrics (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  organization_id uuid NOT NULL,
  total_api_calls integer DEFAULT 0,
  total_data_processed_bytes bigint DEFAULT 0,
  total_verifications integer DEFAULT 0,
  successful_verifications integer DEFAULT 0,
  failed_verifications integer DEFAULT 0,
  total_agents integer DEFAULT 0,
  verified_agents integer DEFAULT 0,
  pending_agents integer DEFAULT 0,
  avg_trust_score numeric(5,2) DEFAULT 0.00,
  avg_response_time_ms integer DEFAULT 0,
  p95_response_time_ms integer DEFAULT 0,
  total_errors integer DEFAULT 0,
  date date NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT organization_daily_metrics_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE,
  CONSTRAINT organization_daily_metrics_pkey PRIMARY KEY (id),
  CONSTRAINT organization_daily_metrics_organization_id_date_key UNIQUE (organization_id, date)
);

CREATE TABLE IF NOT EXISTS api_calls (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  organization_id uuid NOT NULL,
  agent_id uuid,
  user_id uuid,
  method character varying(10) NOT NULL,
  endpoint character varying(500) NOT NULL,
  status_code integer NOT NULL,
  duration_ms integer NOT NULL,
  request_size_bytes integer DEFAULT 0,
  response_size_bytes integer DEFAULT 0,
  user_agent text,
  ip_address inet,
  error_message text,
  called_at timestamp with time zone DEFAULT now() NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT api_calls_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE SET NULL,
  CONSTRAINT api_calls_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE,
  CONSTRAINT api_calls_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE SET NULL,
  CONSTRAINT api_calls_pkey PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS trust_scores (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  agent_id uuid NOT NULL,
  score numeric(4,3) NOT NULL,
  verification_status numeric(4,3),
  confidence numeric(4,3) NOT NULL,
  last_calculated timestamp without time zone DEFAULT now() NOT NULL,
  created_at timestamp without time zone DEFAULT now() NOT NULL,
  uptime numeric(5,4) DEFAULT 0.0,
  success_rate numeric(5,4) DEFAULT 0.0,
  security_alerts numeric(5,4) DEFAULT 0.0,
  compliance numeric(5,4) DEFAULT 0.0,
  age numeric(5,4) DEFAULT 0.0,
  drift_detection numeric(5,4) DEFAULT 0.0,
  user_feedback numeric(5,4) DEFAULT 0.0,
  factors jsonb DEFAULT '{}'::jsonb,
  CONSTRAINT trust_scores_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE,
  CONSTRAINT trust_scores_pkey PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS trust_score_history (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  agent_id uuid NOT NULL,
  organization_id uuid NOT NULL,
  trust_score numeric(5,2) NOT NULL,
  previous_score numeric(5,2),
  change_reason character varying(100),
  metadata jsonb,
  recorded_at timestamp with time zone DEFAULT now() NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  changed_by uuid,
  CONSTRAINT trust_score_range_check CHECK (((trust_score >= 0.0) AND (trust_score <= 1.0))),
  CONSTRAINT trust_score_history_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE,
  CONSTRAINT trust_score_history_changed_by_fkey FOREIGN KEY (changed_by) REFERENCES users(id) ON DELETE SET NULL,
  CONSTRAINT trust_score_history_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE,
  CONSTRAINT trust_score_history_pkey PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS agent_actions (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  agent_id uuid NOT NULL,
  action_type character varying(100) NOT NULL,
  action_name character varying(255) NOT NULL,
  is_successful boolean NOT NULL,
  is_verified boolean DEFAULT false NOT NULL,
  error_message text,
  execution_time_ms integer,
  metadata jsonb DEFAULT '{}'::jsonb,
  created_at timestamp without time zone DEFAULT now() NOT NULL,
  CONSTRAINT agent_actions_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE,
  CONSTRAINT agent_actions_pkey PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS agent_health_checks (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  agent_id uuid NOT NULL,
  check_time timestamp without time zone DEFAULT now() NOT NULL,
  is_successful boolean NOT NULL,
  response_time_ms integer,
  error_message text,
  created_at timestamp without time zone DEFAULT now() NOT NULL,
  CONSTRAINT agent_health_checks_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE,
  CONSTRAINT agent_health_checks_pkey PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS agent_compliance_events (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  agent_id uuid NOT NULL,
  compliance_type character varying(100) NOT NULL,
  requirement character varying(255) NOT NULL,
  is_compliant boolean NOT NULL,
  violation_details text,
  auto_remediated boolean DEFAULT false NOT NULL,
  remediation_details text,
  created_at timestamp without time zone DEFAULT now() NOT NULL,
  CONSTRAINT agent_compliance_events_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE,
  CONSTRAINT agent_compliance_events_pkey PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS agent_behavioral_baselines (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  agent_id uuid NOT NULL,
  metric_name character varying(100) NOT NULL,
  baseline_value numeric(10,2) NOT NULL,
  current_value numeric(10,2) NOT NULL,
  deviation_percentage numeric(5,2) NOT NULL,
  is_anomaly boolean DEFAULT false NOT NULL,
  baseline_period_start timestamp without time zone NOT NULL,
  baseline_period_end timestamp without time zone NOT NULL,
  created_at timestamp without time zone DEFAULT now() NOT NULL,
  updated_at timestamp without time zone DEFAULT now() NOT NULL,
  CONSTRAINT agent_behavioral_baselines_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE,
  CONSTRAINT agent_behavioral_baselines_pkey PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS agent_user_feedback (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  agent_id uuid NOT NULL,
  user_id uuid NOT NULL,
  rating integer NOT NULL,
  feedback_type character varying(50) NOT NULL,
  comment text,
  context jsonb DEFAULT '{}'::jsonb,
  created_at timestamp without time zone DEFAULT now() NOT NULL,
  CONSTRAINT agent_user_feedback_rating_check CHECK (((rating >= 1) AND (rating <= 5))),
  CONSTRAINT agent_user_feedback_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE,
  CONSTRAINT agent_user_feedback_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
  CONSTRAINT agent_user_feedback_pkey PRIMARY KEY (id)
);

-- Each object below is created only where it is missing: IF NOT EXISTS on an index, a column or a
-- trigger would take its table's lock just to find it there, beside a running backend.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'password_reset_expires' AND NOT attisdropped) THEN
    ALTER TABLE users ADD COLUMN password_reset_expires timestamp with time zone;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'trust_scores'::regclass AND attname = 'uptime' AND NOT attisdropped) THEN
    ALTER TABLE trust_scores ADD COLUMN uptime numeric(5,4) DEFAULT 0.0;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'trust_scores'::regclass AND attname = 'success_rate' AND NOT attisdropped) THEN
    ALTER TABLE trust_scores ADD COLUMN success_rate numeric(5,4) DEFAULT 0.0;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'trust_scores'::regclass AND attname = 'security_alerts' AND NOT attisdropped) THEN
    ALTER TABLE trust_scores ADD COLUMN security_alerts numeric(5,4) DEFAULT 0.0;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'trust_scores'::regclass AND attname = 'compliance' AND NOT attisdropped) THEN
    ALTER TABLE trust_scores ADD COLUMN compliance numeric(5,4) DEFAULT 0.0;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'trust_scores'::regclass AND attname = 'age' AND NOT attisdropped) THEN
    ALTER TABLE trust_scores ADD COLUMN age numeric(5,4) DEFAULT 0.0;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'trust_scores'::regclass AND attname = 'drift_detection' AND NOT attisdropped) THEN
    ALTER TABLE trust_scores ADD COLUMN drift_detection numeric(5,4) DEFAULT 0.0;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'trust_scores'::regclass AND attname = 'user_feedback' AND NOT attisdropped) THEN
    ALTER TABLE trust_scores ADD COLUMN user_feedback numeric(5,4) DEFAULT 0.0;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'trust_scores'::regclass AND attname = 'factors' AND NOT attisdropped) THEN
    ALTER TABLE trust_scores ADD COLUMN factors jsonb DEFAULT '{}'::jsonb;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'trust_score_history'::regclass AND attname = 'changed_by' AND NOT attisdropped) THEN
    ALTER TABLE trust_score_history ADD COLUMN changed_by uuid REFERENCES users(id) ON DELETE SET NULL;
  END IF;
  IF to_regclass('idx_agent_actions_action_type') IS NULL THEN
    CREATE INDEX idx_agent_actions_action_type ON agent_actions USING btree (action_type);
  END IF;
  IF to_regclass('idx_agent_actions_agent_id') IS NULL THEN
    CREATE INDEX idx_agent_actions_agent_id ON agent_actions USING btree (agent_id);
  END IF;
  IF to_regclass('idx_agent_actions_created_at') IS NULL THEN
    CREATE INDEX idx_agent_actions_created_at ON agent_actions USING btree (created_at DESC);
  END IF;
  IF to_regclass('idx_agent_actions_is_successful') IS NULL THEN
    CREATE INDEX idx_agent_actions_is_successful ON agent_actions USING btree (is_successful);
  END IF;
  IF to_regclass('idx_agent_actions_is_verified') IS NULL THEN
    CREATE INDEX idx_agent_actions_is_verified ON agent_actions USING btree (is_verified);
  END IF;
  IF to_regclass('idx_agent_activity_agent_time') IS NULL THEN
    CREATE INDEX idx_agent_activity_agent_time ON agent_activity_metrics USING btree (agent_id, hour_timestamp DESC);
  END IF;
  IF to_regclass('idx_agent_activity_org_time') IS NULL THEN
    CREATE INDEX idx_agent_activity_org_time ON agent_activity_metrics USING btree (organization_id, hour_timestamp DESC);
  END IF;
  IF to_regclass('idx_agent_behavioral_baselines_agent_id') IS NULL THEN
    CREATE INDEX idx_agent_behavioral_baselines_agent_id ON agent_behavioral_baselines USING btree (agent_id);
  END IF;
  IF to_regclass('idx_agent_behavioral_baselines_created_at') IS NULL THEN
    CREATE INDEX idx_agent_behavioral_baselines_created_at ON agent_behavioral_baselines USING btree (created_at DESC);
  END IF;
  IF to_regclass('idx_agent_behavioral_baselines_is_anomaly') IS NULL THEN
    CREATE INDEX idx_agent_behavioral_baselines_is_anomaly ON agent_behavioral_baselines USING btree (is_anomaly);
  END IF;
  IF to_regclass('idx_agent_behavioral_baselines_metric_name') IS NULL THEN
    CREATE INDEX idx_agent_behavioral_baselines_metric_name ON agent_behavioral_baselines USING btree (metric_name);
  END IF;
  IF to_regclass('idx_agent_compliance_events_agent_id') IS NULL THEN
    CREATE INDEX idx_agent_compliance_events_agent_id ON agent_compliance_events USING btree (agent_id);
  END IF;
  IF to_regclass('idx_agent_compliance_events_compliance_type') IS NULL THEN
    CREATE INDEX idx_agent_compliance_events_compliance_type ON agent_compliance_events USING btree (compliance_type);
  END IF;
  IF to_regclass('idx_agent_compliance_events_created_at') IS NULL THEN
    CREATE INDEX idx_agent_compliance_events_created_at ON agent_compliance_events USING btree (created_at DESC);
  END IF;
  IF to_regclass('idx_agent_compliance_events_is_compliant') IS NULL THEN
    CREATE INDEX idx_agent_compliance_events_is_compliant ON agent_compliance_events USING btree (is_compliant);
  END IF;
  IF to_regclass('idx_agent_health_checks_agent_id') IS NULL THEN
    CREATE INDEX idx_agent_health_checks_agent_id ON agent_health_checks USING btree (agent_id);
  END IF;
  IF to_regclass('idx_agent_health_checks_check_time') IS NULL THEN
    CREATE INDEX idx_agent_health_checks_check_time ON agent_health_checks USING btree (check_time DESC);
  END IF;
  IF to_regclass('idx_agent_health_checks_is_successful') IS NULL THEN
    CREATE INDEX idx_agent_health_checks_is_successful ON agent_health_checks USING btree (is_successful);
  END IF;
  IF to_regclass('idx_agent_user_feedback_agent_id') IS NULL THEN
    CREATE INDEX idx_agent_user_feedback_agent_id ON agent_user_feedback USING btree (agent_id);
  END IF;
  IF to_regclass('idx_agent_user_feedback_created_at') IS NULL THEN
    CREATE INDEX idx_agent_user_feedback_created_at ON agent_user_feedback USING btree (created_at DESC);
  END IF;
  IF to_regclass('idx_agent_user_feedback_feedback_type') IS NULL THEN
    CREATE INDEX idx_agent_user_feedback_feedback_type ON agent_user_feedback USING btree (feedback_type);
  END IF;
  IF to_regclass('idx_agent_user_feedback_rating') IS NULL THEN
    CREATE INDEX idx_agent_user_feedback_rating ON agent_user_feedback USING btree (rating);
  END IF;
  IF to_regclass('idx_agent_user_feedback_user_id') IS NULL THEN
    CREATE INDEX idx_agent_user_feedback_user_id ON agent_user_feedback USING btree (user_id);
  END IF;
  IF to_regclass('idx_api_calls_agent_time') IS NULL THEN
    CREATE INDEX idx_api_calls_agent_time ON api_calls USING btree (agent_id, called_at DESC) WHERE (agent_id IS NOT NULL);
  END IF;
  IF to_regclass('idx_api_calls_endpoint_time') IS NULL THEN
    CREATE INDEX idx_api_calls_endpoint_time ON api_calls USING btree (endpoint, called_at DESC);
  END IF;
  IF to_regclass('idx_api_calls_org_time') IS NULL THEN
    CREATE INDEX idx_api_calls_org_time ON api_calls USING btree (organization_id, called_at DESC);
  END IF;
  IF to_regclass('idx_api_calls_status_time') IS NULL THEN
    CREATE INDEX idx_api_calls_status_time ON api_calls USING btree (status_code, called_at DESC);
  END IF;
  IF to_regclass('idx_org_daily_metrics_date') IS NULL THEN
    CREATE INDEX idx_org_daily_metrics_date ON organization_daily_metrics USING btree (date DESC);
  END IF;
  IF to_regclass('idx_org_daily_metrics_org_date') IS NULL THEN
    CREATE INDEX idx_org_daily_metrics_org_date ON organization_daily_metrics USING btree (organization_id, date DESC);
  END IF;
  IF to_regclass('idx_trust_score_history_agent_time') IS NULL THEN
    CREATE INDEX idx_trust_score_history_agent_time ON trust_score_history USING btree (agent_id, recorded_at DESC);
  END IF;
  IF to_regclass('idx_trust_score_history_changed_by') IS NULL THEN
    CREATE INDEX idx_trust_score_history_changed_by ON trust_score_history USING btree (changed_by) WHERE (changed_by IS NOT NULL);
  END IF;
  IF to_regclass('idx_trust_score_history_org_time') IS NULL THEN
    CREATE INDEX idx_trust_score_history_org_time ON trust_score_history USING btree (organization_id, recorded_at DESC);
  END IF;
  IF to_regclass('idx_trust_scores_agent_id') IS NULL THEN
    CREATE INDEX idx_trust_scores_agent_id ON trust_scores USING btree (agent_id);
  END IF;
  IF to_regclass('idx_trust_scores_created_at') IS NULL THEN
    CREATE INDEX idx_trust_scores_created_at ON trust_scores USING btree (created_at DESC);
  END IF;
  IF to_regclass('idx_trust_scores_factors') IS NULL THEN
    CREATE INDEX idx_trust_scores_factors ON trust_scores USING gin (factors);
  END IF;
  IF to_regclass('idx_trust_scores_last_calculated') IS NULL THEN
    CREATE INDEX idx_trust_scores_last_calculated ON trust_scores USING btree (last_calculated);
  END IF;
  IF to_regclass('idx_users_password_reset_expires') IS NULL THEN
    CREATE INDEX idx_users_password_reset_expires ON users USING btree (password_reset_expires) WHERE (password_reset_expires IS NOT NULL);
  END IF;
END;
$$;

-- The backend writes users.password_reset_expires and reads password_reset_expires_at (002's): a
-- trigger keeps the two in step, so either name gives the same expiry whichever one a writer set. One
-- of the differences the contract allows.
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

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_trigger WHERE tgrelid = 'users'::regclass AND tgname = 'users_sync_password_reset_expiry') THEN
    CREATE TRIGGER users_sync_password_reset_expiry
      BEFORE INSERT OR UPDATE OF password_reset_expires, password_reset_expires_at ON users
      FOR EACH ROW EXECUTE FUNCTION sync_password_reset_expiry();
  END IF;
END;
$$;
