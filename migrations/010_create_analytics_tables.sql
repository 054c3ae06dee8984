-- 010_create_analytics_tables: per-agent activity in time buckets and trust-score history.

CREATE TABLE IF NOT EXISTS analytics_agent_activity (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id       uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  agent_id              uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  bucket_start          timestamptz NOT NULL,
  bucket_size           varchar(10) NOT NULL DEFAULT '1h',
  api_calls             bigint      NOT NULL DEFAULT 0,
  verifications         integer     NOT NULL DEFAULT 0,
  verification_failures integer     NOT NULL DEFAULT 0,
  errors                integer     NOT NULL DEFAULT 0,
  avg_latency_ms        numeric(10,2),
  p95_latency_ms        numeric(10,2),
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT analytics_agent_activity_bucket_key UNIQUE (agent_id, bucket_size, bucket_start),
  CONSTRAINT analytics_agent_activity_counts_check
    CHECK (api_calls >= 0 AND verifications >= 0 AND verification_failures >= 0 AND errors >= 0)
);

CREATE INDEX IF NOT EXISTS idx_analytics_agent_activity_org_bucket
  ON analytics_agent_activity (organization_id, bucket_start DESC);

CREATE OR REPLACE TRIGGER analytics_agent_activity_set_updated_at
  BEFORE UPDATE ON analytics_agent_activity FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TABLE IF NOT EXISTS analytics_trust_scores (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  agent_id        uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  score           numeric(5,2) NOT NULL,
  previous_score  numeric(5,2),
  factors         jsonb        NOT NULL DEFAULT '{}'::jsonb,
  reason          text,
  recorded_at     timestamptz  NOT NULL DEFAULT now(),
  CONSTRAINT analytics_trust_scores_score_range CHECK (score >= 0 AND score <= 100)
);

CREATE INDEX IF NOT EXISTS idx_analytics_trust_scores_agent_recorded
  ON analytics_trust_scores (agent_id, recorded_at DESC);
CREATE INDEX IF NOT EXISTS idx_analytics_trust_scores_org_recorded
  ON analytics_trust_scores (organization_id, recorded_at DESC);
