-- 017_create_backend_capability_tables: what the AIM backend records about agents' capabilities
-- (agent_capabilities, capability_violations, capability_requests, agent_capability_reports) and
-- the anomalies it detects (security_anomalies). Written from the catalog of the backend's current
-- release (deployed-shapes.md, state B); tables it already built keep their rows.

CREATE TABLE IF NOT EXISTS agent_capabilities (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id         uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  capability_type  varchar(100) NOT NULL,
  capability_scope jsonb DEFAULT '{}'::jsonb,
  granted_by       uuid REFERENCES users(id),
  granted_at       timestamptz NOT NULL DEFAULT now(),
  revoked_at       timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_agent_capabilities_agent_id ON agent_capabilities (agent_id);
CREATE INDEX IF NOT EXISTS idx_agent_capabilities_capability_type ON agent_capabilities (capability_type);
CREATE INDEX IF NOT EXISTS idx_agent_capabilities_created_at ON agent_capabilities (created_at DESC);
CREATE INDEX IF NOT EXISTS idx_agent_capabilities_granted_by ON agent_capabilities (granted_by);
CREATE INDEX IF NOT EXISTS idx_agent_capabilities_revoked_at ON agent_capabilities (revoked_at);

CREATE TABLE IF NOT EXISTS capability_violations (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id                uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  attempted_capability    varchar(100) NOT NULL,
  registered_capabilities jsonb DEFAULT '{}'::jsonb,
  severity                varchar(50) NOT NULL,
  trust_score_impact      integer NOT NULL DEFAULT 0,
  is_blocked              boolean NOT NULL DEFAULT true,
  source_ip               varchar(45),
  request_metadata        jsonb DEFAULT '{}'::jsonb,
  created_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_capability_violations_agent_id ON capability_violations (agent_id);
CREATE INDEX IF NOT EXISTS idx_capability_violations_created_at ON capability_violations (created_at DESC);
CREATE INDEX IF NOT EXISTS idx_capability_violations_is_blocked ON capability_violations (is_blocked);
CREATE INDEX IF NOT EXISTS idx_capability_violations_severity ON capability_violations (severity);
CREATE INDEX IF NOT EXISTS idx_capability_violations_source_ip ON capability_violations (source_ip);

CREATE TABLE IF NOT EXISTS capability_requests (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id        uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  capability_type varchar(100) NOT NULL,
  reason          text NOT NULL,
  status          varchar(20) NOT NULL DEFAULT 'pending'
                  CONSTRAINT capability_requests_status_check CHECK (status IN ('pending', 'approved', 'rejected')),
  requested_by    uuid NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
  reviewed_by     uuid REFERENCES users(id) ON DELETE SET NULL,
  requested_at    timestamptz NOT NULL DEFAULT now(),
  reviewed_at     timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_capability_requests_agent_id ON capability_requests (agent_id);
CREATE INDEX IF NOT EXISTS idx_capability_requests_requested_at ON capability_requests (requested_at DESC);
CREATE INDEX IF NOT EXISTS idx_capability_requests_requested_by ON capability_requests (requested_by);
CREATE INDEX IF NOT EXISTS idx_capability_requests_reviewed_by ON capability_requests (reviewed_by);
CREATE INDEX IF NOT EXISTS idx_capability_requests_status ON capability_requests (status);

CREATE TABLE IF NOT EXISTS agent_capability_reports (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id           uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  detected_at        timestamptz NOT NULL,
  environment        jsonb NOT NULL DEFAULT '{}'::jsonb,
  ai_models          jsonb NOT NULL DEFAULT '[]'::jsonb,
  capabilities       jsonb NOT NULL DEFAULT '[]'::jsonb,
  risk_assessment    jsonb NOT NULL DEFAULT '{}'::jsonb,
  risk_level         varchar(20) NOT NULL
                     CONSTRAINT agent_capability_reports_risk_level_check CHECK (risk_level IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
  overall_risk_score numeric(5,2) NOT NULL
                     CONSTRAINT agent_capability_reports_overall_risk_score_check CHECK (overall_risk_score >= 0 AND overall_risk_score <= 100),
  trust_score_impact numeric(5,2) NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_agent_capability_reports_agent_id ON agent_capability_reports (agent_id);
CREATE INDEX IF NOT EXISTS idx_agent_capability_reports_detected_at ON agent_capability_reports (detected_at DESC);
CREATE INDEX IF NOT EXISTS idx_agent_capability_reports_risk_level ON agent_capability_reports (risk_level);

CREATE TABLE IF NOT EXISTS security_anomalies (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  anomaly_type    varchar(100) NOT NULL,
  severity        varchar(20) NOT NULL
                  CONSTRAINT security_anomalies_severity_check CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  title           varchar(255) NOT NULL,
  description     text,
  resource_type   varchar(100),
  resource_id     uuid,
  confidence      numeric(5,2) NOT NULL
                  CONSTRAINT security_anomalies_confidence_check CHECK (confidence >= 0 AND confidence <= 100),
  created_at      timestamptz NOT NULL DEFAULT now(),
  resolved_at     timestamptz,
  resolved_by     uuid REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS idx_security_anomalies_anomaly_type ON security_anomalies (anomaly_type);
CREATE INDEX IF NOT EXISTS idx_security_anomalies_created_at ON security_anomalies (created_at DESC);
CREATE INDEX IF NOT EXISTS idx_security_anomalies_organization ON security_anomalies (organization_id);
CREATE INDEX IF NOT EXISTS idx_security_anomalies_resolved_at ON security_anomalies (resolved_at);
CREATE INDEX IF NOT EXISTS idx_security_anomalies_severity ON security_anomalies (severity);

-- aim:lint-ignore destructive: replaces the backend's update_<table>_updated_at trigger with ours (same job)
DROP TRIGGER IF EXISTS update_agent_capabilities_updated_at ON agent_capabilities;
CREATE OR REPLACE TRIGGER agent_capabilities_set_updated_at
  BEFORE UPDATE ON agent_capabilities FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE OR REPLACE TRIGGER capability_requests_set_updated_at
  BEFORE UPDATE ON capability_requests FOR EACH ROW EXECUTE FUNCTION set_updated_at();
