-- 017_create_backend_capability_tables: what the AIM backend records about agents' capabilities
-- (agent_capabilities, capability_violations, capability_requests, agent_capability_reports) and the
-- anomalies it detects (security_anomalies).
-- Written from the AIM backend's own database at its current release (the contract): every table,
-- column, constraint and index exactly as the backend builds it, under the backend's names. Tables
-- that exist are left to 022, which converges databases built before.

CREATE TABLE IF NOT EXISTS agent_capabilities (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  agent_id uuid NOT NULL,
  capability_type character varying(100) NOT NULL,
  capability_scope jsonb DEFAULT '{}'::jsonb,
  granted_by uuid,
  granted_at timestamp without time zone DEFAULT now() NOT NULL,
  revoked_at timestamp without time zone,
  created_at timestamp without time zone DEFAULT now() NOT NULL,
  updated_at timestamp without time zone DEFAULT now() NOT NULL,
  CONSTRAINT agent_capabilities_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE,
  CONSTRAINT agent_capabilities_granted_by_fkey FOREIGN KEY (granted_by) REFERENCES users(id),
  CONSTRAINT agent_capabilities_pkey PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS capability_violations (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  agent_id uuid NOT NULL,
  attempted_capability character varying(100) NOT NULL,
  registered_capabilities jsonb DEFAULT '{}'::jsonb,
  severity character varying(50) NOT NULL,
  trust_score_impact integer DEFAULT 0 NOT NULL,
  is_blocked boolean DEFAULT true NOT NULL,
  source_ip character varying(45),
  request_metadata jsonb DEFAULT '{}'::jsonb,
  created_at timestamp without time zone DEFAULT now() NOT NULL,
  CONSTRAINT capability_violations_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE,
  CONSTRAINT capability_violations_pkey PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS capability_requests (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  agent_id uuid NOT NULL,
  capability_type character varying(100) NOT NULL,
  reason text NOT NULL,
  status character varying(20) DEFAULT 'pending'::character varying NOT NULL,
  requested_by uuid NOT NULL,
  reviewed_by uuid,
  requested_at timestamp with time zone DEFAULT now() NOT NULL,
  reviewed_at timestamp with time zone,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT capability_requests_status_check CHECK (status IN ('pending', 'approved', 'rejected')),
  CONSTRAINT capability_requests_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE,
  CONSTRAINT capability_requests_requested_by_fkey FOREIGN KEY (requested_by) REFERENCES users(id) ON DELETE RESTRICT,
  CONSTRAINT capability_requests_reviewed_by_fkey FOREIGN KEY (reviewed_by) REFERENCES users(id) ON DELETE SET NULL,
  CONSTRAINT capability_requests_pkey PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS agent_capability_reports (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  agent_id uuid NOT NULL,
  detected_at timestamp with time zone NOT NULL,
  environment jsonb DEFAULT '{}'::jsonb NOT NULL,
  ai_models jsonb DEFAULT '[]'::jsonb NOT NULL,
  capabilities jsonb DEFAULT '[]'::jsonb NOT NULL,
  risk_assessment jsonb DEFAULT '{}'::jsonb NOT NULL,
  risk_level character varying(20) NOT NULL,
  overall_risk_score numeric(5,2) NOT NULL,
  trust_score_impact numeric(5,2) NOT NULL,
  created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
  CONSTRAINT agent_capability_reports_overall_risk_score_check CHECK (((overall_risk_score >= (0)::numeric) AND (overall_risk_score <= (100)::numeric))),
  CONSTRAINT agent_capability_reports_risk_level_check CHECK (risk_level IN ('low', 'medium', 'high', 'critical')),
  CONSTRAINT agent_capability_reports_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE,
  CONSTRAINT agent_capability_reports_pkey PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS security_anomalies (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  organization_id uuid NOT NULL,
  anomaly_type character varying(100) NOT NULL,
  severity character varying(20) NOT NULL,
  title character varying(255) NOT NULL,
  description text,
  resource_type character varying(100),
  resource_id uuid,
  confidence numeric(5,2) NOT NULL,
  created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
  resolved_at timestamp with time zone,
  resolved_by uuid,
  CONSTRAINT security_anomalies_confidence_check CHECK (((confidence >= (0)::numeric) AND (confidence <= (100)::numeric))),
  CONSTRAINT security_anomalies_severity_check CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  CONSTRAINT security_anomalies_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE,
  CONSTRAINT security_anomalies_resolved_by_fkey FOREIGN KEY (resolved_by) REFERENCES users(id) ON DELETE SET NULL,
  CONSTRAINT security_anomalies_pkey PRIMARY KEY (id)
);

-- Each object below is created only where it is missing: IF NOT EXISTS on an index, a column or a
-- trigger would take its table's lock just to find it there, beside a running backend.
DO $$
BEGIN
  IF to_regclass('idx_agent_capabilities_agent_id') IS NULL THEN
    CREATE INDEX idx_agent_capabilities_agent_id ON agent_capabilities USING btree (agent_id);
  END IF;
  IF to_regclass('idx_agent_capabilities_capability_type') IS NULL THEN
    CREATE INDEX idx_agent_capabilities_capability_type ON agent_capabilities USING btree (capability_type);
  END IF;
  IF to_regclass('idx_agent_capabilities_created_at') IS NULL THEN
    CREATE INDEX idx_agent_capabilities_created_at ON agent_capabilities USING btree (created_at DESC);
  END IF;
  IF to_regclass('idx_agent_capabilities_granted_by') IS NULL THEN
    CREATE INDEX idx_agent_capabilities_granted_by ON agent_capabilities USING btree (granted_by);
  END IF;
  IF to_regclass('idx_agent_capabilities_revoked_at') IS NULL THEN
    CREATE INDEX idx_agent_capabilities_revoked_at ON agent_capabilities USING btree (revoked_at);
  END IF;
  IF to_regclass('idx_agent_capability_reports_agent_id') IS NULL THEN
    CREATE INDEX idx_agent_capability_reports_agent_id ON agent_capability_reports USING btree (agent_id);
  END IF;
  IF to_regclass('idx_agent_capability_reports_detected_at') IS NULL THEN
    CREATE INDEX idx_agent_capability_reports_detected_at ON agent_capability_reports USING btree (detected_at);
  END IF;
  IF to_regclass('idx_agent_capability_reports_risk_level') IS NULL THEN
    CREATE INDEX idx_agent_capability_reports_risk_level ON agent_capability_reports USING btree (risk_level);
  END IF;
  IF to_regclass('idx_capability_requests_agent_id') IS NULL THEN
    CREATE INDEX idx_capability_requests_agent_id ON capability_requests USING btree (agent_id);
  END IF;
  IF to_regclass('idx_capability_requests_requested_at') IS NULL THEN
    CREATE INDEX idx_capability_requests_requested_at ON capability_requests USING btree (requested_at DESC);
  END IF;
  IF to_regclass('idx_capability_requests_requested_by') IS NULL THEN
    CREATE INDEX idx_capability_requests_requested_by ON capability_requests USING btree (requested_by);
  END IF;
  IF to_regclass('idx_capability_requests_reviewed_by') IS NULL THEN
    CREATE INDEX idx_capability_requests_reviewed_by ON capability_requests USING btree (reviewed_by);
  END IF;
  IF to_regclass('idx_capability_requests_status') IS NULL THEN
    CREATE INDEX idx_capability_requests_status ON capability_requests USING btree (status);
  END IF;
  IF to_regclass('idx_capability_violations_agent_id') IS NULL THEN
    CREATE INDEX idx_capability_violations_agent_id ON capability_violations USING btree (agent_id);
  END IF;
  IF to_regclass('idx_capability_violations_created_at') IS NULL THEN
    CREATE INDEX idx_capability_violations_created_at ON capability_violations USING btree (created_at DESC);
  END IF;
  IF to_regclass('idx_capability_violations_is_blocked') IS NULL THEN
    CREATE INDEX idx_capability_violations_is_blocked ON capability_violations USING btree (is_blocked);
  END IF;
  IF to_regclass('idx_capability_violations_severity') IS NULL THEN
    CREATE INDEX idx_capability_violations_severity ON capability_violations USING btree (severity);
  END IF;
  IF to_regclass('idx_capability_violations_source_ip') IS NULL THEN
    CREATE INDEX idx_capability_violations_source_ip ON capability_violations USING btree (source_ip);
  END IF;
  IF to_regclass('idx_security_anomalies_anomaly_type') IS NULL THEN
    CREATE INDEX idx_security_anomalies_anomaly_type ON security_anomalies USING btree (anomaly_type);
  END IF;
  IF to_regclass('idx_security_anomalies_created_at') IS NULL THEN
    CREATE INDEX idx_security_anomalies_created_at ON security_anomalies USING btree (created_at);
  END IF;
  IF to_regclass('idx_security_anomalies_organization') IS NULL THEN
    CREATE INDEX idx_security_anomalies_organization ON security_anomalies USING btree (organization_id);
  END IF;
  IF to_regclass('idx_security_anomalies_resolved_at') IS NULL THEN
    CREATE INDEX idx_security_anomalies_resolved_at ON security_anomalies USING btree (resolved_at);
  END IF;
  IF to_regclass('idx_security_anomalies_severity') IS NULL THEN
    CREATE INDEX idx_security_anomalies_severity ON security_anomalies USING btree (severity);
  END IF;
END;
$$;
