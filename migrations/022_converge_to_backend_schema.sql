-- 022_converge_to_backend_schema: takes a database built before this release (by aim 0.1.0 or 0.2.0,
-- by the backend at the guide's or its current release, or by some of aim's files) to the AIM backend's
-- own database at its current release (the contract), so that the backend behaves on it exactly as on
-- its own: the same writes accepted and refused, the same deletes, the same counts. On a database that
-- already meets the contract it reads the catalog and changes nothing: an object is altered only where
-- its definition differs, so no table lock is taken just to find that out. audit_logs, the one large
-- table whose type may change, is 023's, so that its lock is held by a transaction of its own.
--
-- Nothing is lost: a value this file changes or a column it drops is first copied into
-- aim_migrations.value_copies (table, row key, column, old value, file). Rows that fit no check, key
-- or NOT NULL of the contract stop the file (SQLSTATE AIM02, naming the rows): aim never changes or
-- deletes them itself. A timestamptz column goes back to the backend's timestamp at the zone the
-- backend writes in: UTC, or the zone the operator names (aim.timestamp_zone, set from
-- AIM_TIMESTAMP_ZONE); the instant each value stands for is kept, and aim_migrations.conversions
-- records each column with the zone used.

-- aim's ledger schema holds the copies (a replay on a scratch database has no ledger yet).
CREATE SCHEMA IF NOT EXISTS aim_migrations;
CREATE TABLE IF NOT EXISTS aim_migrations.value_copies (
  id          bigserial PRIMARY KEY,
  table_name  text        NOT NULL,
  row_key     text        NOT NULL,
  column_name text        NOT NULL,
  old_value   text,
  migration   text        NOT NULL,
  copied_at   timestamptz NOT NULL DEFAULT now()
);
-- Every column type this file or 023 changes, with the zone a timestamp was read at: what the operator
-- is told was done.
CREATE TABLE IF NOT EXISTS aim_migrations.conversions (
  id           bigserial PRIMARY KEY,
  table_name   text        NOT NULL,
  column_name  text        NOT NULL,
  from_type    text        NOT NULL,
  to_type      text        NOT NULL,
  at_zone      text,
  migration    text        NOT NULL,
  converted_at timestamptz NOT NULL DEFAULT now()
);

-- The backend's trigger functions, as its current release defines them (what each does is the
-- contract's; CREATE OR REPLACE takes no table lock). aim 0.2.0's metrics function added no bytes and
-- its history function wrote 'update' without the acting user.
CREATE OR REPLACE FUNCTION update_updated_at_column() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at = now();
  RETURN NEW;
END;
$$;

-- Runs only WHEN NEW.agent_id IS NOT NULL (the trigger's condition): the function itself does not test it.
CREATE OR REPLACE FUNCTION aggregate_agent_hourly_metrics() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO agent_activity_metrics (agent_id, organization_id, api_calls_count, data_processed_bytes, hour_timestamp)
  VALUES (NEW.agent_id, NEW.organization_id, 1, NEW.request_size_bytes + NEW.response_size_bytes, date_trunc('hour', NEW.called_at))
  ON CONFLICT (agent_id, hour_timestamp) DO UPDATE SET
    api_calls_count = agent_activity_metrics.api_calls_count + 1,
    data_processed_bytes = agent_activity_metrics.data_processed_bytes + EXCLUDED.data_processed_bytes,
    updated_at = now();
  RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION log_trust_score_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  actor uuid;
BEGIN
  IF NEW.trust_score IS DISTINCT FROM OLD.trust_score THEN
    BEGIN
      actor := nullif(current_setting('app.current_user_id', true), '')::uuid;
    EXCEPTION WHEN invalid_text_representation THEN
      actor := NULL;
    END;
    INSERT INTO trust_score_history (agent_id, organization_id, trust_score, previous_score, change_reason, changed_by)
    VALUES (NEW.id, NEW.organization_id, NEW.trust_score, OLD.trust_score, 'automated_update', actor);
  END IF;
  RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION enforce_community_edition_agent_tag_limit() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT count(*) FROM agent_tags WHERE agent_id = NEW.agent_id) >= 3 THEN
    RAISE EXCEPTION 'Community Edition: Maximum 3 tags per agent. Upgrade to Enterprise for unlimited tags.';
  END IF;
  RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION enforce_community_edition_mcp_tag_limit() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT count(*) FROM mcp_server_tags WHERE mcp_server_id = NEW.mcp_server_id) >= 3 THEN
    RAISE EXCEPTION 'Community Edition: Maximum 3 tags per MCP server. Upgrade to Enterprise for unlimited tags.';
  END IF;
  RETURN NEW;
END;
$$;

-- aim's own objects the backend does not have, on tables no request of the backend's needs at once:
-- the one-subject check and unique policy name aim 0.1.0/0.2.0 added under other definitions, its
-- case-insensitive pending-registration index and its duplicate of the backend's token-expiry index
-- (its updated_at triggers go below, each with its table).
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_constraint WHERE conrelid = to_regclass('verification_events') AND conname = 'verification_events_one_subject') THEN
    ALTER TABLE verification_events DROP CONSTRAINT verification_events_one_subject;
  END IF;
  IF EXISTS (SELECT FROM pg_constraint WHERE conrelid = to_regclass('security_policies') AND conname = 'security_policies_organization_id_name_key') THEN
    ALTER TABLE security_policies DROP CONSTRAINT security_policies_organization_id_name_key;
  END IF;
  IF to_regclass('idx_user_registration_requests_pending_email') IS NOT NULL THEN
    DROP INDEX idx_user_registration_requests_pending_email;
  END IF;
  -- aim 0.2.0's copy of the backend's idx_sdk_tokens_expires_at, beside it where 0.2.0 adopted the
  -- backend's database (where it stands alone, the indexes below rename it).
  IF to_regclass('idx_sdk_tokens_active_expires_at') IS NOT NULL AND to_regclass('idx_sdk_tokens_expires_at') IS NOT NULL THEN
    DROP INDEX idx_sdk_tokens_active_expires_at;
  END IF;
END;
$$;

-- Everything else in one block, table group by table group: first every table but those the backend
-- reads or writes on each request, then those one at a time in the order its requests take them
-- (users, agents and the score history its trigger writes, organizations, api_keys, api_calls and the
-- hourly metrics its trigger writes), a foreign key with the later of its two tables.
-- A hot table's lock is then taken only near the end of the file, held for its last milliseconds, and
-- taken in the application's own order, so that a request and this file do not wait for each other.
DO $$
DECLARE
  hot CONSTANT text[] := ARRAY['users', 'agents', 'trust_score_history', 'organizations', 'api_keys', 'api_calls', 'agent_activity_metrics'];
  unit int;
  s record;
  scaled text;
  copied bigint;
  legacy text;
  c record;
  t record;
  k record;
  i record;
  g record;
  tbls text[];
  acts text[];
  bad text;
  other name;
  parts text[];
  probe text;
BEGIN
  -- unit 0: the other tables; unit n: hot[n].
  FOR unit IN 0 .. array_length(hot, 1) LOOP

    -- aim 0.1.0/0.2.0's updated_at triggers (on tables where the backend keeps none, and beside its own
    -- where it does).
    FOR t IN
      SELECT rel.relname, tg.tgname
        FROM pg_trigger tg JOIN pg_class rel ON rel.oid = tg.tgrelid
       WHERE rel.relnamespace = 'public'::regnamespace AND NOT tg.tgisinternal
         AND tg.tgfoid = to_regprocedure('set_updated_at()')
         AND rel.relname NOT IN ('analytics_agent_activity', 'analytics_trust_scores')
         AND coalesce(array_position(hot, rel.relname::text), 0) = unit
       ORDER BY rel.relname
    LOOP
      EXECUTE format('DROP TRIGGER %I ON %I', t.tgname, t.relname);
    END LOOP;

    -- The backend's upgrade moves trust scores to numeric(5,2) on a 0..1 scale: a score of 10 or more is
    -- divided by 100, a third decimal is rounded away. Every value that changes is copied first.
    FOR s IN
      SELECT v.tbl, v.col, format_type(a.atttypid, a.atttypmod) AS live_type
        FROM (VALUES ('agents', 'trust_score'), ('trust_score_history', 'trust_score')) AS v (tbl, col)
        JOIN pg_attribute a ON a.attrelid = to_regclass(v.tbl) AND a.attname = v.col AND NOT a.attisdropped
       WHERE coalesce(array_position(hot, v.tbl), 0) = unit
    LOOP
      scaled := format('CASE WHEN %1$I >= 10 THEN round(%1$I / 100, 2) ELSE round(%1$I, 2) END', s.col);
      EXECUTE format('INSERT INTO aim_migrations.value_copies (table_name, row_key, column_name, old_value, migration)
                      SELECT %L, id::text, %L, %I::text, %L FROM %I WHERE %s <> %I',
                     s.tbl, s.col, s.col, '022_converge_to_backend_schema.sql', s.tbl, scaled, s.col);
      GET DIAGNOSTICS copied = ROW_COUNT;
      IF s.live_type <> 'numeric(5,2)' OR copied > 0 THEN
        -- A trigger whose WHEN reads the column blocks its type change: the triggers below create it again.
        IF s.tbl = 'agents' AND EXISTS (SELECT FROM pg_trigger WHERE tgrelid = 'agents'::regclass AND tgname = 'trigger_log_trust_score') THEN
          DROP TRIGGER trigger_log_trust_score ON agents;
        END IF;
        EXECUTE format('ALTER TABLE %I ALTER COLUMN %I TYPE numeric(5,2) USING %s', s.tbl, s.col, scaled);
      END IF;
    END LOOP;

    -- The backend's upgrade drops the seven trust-score factors of its guide release: copied, then dropped.
    IF unit = 0 THEN
      FOREACH legacy IN ARRAY ARRAY['certificate_validity', 'repository_quality', 'documentation_score', 'community_trust',
                                   'security_audit', 'update_frequency', 'age_score'] LOOP
        IF EXISTS (SELECT FROM pg_attribute WHERE attrelid = to_regclass('trust_scores') AND attname = legacy AND NOT attisdropped) THEN
          EXECUTE format('INSERT INTO aim_migrations.value_copies (table_name, row_key, column_name, old_value, migration)
                          SELECT ''trust_scores'', id::text, %L, %I::text, %L FROM trust_scores WHERE %I IS NOT NULL',
                         legacy, legacy, '022_converge_to_backend_schema.sql', legacy);
          EXECUTE format('ALTER TABLE trust_scores DROP COLUMN %I', legacy);
        END IF;
      END LOOP;
    END IF;

    -- Columns: type, default and NOT NULL as the contract has them, one ALTER TABLE per table that differs.
    tbls := '{}';
    acts := '{}';
    FOR c IN
      SELECT v.tbl, v.col, v.typ, v.required, v.dflt, a.attnum IS NOT NULL AS present,
             format_type(a.atttypid, a.atttypmod) AS live_type, a.attnotnull AS live_notnull,
             pg_get_expr(d.adbin, d.adrelid) AS live_default
        FROM (VALUES
    ('agent_actions', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('agent_actions', 'agent_id', 'uuid', true, NULL),
    ('agent_actions', 'action_type', 'character varying(100)', true, NULL),
    ('agent_actions', 'action_name', 'character varying(255)', true, NULL),
    ('agent_actions', 'is_successful', 'boolean', true, NULL),
    ('agent_actions', 'is_verified', 'boolean', true, 'false'),
    ('agent_actions', 'error_message', 'text', false, NULL),
    ('agent_actions', 'execution_time_ms', 'integer', false, NULL),
    ('agent_actions', 'metadata', 'jsonb', false, '''{}''::jsonb'),
    ('agent_actions', 'created_at', 'timestamp without time zone', true, 'now()'),
    ('agent_activity_metrics', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('agent_activity_metrics', 'agent_id', 'uuid', true, NULL),
    ('agent_activity_metrics', 'organization_id', 'uuid', true, NULL),
    ('agent_activity_metrics', 'api_calls_count', 'integer', false, '0'),
    ('agent_activity_metrics', 'data_processed_bytes', 'bigint', false, '0'),
    ('agent_activity_metrics', 'verifications_count', 'integer', false, '0'),
    ('agent_activity_metrics', 'errors_count', 'integer', false, '0'),
    ('agent_activity_metrics', 'avg_response_time_ms', 'integer', false, '0'),
    ('agent_activity_metrics', 'p95_response_time_ms', 'integer', false, '0'),
    ('agent_activity_metrics', 'hour_timestamp', 'timestamp with time zone', true, NULL),
    ('agent_activity_metrics', 'created_at', 'timestamp with time zone', true, 'now()'),
    ('agent_activity_metrics', 'updated_at', 'timestamp with time zone', true, 'now()'),
    ('agent_behavioral_baselines', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('agent_behavioral_baselines', 'agent_id', 'uuid', true, NULL),
    ('agent_behavioral_baselines', 'metric_name', 'character varying(100)', true, NULL),
    ('agent_behavioral_baselines', 'baseline_value', 'numeric(10,2)', true, NULL),
    ('agent_behavioral_baselines', 'current_value', 'numeric(10,2)', true, NULL),
    ('agent_behavioral_baselines', 'deviation_percentage', 'numeric(5,2)', true, NULL),
    ('agent_behavioral_baselines', 'is_anomaly', 'boolean', true, 'false'),
    ('agent_behavioral_baselines', 'baseline_period_start', 'timestamp without time zone', true, NULL),
    ('agent_behavioral_baselines', 'baseline_period_end', 'timestamp without time zone', true, NULL),
    ('agent_behavioral_baselines', 'created_at', 'timestamp without time zone', true, 'now()'),
    ('agent_behavioral_baselines', 'updated_at', 'timestamp without time zone', true, 'now()'),
    ('agent_capabilities', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('agent_capabilities', 'agent_id', 'uuid', true, NULL),
    ('agent_capabilities', 'capability_type', 'character varying(100)', true, NULL),
    ('agent_capabilities', 'capability_scope', 'jsonb', false, '''{}''::jsonb'),
    ('agent_capabilities', 'granted_by', 'uuid', false, NULL),
    ('agent_capabilities', 'granted_at', 'timestamp without time zone', true, 'now()'),
    ('agent_capabilities', 'revoked_at', 'timestamp without time zone', false, NULL),
    ('agent_capabilities', 'created_at', 'timestamp without time zone', true, 'now()'),
    ('agent_capabilities', 'updated_at', 'timestamp without time zone', true, 'now()'),
    ('agent_capability_reports', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('agent_capability_reports', 'agent_id', 'uuid', true, NULL),
    ('agent_capability_reports', 'detected_at', 'timestamp with time zone', true, NULL),
    ('agent_capability_reports', 'environment', 'jsonb', true, '''{}''::jsonb'),
    ('agent_capability_reports', 'ai_models', 'jsonb', true, '''[]''::jsonb'),
    ('agent_capability_reports', 'capabilities', 'jsonb', true, '''[]''::jsonb'),
    ('agent_capability_reports', 'risk_assessment', 'jsonb', true, '''{}''::jsonb'),
    ('agent_capability_reports', 'risk_level', 'character varying(20)', true, NULL),
    ('agent_capability_reports', 'overall_risk_score', 'numeric(5,2)', true, NULL),
    ('agent_capability_reports', 'trust_score_impact', 'numeric(5,2)', true, NULL),
    ('agent_capability_reports', 'created_at', 'timestamp with time zone', true, 'CURRENT_TIMESTAMP'),
    ('agent_compliance_events', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('agent_compliance_events', 'agent_id', 'uuid', true, NULL),
    ('agent_compliance_events', 'compliance_type', 'character varying(100)', true, NULL),
    ('agent_compliance_events', 'requirement', 'character varying(255)', true, NULL),
    ('agent_compliance_events', 'is_compliant', 'boolean', true, NULL),
    ('agent_compliance_events', 'violation_details', 'text', false, NULL),
    ('agent_compliance_events', 'auto_remediated', 'boolean', true, 'false'),
    ('agent_compliance_events', 'remediation_details', 'text', false, NULL),
    ('agent_compliance_events', 'created_at', 'timestamp without time zone', true, 'now()'),
    ('agent_health_checks', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('agent_health_checks', 'agent_id', 'uuid', true, NULL),
    ('agent_health_checks', 'check_time', 'timestamp without time zone', true, 'now()'),
    ('agent_health_checks', 'is_successful', 'boolean', true, NULL),
    ('agent_health_checks', 'response_time_ms', 'integer', false, NULL),
    ('agent_health_checks', 'error_message', 'text', false, NULL),
    ('agent_health_checks', 'created_at', 'timestamp without time zone', true, 'now()'),
    ('agent_mcp_connections', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('agent_mcp_connections', 'agent_id', 'uuid', true, NULL),
    ('agent_mcp_connections', 'mcp_server_id', 'uuid', true, NULL),
    ('agent_mcp_connections', 'detection_id', 'uuid', false, NULL),
    ('agent_mcp_connections', 'connection_type', 'character varying(50)', true, NULL),
    ('agent_mcp_connections', 'first_connected_at', 'timestamp with time zone', true, 'now()'),
    ('agent_mcp_connections', 'last_attested_at', 'timestamp with time zone', false, NULL),
    ('agent_mcp_connections', 'attestation_count', 'integer', false, '0'),
    ('agent_mcp_connections', 'is_active', 'boolean', true, 'true'),
    ('agent_mcp_connections', 'created_at', 'timestamp with time zone', true, 'now()'),
    ('agent_mcp_connections', 'updated_at', 'timestamp with time zone', true, 'now()'),
    ('agent_mcp_detections', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('agent_mcp_detections', 'agent_id', 'uuid', true, NULL),
    ('agent_mcp_detections', 'mcp_server_name', 'character varying(255)', true, NULL),
    ('agent_mcp_detections', 'detection_method', 'character varying(50)', true, NULL),
    ('agent_mcp_detections', 'confidence_score', 'numeric(5,2)', true, '0.00'),
    ('agent_mcp_detections', 'details', 'jsonb', false, '''{}''::jsonb'),
    ('agent_mcp_detections', 'sdk_version', 'character varying(50)', false, NULL),
    ('agent_mcp_detections', 'first_detected_at', 'timestamp with time zone', true, NULL),
    ('agent_mcp_detections', 'last_seen_at', 'timestamp with time zone', true, NULL),
    ('agent_mcp_detections', 'created_at', 'timestamp with time zone', true, 'now()'),
    ('agent_mcp_detections', 'updated_at', 'timestamp with time zone', true, 'now()'),
    ('agent_tags', 'agent_id', 'uuid', true, NULL),
    ('agent_tags', 'tag_id', 'uuid', true, NULL),
    ('agent_tags', 'created_at', 'timestamp with time zone', false, 'now()'),
    ('agent_user_feedback', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('agent_user_feedback', 'agent_id', 'uuid', true, NULL),
    ('agent_user_feedback', 'user_id', 'uuid', true, NULL),
    ('agent_user_feedback', 'rating', 'integer', true, NULL),
    ('agent_user_feedback', 'feedback_type', 'character varying(50)', true, NULL),
    ('agent_user_feedback', 'comment', 'text', false, NULL),
    ('agent_user_feedback', 'context', 'jsonb', false, '''{}''::jsonb'),
    ('agent_user_feedback', 'created_at', 'timestamp without time zone', true, 'now()'),
    ('agents', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('agents', 'organization_id', 'uuid', true, NULL),
    ('agents', 'name', 'character varying(255)', true, NULL),
    ('agents', 'display_name', 'character varying(255)', true, NULL),
    ('agents', 'description', 'text', false, NULL),
    ('agents', 'agent_type', 'character varying(50)', true, NULL),
    ('agents', 'status', 'character varying(50)', true, '''pending''::character varying'),
    ('agents', 'version', 'character varying(50)', false, NULL),
    ('agents', 'public_key', 'text', false, NULL),
    ('agents', 'certificate_url', 'text', false, NULL),
    ('agents', 'repository_url', 'text', false, NULL),
    ('agents', 'documentation_url', 'text', false, NULL),
    ('agents', 'trust_score', 'numeric(5,2)', false, '0.000'),
    ('agents', 'verified_at', 'timestamp without time zone', false, NULL),
    ('agents', 'created_at', 'timestamp without time zone', true, 'now()'),
    ('agents', 'updated_at', 'timestamp without time zone', true, 'now()'),
    ('agents', 'created_by', 'uuid', true, NULL),
    ('agents', 'talks_to', 'jsonb', false, '''[]''::jsonb'),
    ('agents', 'capabilities', 'jsonb', false, '''[]''::jsonb'),
    ('agents', 'encrypted_private_key', 'text', false, NULL),
    ('agents', 'key_algorithm', 'character varying(50)', false, '''RSA-4096''::character varying'),
    ('agents', 'last_capability_check_at', 'timestamp with time zone', false, NULL),
    ('agents', 'capability_violation_count', 'integer', false, '0'),
    ('agents', 'is_compromised', 'boolean', false, 'false'),
    ('agents', 'key_created_at', 'timestamp with time zone', false, NULL),
    ('agents', 'key_expires_at', 'timestamp with time zone', false, NULL),
    ('agents', 'key_rotation_grace_until', 'timestamp with time zone', false, NULL),
    ('agents', 'previous_public_key', 'text', false, NULL),
    ('agents', 'rotation_count', 'integer', false, '0'),
    ('agents', 'last_active', 'timestamp without time zone', false, NULL),
    ('alerts', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('alerts', 'organization_id', 'uuid', true, NULL),
    ('alerts', 'alert_type', 'character varying(100)', true, NULL),
    ('alerts', 'severity', 'character varying(50)', true, NULL),
    ('alerts', 'title', 'character varying(255)', true, NULL),
    ('alerts', 'description', 'text', false, NULL),
    ('alerts', 'resource_type', 'character varying(50)', false, NULL),
    ('alerts', 'resource_id', 'uuid', false, NULL),
    ('alerts', 'is_acknowledged', 'boolean', true, 'false'),
    ('alerts', 'acknowledged_by', 'uuid', false, NULL),
    ('alerts', 'acknowledged_at', 'timestamp without time zone', false, NULL),
    ('alerts', 'created_at', 'timestamp without time zone', true, 'now()'),
    ('api_calls', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('api_calls', 'organization_id', 'uuid', true, NULL),
    ('api_calls', 'agent_id', 'uuid', false, NULL),
    ('api_calls', 'user_id', 'uuid', false, NULL),
    ('api_calls', 'method', 'character varying(10)', true, NULL),
    ('api_calls', 'endpoint', 'character varying(500)', true, NULL),
    ('api_calls', 'status_code', 'integer', true, NULL),
    ('api_calls', 'duration_ms', 'integer', true, NULL),
    ('api_calls', 'request_size_bytes', 'integer', false, '0'),
    ('api_calls', 'response_size_bytes', 'integer', false, '0'),
    ('api_calls', 'user_agent', 'text', false, NULL),
    ('api_calls', 'ip_address', 'inet', false, NULL),
    ('api_calls', 'error_message', 'text', false, NULL),
    ('api_calls', 'called_at', 'timestamp with time zone', true, 'now()'),
    ('api_calls', 'created_at', 'timestamp with time zone', true, 'now()'),
    ('api_keys', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('api_keys', 'organization_id', 'uuid', true, NULL),
    ('api_keys', 'agent_id', 'uuid', true, NULL),
    ('api_keys', 'name', 'character varying(255)', true, NULL),
    ('api_keys', 'key_hash', 'character varying(64)', true, NULL),
    ('api_keys', 'prefix', 'character varying(16)', true, NULL),
    ('api_keys', 'last_used_at', 'timestamp without time zone', false, NULL),
    ('api_keys', 'expires_at', 'timestamp without time zone', false, NULL),
    ('api_keys', 'is_active', 'boolean', true, 'true'),
    ('api_keys', 'created_at', 'timestamp without time zone', true, 'now()'),
    ('api_keys', 'created_by', 'uuid', true, NULL),
    ('capability_requests', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('capability_requests', 'agent_id', 'uuid', true, NULL),
    ('capability_requests', 'capability_type', 'character varying(100)', true, NULL),
    ('capability_requests', 'reason', 'text', true, NULL),
    ('capability_requests', 'status', 'character varying(20)', true, '''pending''::character varying'),
    ('capability_requests', 'requested_by', 'uuid', true, NULL),
    ('capability_requests', 'reviewed_by', 'uuid', false, NULL),
    ('capability_requests', 'requested_at', 'timestamp with time zone', true, 'now()'),
    ('capability_requests', 'reviewed_at', 'timestamp with time zone', false, NULL),
    ('capability_requests', 'created_at', 'timestamp with time zone', true, 'now()'),
    ('capability_requests', 'updated_at', 'timestamp with time zone', true, 'now()'),
    ('capability_violations', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('capability_violations', 'agent_id', 'uuid', true, NULL),
    ('capability_violations', 'attempted_capability', 'character varying(100)', true, NULL),
    ('capability_violations', 'registered_capabilities', 'jsonb', false, '''{}''::jsonb'),
    ('capability_violations', 'severity', 'character varying(50)', true, NULL),
    ('capability_violations', 'trust_score_impact', 'integer', true, '0'),
    ('capability_violations', 'is_blocked', 'boolean', true, 'true'),
    ('capability_violations', 'source_ip', 'character varying(45)', false, NULL),
    ('capability_violations', 'request_metadata', 'jsonb', false, '''{}''::jsonb'),
    ('capability_violations', 'created_at', 'timestamp without time zone', true, 'now()'),
    ('detections', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('detections', 'agent_id', 'uuid', true, NULL),
    ('detections', 'mcp_server_name', 'character varying(255)', true, NULL),
    ('detections', 'detection_method', 'character varying(50)', true, NULL),
    ('detections', 'confidence_score', 'numeric(5,2)', true, '0.00'),
    ('detections', 'details', 'jsonb', false, '''{}''::jsonb'),
    ('detections', 'sdk_version', 'character varying(50)', false, NULL),
    ('detections', 'is_significant', 'boolean', false, 'false'),
    ('detections', 'detected_at', 'timestamp with time zone', true, 'now()'),
    ('detections', 'created_at', 'timestamp with time zone', true, 'now()'),
    ('mcp_attestations', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('mcp_attestations', 'mcp_server_id', 'uuid', true, NULL),
    ('mcp_attestations', 'agent_id', 'uuid', true, NULL),
    ('mcp_attestations', 'attestation_data', 'jsonb', true, NULL),
    ('mcp_attestations', 'signature', 'text', true, NULL),
    ('mcp_attestations', 'signature_verified', 'boolean', false, 'false'),
    ('mcp_attestations', 'verified_at', 'timestamp with time zone', false, NULL),
    ('mcp_attestations', 'expires_at', 'timestamp with time zone', true, NULL),
    ('mcp_attestations', 'is_valid', 'boolean', false, 'true'),
    ('mcp_attestations', 'created_at', 'timestamp with time zone', true, 'now()'),
    ('mcp_server_capabilities', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('mcp_server_capabilities', 'mcp_server_id', 'uuid', true, NULL),
    ('mcp_server_capabilities', 'name', 'character varying(255)', true, NULL),
    ('mcp_server_capabilities', 'capability_type', 'character varying(50)', true, NULL),
    ('mcp_server_capabilities', 'description', 'text', false, NULL),
    ('mcp_server_capabilities', 'capability_schema', 'jsonb', false, NULL),
    ('mcp_server_capabilities', 'detected_at', 'timestamp with time zone', true, 'now()'),
    ('mcp_server_capabilities', 'last_verified_at', 'timestamp with time zone', false, NULL),
    ('mcp_server_capabilities', 'is_active', 'boolean', true, 'true'),
    ('mcp_server_capabilities', 'created_at', 'timestamp with time zone', true, 'now()'),
    ('mcp_server_capabilities', 'updated_at', 'timestamp with time zone', true, 'now()'),
    ('mcp_server_tags', 'mcp_server_id', 'uuid', true, NULL),
    ('mcp_server_tags', 'tag_id', 'uuid', true, NULL),
    ('mcp_server_tags', 'created_at', 'timestamp with time zone', false, 'now()'),
    ('mcp_servers', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('mcp_servers', 'organization_id', 'uuid', true, NULL),
    ('mcp_servers', 'name', 'character varying(255)', true, NULL),
    ('mcp_servers', 'description', 'text', false, NULL),
    ('mcp_servers', 'url', 'character varying(512)', true, NULL),
    ('mcp_servers', 'version', 'character varying(50)', false, NULL),
    ('mcp_servers', 'public_key', 'text', false, NULL),
    ('mcp_servers', 'status', 'character varying(50)', true, '''pending''::character varying'),
    ('mcp_servers', 'is_verified', 'boolean', false, 'false'),
    ('mcp_servers', 'last_verified_at', 'timestamp with time zone', false, NULL),
    ('mcp_servers', 'verification_url', 'character varying(512)', false, NULL),
    ('mcp_servers', 'capabilities', 'jsonb', false, '''[]''::jsonb'),
    ('mcp_servers', 'trust_score', 'numeric(5,2)', false, '0.00'),
    ('mcp_servers', 'registered_by_agent', 'uuid', false, NULL),
    ('mcp_servers', 'created_by', 'uuid', true, NULL),
    ('mcp_servers', 'created_at', 'timestamp with time zone', true, 'now()'),
    ('mcp_servers', 'updated_at', 'timestamp with time zone', true, 'now()'),
    ('mcp_servers', 'verification_method', 'character varying(50)', false, '''agent_attestation''::character varying'),
    ('mcp_servers', 'attestation_count', 'integer', false, '0'),
    ('mcp_servers', 'confidence_score', 'numeric(5,2)', false, '0.00'),
    ('mcp_servers', 'last_attested_at', 'timestamp with time zone', false, NULL),
    ('organization_daily_metrics', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('organization_daily_metrics', 'organization_id', 'uuid', true, NULL),
    ('organization_daily_metrics', 'total_api_calls', 'integer', false, '0'),
    ('organization_daily_metrics', 'total_data_processed_bytes', 'bigint', false, '0'),
    ('organization_daily_metrics', 'total_verifications', 'integer', false, '0'),
    ('organization_daily_metrics', 'successful_verifications', 'integer', false, '0'),
    ('organization_daily_metrics', 'failed_verifications', 'integer', false, '0'),
    ('organization_daily_metrics', 'total_agents', 'integer', false, '0'),
    ('organization_daily_metrics', 'verified_agents', 'integer', false, '0'),
    ('organization_daily_metrics', 'pending_agents', 'integer', false, '0'),
    ('organization_daily_metrics', 'avg_trust_score', 'numeric(5,2)', false, '0.00'),
    ('organization_daily_metrics', 'avg_response_time_ms', 'integer', false, '0'),
    ('organization_daily_metrics', 'p95_response_time_ms', 'integer', false, '0'),
    ('organization_daily_metrics', 'total_errors', 'integer', false, '0'),
    ('organization_daily_metrics', 'date', 'date', true, NULL),
    ('organization_daily_metrics', 'created_at', 'timestamp with time zone', true, 'now()'),
    ('organization_daily_metrics', 'updated_at', 'timestamp with time zone', true, 'now()'),
    ('organizations', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('organizations', 'name', 'character varying(255)', true, NULL),
    ('organizations', 'domain', 'character varying(255)', true, NULL),
    ('organizations', 'plan_type', 'character varying(50)', true, '''free''::character varying'),
    ('organizations', 'max_agents', 'integer', true, '100'),
    ('organizations', 'max_users', 'integer', true, '10'),
    ('organizations', 'is_active', 'boolean', true, 'true'),
    ('organizations', 'created_at', 'timestamp without time zone', true, 'now()'),
    ('organizations', 'updated_at', 'timestamp without time zone', true, 'now()'),
    ('sdk_tokens', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('sdk_tokens', 'user_id', 'uuid', true, NULL),
    ('sdk_tokens', 'organization_id', 'uuid', true, NULL),
    ('sdk_tokens', 'token_hash', 'text', true, NULL),
    ('sdk_tokens', 'token_id', 'character varying(255)', true, NULL),
    ('sdk_tokens', 'device_name', 'text', false, NULL),
    ('sdk_tokens', 'device_fingerprint', 'text', false, NULL),
    ('sdk_tokens', 'ip_address', 'character varying(45)', false, NULL),
    ('sdk_tokens', 'user_agent', 'text', false, NULL),
    ('sdk_tokens', 'last_used_at', 'timestamp with time zone', false, NULL),
    ('sdk_tokens', 'last_ip_address', 'character varying(45)', false, NULL),
    ('sdk_tokens', 'usage_count', 'integer', true, '0'),
    ('sdk_tokens', 'created_at', 'timestamp with time zone', true, 'now()'),
    ('sdk_tokens', 'expires_at', 'timestamp with time zone', true, NULL),
    ('sdk_tokens', 'revoked_at', 'timestamp with time zone', false, NULL),
    ('sdk_tokens', 'revoke_reason', 'text', false, NULL),
    ('sdk_tokens', 'metadata', 'jsonb', false, NULL),
    ('security_anomalies', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('security_anomalies', 'organization_id', 'uuid', true, NULL),
    ('security_anomalies', 'anomaly_type', 'character varying(100)', true, NULL),
    ('security_anomalies', 'severity', 'character varying(20)', true, NULL),
    ('security_anomalies', 'title', 'character varying(255)', true, NULL),
    ('security_anomalies', 'description', 'text', false, NULL),
    ('security_anomalies', 'resource_type', 'character varying(100)', false, NULL),
    ('security_anomalies', 'resource_id', 'uuid', false, NULL),
    ('security_anomalies', 'confidence', 'numeric(5,2)', true, NULL),
    ('security_anomalies', 'created_at', 'timestamp with time zone', true, 'CURRENT_TIMESTAMP'),
    ('security_anomalies', 'resolved_at', 'timestamp with time zone', false, NULL),
    ('security_anomalies', 'resolved_by', 'uuid', false, NULL),
    ('security_policies', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('security_policies', 'organization_id', 'uuid', true, NULL),
    ('security_policies', 'name', 'character varying(255)', true, NULL),
    ('security_policies', 'description', 'text', false, NULL),
    ('security_policies', 'policy_type', 'character varying(50)', true, NULL),
    ('security_policies', 'enforcement_action', 'character varying(50)', true, NULL),
    ('security_policies', 'severity_threshold', 'character varying(50)', true, NULL),
    ('security_policies', 'rules', 'jsonb', true, '''{}''::jsonb'),
    ('security_policies', 'applies_to', 'text', true, '''all''::text'),
    ('security_policies', 'is_enabled', 'boolean', true, 'true'),
    ('security_policies', 'priority', 'integer', true, '0'),
    ('security_policies', 'created_at', 'timestamp with time zone', true, 'now()'),
    ('security_policies', 'updated_at', 'timestamp with time zone', true, 'now()'),
    ('security_policies', 'created_by', 'uuid', true, NULL),
    ('system_config', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('system_config', 'key', 'character varying(255)', true, NULL),
    ('system_config', 'value', 'text', true, NULL),
    ('system_config', 'description', 'text', false, NULL),
    ('system_config', 'created_at', 'timestamp with time zone', true, 'now()'),
    ('system_config', 'updated_at', 'timestamp with time zone', true, 'now()'),
    ('tags', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('tags', 'organization_id', 'uuid', true, NULL),
    ('tags', 'key', 'character varying(100)', true, NULL),
    ('tags', 'value', 'character varying(255)', true, NULL),
    ('tags', 'category', 'character varying(50)', true, NULL),
    ('tags', 'description', 'text', false, NULL),
    ('tags', 'color', 'character varying(7)', false, NULL),
    ('tags', 'created_at', 'timestamp with time zone', false, 'now()'),
    ('tags', 'created_by', 'uuid', true, NULL),
    ('trust_score_history', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('trust_score_history', 'agent_id', 'uuid', true, NULL),
    ('trust_score_history', 'organization_id', 'uuid', true, NULL),
    ('trust_score_history', 'trust_score', 'numeric(5,2)', true, NULL),
    ('trust_score_history', 'previous_score', 'numeric(5,2)', false, NULL),
    ('trust_score_history', 'change_reason', 'character varying(100)', false, NULL),
    ('trust_score_history', 'metadata', 'jsonb', false, NULL),
    ('trust_score_history', 'recorded_at', 'timestamp with time zone', true, 'now()'),
    ('trust_score_history', 'created_at', 'timestamp with time zone', true, 'now()'),
    ('trust_score_history', 'changed_by', 'uuid', false, NULL),
    ('trust_scores', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('trust_scores', 'agent_id', 'uuid', true, NULL),
    ('trust_scores', 'score', 'numeric(4,3)', true, NULL),
    ('trust_scores', 'verification_status', 'numeric(4,3)', false, NULL),
    ('trust_scores', 'confidence', 'numeric(4,3)', true, NULL),
    ('trust_scores', 'last_calculated', 'timestamp without time zone', true, 'now()'),
    ('trust_scores', 'created_at', 'timestamp without time zone', true, 'now()'),
    ('trust_scores', 'uptime', 'numeric(5,4)', false, '0.0'),
    ('trust_scores', 'success_rate', 'numeric(5,4)', false, '0.0'),
    ('trust_scores', 'security_alerts', 'numeric(5,4)', false, '0.0'),
    ('trust_scores', 'compliance', 'numeric(5,4)', false, '0.0'),
    ('trust_scores', 'age', 'numeric(5,4)', false, '0.0'),
    ('trust_scores', 'drift_detection', 'numeric(5,4)', false, '0.0'),
    ('trust_scores', 'user_feedback', 'numeric(5,4)', false, '0.0'),
    ('trust_scores', 'factors', 'jsonb', false, '''{}''::jsonb'),
    ('user_registration_requests', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('user_registration_requests', 'email', 'character varying(255)', true, NULL),
    ('user_registration_requests', 'first_name', 'character varying(255)', true, NULL),
    ('user_registration_requests', 'last_name', 'character varying(255)', true, NULL),
    ('user_registration_requests', 'password_hash', 'character varying(255)', false, NULL),
    ('user_registration_requests', 'oauth_provider', 'character varying(50)', false, NULL),
    ('user_registration_requests', 'oauth_user_id', 'character varying(255)', false, NULL),
    ('user_registration_requests', 'organization_id', 'uuid', false, NULL),
    ('user_registration_requests', 'status', 'character varying(50)', true, '''pending''::character varying'),
    ('user_registration_requests', 'requested_at', 'timestamp without time zone', true, 'now()'),
    ('user_registration_requests', 'reviewed_at', 'timestamp without time zone', false, NULL),
    ('user_registration_requests', 'reviewed_by', 'uuid', false, NULL),
    ('user_registration_requests', 'rejection_reason', 'text', false, NULL),
    ('user_registration_requests', 'profile_picture_url', 'text', false, NULL),
    ('user_registration_requests', 'oauth_email_verified', 'boolean', true, 'false'),
    ('user_registration_requests', 'metadata', 'jsonb', false, NULL),
    ('user_registration_requests', 'created_at', 'timestamp without time zone', true, 'now()'),
    ('user_registration_requests', 'updated_at', 'timestamp without time zone', true, 'now()'),
    ('users', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('users', 'organization_id', 'uuid', true, NULL),
    ('users', 'email', 'character varying(255)', true, NULL),
    ('users', 'name', 'character varying(255)', true, NULL),
    ('users', 'avatar_url', 'text', false, NULL),
    ('users', 'role', 'character varying(50)', true, '''member''::character varying'),
    ('users', 'provider', 'character varying(50)', true, NULL),
    ('users', 'provider_id', 'character varying(255)', true, NULL),
    ('users', 'last_login_at', 'timestamp without time zone', false, NULL),
    ('users', 'created_at', 'timestamp without time zone', true, 'now()'),
    ('users', 'updated_at', 'timestamp without time zone', true, 'now()'),
    ('users', 'status', 'character varying(50)', true, '''active''::character varying'),
    ('users', 'deleted_at', 'timestamp with time zone', false, NULL),
    ('users', 'approved_by', 'uuid', false, NULL),
    ('users', 'approved_at', 'timestamp with time zone', false, NULL),
    ('users', 'password_reset_token', 'character varying(255)', false, NULL),
    ('users', 'password_reset_expires_at', 'timestamp with time zone', false, NULL),
    ('users', 'password_hash', 'text', false, NULL),
    ('users', 'email_verified', 'boolean', false, 'false'),
    ('users', 'force_password_change', 'boolean', false, 'false'),
    ('users', 'password_reset_expires', 'timestamp with time zone', false, NULL),
    ('verification_events', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('verification_events', 'organization_id', 'uuid', true, NULL),
    ('verification_events', 'agent_id', 'uuid', false, NULL),
    ('verification_events', 'agent_name', 'character varying(255)', false, NULL),
    ('verification_events', 'mcp_server_id', 'uuid', false, NULL),
    ('verification_events', 'mcp_server_name', 'character varying(255)', false, NULL),
    ('verification_events', 'protocol', 'character varying(50)', true, NULL),
    ('verification_events', 'verification_type', 'character varying(50)', true, NULL),
    ('verification_events', 'status', 'character varying(50)', true, NULL),
    ('verification_events', 'result', 'character varying(50)', false, NULL),
    ('verification_events', 'signature', 'text', false, NULL),
    ('verification_events', 'message_hash', 'text', false, NULL),
    ('verification_events', 'nonce', 'character varying(255)', false, NULL),
    ('verification_events', 'public_key', 'text', false, NULL),
    ('verification_events', 'confidence', 'numeric(5,4)', false, '0.0000'),
    ('verification_events', 'trust_score', 'numeric(5,2)', false, '0.00'),
    ('verification_events', 'duration_ms', 'integer', false, '0'),
    ('verification_events', 'error_code', 'character varying(100)', false, NULL),
    ('verification_events', 'error_reason', 'text', false, NULL),
    ('verification_events', 'initiator_type', 'character varying(50)', true, NULL),
    ('verification_events', 'initiator_id', 'uuid', false, NULL),
    ('verification_events', 'initiator_name', 'character varying(255)', false, NULL),
    ('verification_events', 'initiator_ip', 'character varying(45)', false, NULL),
    ('verification_events', 'action', 'character varying(255)', false, NULL),
    ('verification_events', 'resource_type', 'character varying(100)', false, NULL),
    ('verification_events', 'resource_id', 'character varying(255)', false, NULL),
    ('verification_events', 'location', 'character varying(255)', false, NULL),
    ('verification_events', 'current_mcp_servers', 'jsonb', false, '''[]''::jsonb'),
    ('verification_events', 'current_capabilities', 'jsonb', false, '''[]''::jsonb'),
    ('verification_events', 'drift_detected', 'boolean', false, 'false'),
    ('verification_events', 'mcp_server_drift', 'jsonb', false, '''[]''::jsonb'),
    ('verification_events', 'capability_drift', 'jsonb', false, '''[]''::jsonb'),
    ('verification_events', 'started_at', 'timestamp with time zone', true, NULL),
    ('verification_events', 'completed_at', 'timestamp with time zone', false, NULL),
    ('verification_events', 'created_at', 'timestamp with time zone', true, 'now()'),
    ('verification_events', 'details', 'text', false, NULL),
    ('verification_events', 'metadata', 'jsonb', false, '''{}''::jsonb'),
    ('webhook_deliveries', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('webhook_deliveries', 'webhook_id', 'uuid', true, NULL),
    ('webhook_deliveries', 'event', 'character varying(100)', true, NULL),
    ('webhook_deliveries', 'payload', 'text', true, NULL),
    ('webhook_deliveries', 'status_code', 'integer', false, NULL),
    ('webhook_deliveries', 'response_body', 'text', false, NULL),
    ('webhook_deliveries', 'success', 'boolean', true, 'false'),
    ('webhook_deliveries', 'attempt_count', 'integer', true, '1'),
    ('webhook_deliveries', 'created_at', 'timestamp with time zone', true, 'CURRENT_TIMESTAMP'),
    ('webhooks', 'id', 'uuid', true, 'gen_random_uuid()'),
    ('webhooks', 'organization_id', 'uuid', true, NULL),
    ('webhooks', 'name', 'character varying(255)', true, NULL),
    ('webhooks', 'url', 'text', true, NULL),
    ('webhooks', 'events', 'text[]', true, '''{}''::text[]'),
    ('webhooks', 'secret', 'character varying(255)', true, NULL),
    ('webhooks', 'is_active', 'boolean', true, 'true'),
    ('webhooks', 'last_triggered', 'timestamp with time zone', false, NULL),
    ('webhooks', 'failure_count', 'integer', true, '0'),
    ('webhooks', 'created_at', 'timestamp with time zone', true, 'CURRENT_TIMESTAMP'),
    ('webhooks', 'updated_at', 'timestamp with time zone', true, 'CURRENT_TIMESTAMP'),
    ('webhooks', 'created_by', 'uuid', true, NULL)
        ) AS v (tbl, col, typ, required, dflt)
        LEFT JOIN pg_attribute a ON a.attrelid = to_regclass(v.tbl) AND a.attname = v.col AND a.attnum > 0 AND NOT a.attisdropped
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE to_regclass(v.tbl) IS NOT NULL AND coalesce(array_position(hot, v.tbl), 0) = unit
    LOOP
      IF NOT c.present THEN
        tbls := tbls || c.tbl;
        acts := acts || format('ADD COLUMN %I %s', c.col, c.typ || coalesce(' DEFAULT ' || c.dflt, '') || CASE WHEN c.required THEN ' NOT NULL' ELSE '' END);
        CONTINUE;
      END IF;
      IF c.live_type <> c.typ THEN
        INSERT INTO aim_migrations.conversions (table_name, column_name, from_type, to_type, at_zone, migration)
        VALUES (c.tbl, c.col, c.live_type, c.typ,
                CASE WHEN c.live_type LIKE 'timestamp%' AND c.typ LIKE 'timestamp%' THEN coalesce(nullif(current_setting('aim.timestamp_zone', true), ''), 'UTC') END,
                '022_converge_to_backend_schema.sql');
        tbls := tbls || c.tbl;
        -- The same instant, written as the backend's timestamp (or back) at the operator's zone.
        acts := acts || format('ALTER COLUMN %I TYPE %s USING %s', c.col, c.typ,
          CASE WHEN c.live_type LIKE 'timestamp%' AND c.typ LIKE 'timestamp%'
               THEN format('%I AT TIME ZONE %L', c.col, coalesce(nullif(current_setting('aim.timestamp_zone', true), ''), 'UTC'))
               ELSE format('%I::%s', c.col, c.typ) END);
      END IF;
      IF c.live_default IS DISTINCT FROM c.dflt THEN
        tbls := tbls || c.tbl;
        acts := acts || CASE WHEN c.dflt IS NULL THEN format('ALTER COLUMN %I DROP DEFAULT', c.col)
                             ELSE format('ALTER COLUMN %I SET DEFAULT %s', c.col, c.dflt) END;
      END IF;
      IF c.required AND NOT c.live_notnull THEN
        EXECUTE format('SELECT string_agg(k, '', '') FROM (SELECT %s::text AS k FROM %I WHERE %I IS NULL LIMIT 5) r',
                       CASE WHEN c.tbl IN ('agent_tags', 'mcp_server_tags') THEN 'ctid' ELSE 'id' END, c.tbl, c.col) INTO bad;
        IF bad IS NOT NULL THEN
          RAISE EXCEPTION 'rows of % have no % (the backend''s schema requires one): %', c.tbl, c.col, bad
            USING ERRCODE = 'AIM02', HINT = format('Give each of these rows a %s, or delete them, then run aim migrate again: aim changes no row itself.', c.col);
        END IF;
        tbls := tbls || c.tbl;
        acts := acts || format('ALTER COLUMN %I SET NOT NULL', c.col);
      ELSIF NOT c.required AND c.live_notnull THEN
        tbls := tbls || c.tbl;
        acts := acts || format('ALTER COLUMN %I DROP NOT NULL', c.col);
      END IF;
    END LOOP;
    FOR t IN
      SELECT x.tbl, string_agg(x.act, ', ' ORDER BY x.n) AS acts
        FROM unnest(tbls, acts) WITH ORDINALITY AS x (tbl, act, n)
       GROUP BY x.tbl ORDER BY x.tbl
    LOOP
      EXECUTE format('ALTER TABLE %I %s', t.tbl, t.acts);
    END LOOP;

    -- Constraints: each CHECK, FOREIGN KEY and UNIQUE as the contract defines it (its ON DELETE action
    -- decides what a delete of a user or an agent does). A constraint the database holds under another
    -- name is renamed; one that differs is replaced, after the rows it would refuse are looked for. A
    -- foreign key locks the table it references too: it goes with the later of its two tables.
    FOR k IN
      SELECT v.tbl, v.con, v.def, v.src, r.oid AS live_oid, pg_get_constraintdef(r.oid) AS live_def, r.convalidated
        FROM (VALUES
    ('agent_actions', 'agent_actions_agent_id_fkey', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE'),
    ('agent_actions', 'agent_actions_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('agent_activity_metrics', 'agent_activity_metrics_agent_id_fkey', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE'),
    ('agent_activity_metrics', 'agent_activity_metrics_organization_id_fkey', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE'),
    ('agent_activity_metrics', 'agent_activity_metrics_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('agent_activity_metrics', 'agent_activity_metrics_agent_id_hour_timestamp_key', 'UNIQUE (agent_id, hour_timestamp)', 'UNIQUE (agent_id, hour_timestamp)'),
    ('agent_behavioral_baselines', 'agent_behavioral_baselines_agent_id_fkey', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE'),
    ('agent_behavioral_baselines', 'agent_behavioral_baselines_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('agent_capabilities', 'agent_capabilities_agent_id_fkey', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE'),
    ('agent_capabilities', 'agent_capabilities_granted_by_fkey', 'FOREIGN KEY (granted_by) REFERENCES users(id)', 'FOREIGN KEY (granted_by) REFERENCES users(id)'),
    ('agent_capabilities', 'agent_capabilities_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('agent_capability_reports', 'agent_capability_reports_overall_risk_score_check', 'CHECK (((overall_risk_score >= (0)::numeric) AND (overall_risk_score <= (100)::numeric)))', 'CHECK (((overall_risk_score >= (0)::numeric) AND (overall_risk_score <= (100)::numeric)))'),
    ('agent_capability_reports', 'agent_capability_reports_risk_level_check', 'CHECK (((risk_level)::text = ANY ((ARRAY[''low''::character varying, ''medium''::character varying, ''high''::character varying, ''critical''::character varying])::text[])))', 'CHECK (risk_level IN (''low'', ''medium'', ''high'', ''critical''))'),
    ('agent_capability_reports', 'agent_capability_reports_agent_id_fkey', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE'),
    ('agent_capability_reports', 'agent_capability_reports_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('agent_compliance_events', 'agent_compliance_events_agent_id_fkey', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE'),
    ('agent_compliance_events', 'agent_compliance_events_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('agent_health_checks', 'agent_health_checks_agent_id_fkey', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE'),
    ('agent_health_checks', 'agent_health_checks_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('agent_mcp_connections', 'agent_mcp_connections_connection_type_check', 'CHECK (((connection_type)::text = ANY ((ARRAY[''auto_detected''::character varying, ''user_registered''::character varying, ''attested''::character varying])::text[])))', 'CHECK (connection_type IN (''auto_detected'', ''user_registered'', ''attested''))'),
    ('agent_mcp_connections', 'agent_mcp_connections_agent_id_fkey', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE'),
    ('agent_mcp_connections', 'agent_mcp_connections_detection_id_fkey', 'FOREIGN KEY (detection_id) REFERENCES agent_mcp_detections(id) ON DELETE SET NULL', 'FOREIGN KEY (detection_id) REFERENCES agent_mcp_detections(id) ON DELETE SET NULL'),
    ('agent_mcp_connections', 'agent_mcp_connections_mcp_server_id_fkey', 'FOREIGN KEY (mcp_server_id) REFERENCES mcp_servers(id) ON DELETE CASCADE', 'FOREIGN KEY (mcp_server_id) REFERENCES mcp_servers(id) ON DELETE CASCADE'),
    ('agent_mcp_connections', 'agent_mcp_connections_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('agent_mcp_connections', 'agent_mcp_connections_agent_id_mcp_server_id_key', 'UNIQUE (agent_id, mcp_server_id)', 'UNIQUE (agent_id, mcp_server_id)'),
    ('agent_mcp_detections', 'agent_mcp_detections_confidence_check', 'CHECK (((confidence_score >= (0)::numeric) AND (confidence_score <= (100)::numeric)))', 'CHECK (((confidence_score >= (0)::numeric) AND (confidence_score <= (100)::numeric)))'),
    ('agent_mcp_detections', 'agent_mcp_detections_agent_id_fkey', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE'),
    ('agent_mcp_detections', 'agent_mcp_detections_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('agent_mcp_detections', 'agent_mcp_detections_agent_id_mcp_server_name_detection_met_key', 'UNIQUE (agent_id, mcp_server_name, detection_method)', 'UNIQUE (agent_id, mcp_server_name, detection_method)'),
    ('agent_tags', 'agent_tags_agent_id_fkey', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE'),
    ('agent_tags', 'agent_tags_tag_id_fkey', 'FOREIGN KEY (tag_id) REFERENCES tags(id) ON DELETE CASCADE', 'FOREIGN KEY (tag_id) REFERENCES tags(id) ON DELETE CASCADE'),
    ('agent_tags', 'agent_tags_pkey', 'PRIMARY KEY (agent_id, tag_id)', 'PRIMARY KEY (agent_id, tag_id)'),
    ('agent_user_feedback', 'agent_user_feedback_rating_check', 'CHECK (((rating >= 1) AND (rating <= 5)))', 'CHECK (((rating >= 1) AND (rating <= 5)))'),
    ('agent_user_feedback', 'agent_user_feedback_agent_id_fkey', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE'),
    ('agent_user_feedback', 'agent_user_feedback_user_id_fkey', 'FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE', 'FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE'),
    ('agent_user_feedback', 'agent_user_feedback_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('agents', 'trust_score_range_check', 'CHECK (((trust_score >= 0.0) AND (trust_score <= 1.0)))', 'CHECK (((trust_score >= 0.0) AND (trust_score <= 1.0)))'),
    ('agents', 'agents_created_by_fkey', 'FOREIGN KEY (created_by) REFERENCES users(id)', 'FOREIGN KEY (created_by) REFERENCES users(id)'),
    ('agents', 'agents_organization_id_fkey', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE'),
    ('agents', 'agents_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('agents', 'agents_organization_id_name_key', 'UNIQUE (organization_id, name)', 'UNIQUE (organization_id, name)'),
    ('alerts', 'alerts_acknowledged_by_fkey', 'FOREIGN KEY (acknowledged_by) REFERENCES users(id)', 'FOREIGN KEY (acknowledged_by) REFERENCES users(id)'),
    ('alerts', 'alerts_organization_id_fkey', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE'),
    ('alerts', 'alerts_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('api_calls', 'api_calls_agent_id_fkey', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE SET NULL', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE SET NULL'),
    ('api_calls', 'api_calls_organization_id_fkey', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE'),
    ('api_calls', 'api_calls_user_id_fkey', 'FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE SET NULL', 'FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE SET NULL'),
    ('api_calls', 'api_calls_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('api_keys', 'api_keys_agent_id_fkey', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE'),
    ('api_keys', 'api_keys_created_by_fkey', 'FOREIGN KEY (created_by) REFERENCES users(id)', 'FOREIGN KEY (created_by) REFERENCES users(id)'),
    ('api_keys', 'api_keys_organization_id_fkey', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE'),
    ('api_keys', 'api_keys_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('api_keys', 'api_keys_key_hash_key', 'UNIQUE (key_hash)', 'UNIQUE (key_hash)'),
    ('capability_requests', 'capability_requests_status_check', 'CHECK (((status)::text = ANY ((ARRAY[''pending''::character varying, ''approved''::character varying, ''rejected''::character varying])::text[])))', 'CHECK (status IN (''pending'', ''approved'', ''rejected''))'),
    ('capability_requests', 'capability_requests_agent_id_fkey', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE'),
    ('capability_requests', 'capability_requests_requested_by_fkey', 'FOREIGN KEY (requested_by) REFERENCES users(id) ON DELETE RESTRICT', 'FOREIGN KEY (requested_by) REFERENCES users(id) ON DELETE RESTRICT'),
    ('capability_requests', 'capability_requests_reviewed_by_fkey', 'FOREIGN KEY (reviewed_by) REFERENCES users(id) ON DELETE SET NULL', 'FOREIGN KEY (reviewed_by) REFERENCES users(id) ON DELETE SET NULL'),
    ('capability_requests', 'capability_requests_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('capability_violations', 'capability_violations_agent_id_fkey', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE'),
    ('capability_violations', 'capability_violations_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('detections', 'detections_confidence_check', 'CHECK (((confidence_score >= (0)::numeric) AND (confidence_score <= (100)::numeric)))', 'CHECK (((confidence_score >= (0)::numeric) AND (confidence_score <= (100)::numeric)))'),
    ('detections', 'detections_agent_id_fkey', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE'),
    ('detections', 'detections_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('mcp_attestations', 'mcp_attestations_agent_id_fkey', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE'),
    ('mcp_attestations', 'mcp_attestations_mcp_server_id_fkey', 'FOREIGN KEY (mcp_server_id) REFERENCES mcp_servers(id) ON DELETE CASCADE', 'FOREIGN KEY (mcp_server_id) REFERENCES mcp_servers(id) ON DELETE CASCADE'),
    ('mcp_attestations', 'mcp_attestations_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('mcp_attestations', 'unique_attestation_per_verification', 'UNIQUE (mcp_server_id, agent_id, verified_at)', 'UNIQUE (mcp_server_id, agent_id, verified_at)'),
    ('mcp_server_capabilities', 'mcp_server_capabilities_capability_type_check', 'CHECK (((capability_type)::text = ANY ((ARRAY[''tool''::character varying, ''resource''::character varying, ''prompt''::character varying])::text[])))', 'CHECK (capability_type IN (''tool'', ''resource'', ''prompt''))'),
    ('mcp_server_capabilities', 'mcp_server_capabilities_mcp_server_id_fkey', 'FOREIGN KEY (mcp_server_id) REFERENCES mcp_servers(id) ON DELETE CASCADE', 'FOREIGN KEY (mcp_server_id) REFERENCES mcp_servers(id) ON DELETE CASCADE'),
    ('mcp_server_capabilities', 'mcp_server_capabilities_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('mcp_server_capabilities', 'mcp_server_capabilities_mcp_server_id_name_capability_type_key', 'UNIQUE (mcp_server_id, name, capability_type)', 'UNIQUE (mcp_server_id, name, capability_type)'),
    ('mcp_server_tags', 'mcp_server_tags_mcp_server_id_fkey', 'FOREIGN KEY (mcp_server_id) REFERENCES mcp_servers(id) ON DELETE CASCADE', 'FOREIGN KEY (mcp_server_id) REFERENCES mcp_servers(id) ON DELETE CASCADE'),
    ('mcp_server_tags', 'mcp_server_tags_tag_id_fkey', 'FOREIGN KEY (tag_id) REFERENCES tags(id) ON DELETE CASCADE', 'FOREIGN KEY (tag_id) REFERENCES tags(id) ON DELETE CASCADE'),
    ('mcp_server_tags', 'mcp_server_tags_pkey', 'PRIMARY KEY (mcp_server_id, tag_id)', 'PRIMARY KEY (mcp_server_id, tag_id)'),
    ('mcp_servers', 'mcp_servers_confidence_score_check', 'CHECK (((confidence_score >= (0)::numeric) AND (confidence_score <= (100)::numeric)))', 'CHECK (((confidence_score >= (0)::numeric) AND (confidence_score <= (100)::numeric)))'),
    ('mcp_servers', 'mcp_servers_created_by_fkey', 'FOREIGN KEY (created_by) REFERENCES users(id)', 'FOREIGN KEY (created_by) REFERENCES users(id)'),
    ('mcp_servers', 'mcp_servers_organization_id_fkey', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE'),
    ('mcp_servers', 'mcp_servers_registered_by_agent_fkey', 'FOREIGN KEY (registered_by_agent) REFERENCES agents(id) ON DELETE SET NULL', 'FOREIGN KEY (registered_by_agent) REFERENCES agents(id) ON DELETE SET NULL'),
    ('mcp_servers', 'mcp_servers_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('mcp_servers', 'mcp_servers_organization_id_url_key', 'UNIQUE (organization_id, url)', 'UNIQUE (organization_id, url)'),
    ('organization_daily_metrics', 'organization_daily_metrics_organization_id_fkey', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE'),
    ('organization_daily_metrics', 'organization_daily_metrics_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('organization_daily_metrics', 'organization_daily_metrics_organization_id_date_key', 'UNIQUE (organization_id, date)', 'UNIQUE (organization_id, date)'),
    ('organizations', 'organizations_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('organizations', 'organizations_domain_key', 'UNIQUE (domain)', 'UNIQUE (domain)'),
    ('sdk_tokens', 'sdk_tokens_organization_id_fkey', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE'),
    ('sdk_tokens', 'sdk_tokens_user_id_fkey', 'FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE', 'FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE'),
    ('sdk_tokens', 'sdk_tokens_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('sdk_tokens', 'sdk_tokens_token_hash_key', 'UNIQUE (token_hash)', 'UNIQUE (token_hash)'),
    ('sdk_tokens', 'sdk_tokens_token_id_key', 'UNIQUE (token_id)', 'UNIQUE (token_id)'),
    ('security_anomalies', 'security_anomalies_confidence_check', 'CHECK (((confidence >= (0)::numeric) AND (confidence <= (100)::numeric)))', 'CHECK (((confidence >= (0)::numeric) AND (confidence <= (100)::numeric)))'),
    ('security_anomalies', 'security_anomalies_severity_check', 'CHECK (((severity)::text = ANY ((ARRAY[''low''::character varying, ''medium''::character varying, ''high''::character varying, ''critical''::character varying])::text[])))', 'CHECK (severity IN (''low'', ''medium'', ''high'', ''critical''))'),
    ('security_anomalies', 'security_anomalies_organization_id_fkey', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE'),
    ('security_anomalies', 'security_anomalies_resolved_by_fkey', 'FOREIGN KEY (resolved_by) REFERENCES users(id) ON DELETE SET NULL', 'FOREIGN KEY (resolved_by) REFERENCES users(id) ON DELETE SET NULL'),
    ('security_anomalies', 'security_anomalies_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('security_policies', 'security_policies_created_by_fkey', 'FOREIGN KEY (created_by) REFERENCES users(id) ON DELETE CASCADE', 'FOREIGN KEY (created_by) REFERENCES users(id) ON DELETE CASCADE'),
    ('security_policies', 'security_policies_organization_id_fkey', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE'),
    ('security_policies', 'security_policies_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('system_config', 'system_config_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('system_config', 'system_config_key_key', 'UNIQUE (key)', 'UNIQUE (key)'),
    ('tags', 'tags_created_by_fkey', 'FOREIGN KEY (created_by) REFERENCES users(id) ON DELETE CASCADE', 'FOREIGN KEY (created_by) REFERENCES users(id) ON DELETE CASCADE'),
    ('tags', 'tags_organization_id_fkey', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE'),
    ('tags', 'tags_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('tags', 'tags_organization_id_key_value_key', 'UNIQUE (organization_id, key, value)', 'UNIQUE (organization_id, key, value)'),
    ('trust_score_history', 'trust_score_range_check', 'CHECK (((trust_score >= 0.0) AND (trust_score <= 1.0)))', 'CHECK (((trust_score >= 0.0) AND (trust_score <= 1.0)))'),
    ('trust_score_history', 'trust_score_history_agent_id_fkey', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE'),
    ('trust_score_history', 'trust_score_history_changed_by_fkey', 'FOREIGN KEY (changed_by) REFERENCES users(id) ON DELETE SET NULL', 'FOREIGN KEY (changed_by) REFERENCES users(id) ON DELETE SET NULL'),
    ('trust_score_history', 'trust_score_history_organization_id_fkey', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE'),
    ('trust_score_history', 'trust_score_history_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('trust_scores', 'trust_scores_agent_id_fkey', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE'),
    ('trust_scores', 'trust_scores_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('user_registration_requests', 'user_registration_requests_organization_id_fkey', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE'),
    ('user_registration_requests', 'user_registration_requests_reviewed_by_fkey', 'FOREIGN KEY (reviewed_by) REFERENCES users(id)', 'FOREIGN KEY (reviewed_by) REFERENCES users(id)'),
    ('user_registration_requests', 'user_registration_requests_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('users', 'users_approved_by_fkey', 'FOREIGN KEY (approved_by) REFERENCES users(id)', 'FOREIGN KEY (approved_by) REFERENCES users(id)'),
    ('users', 'users_organization_id_fkey', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE'),
    ('users', 'users_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('users', 'users_organization_id_email_key', 'UNIQUE (organization_id, email)', 'UNIQUE (organization_id, email)'),
    ('users', 'users_provider_provider_id_key', 'UNIQUE (provider, provider_id)', 'UNIQUE (provider, provider_id)'),
    ('verification_events', 'verification_events_check', 'CHECK ((((agent_id IS NOT NULL) AND (mcp_server_id IS NULL)) OR ((agent_id IS NULL) AND (mcp_server_id IS NOT NULL))))', 'CHECK ((((agent_id IS NOT NULL) AND (mcp_server_id IS NULL)) OR ((agent_id IS NULL) AND (mcp_server_id IS NOT NULL))))'),
    ('verification_events', 'verification_events_agent_id_fkey', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE', 'FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE'),
    ('verification_events', 'verification_events_mcp_server_id_fkey', 'FOREIGN KEY (mcp_server_id) REFERENCES mcp_servers(id) ON DELETE CASCADE', 'FOREIGN KEY (mcp_server_id) REFERENCES mcp_servers(id) ON DELETE CASCADE'),
    ('verification_events', 'verification_events_organization_id_fkey', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE'),
    ('verification_events', 'verification_events_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('webhook_deliveries', 'webhook_deliveries_webhook_id_fkey', 'FOREIGN KEY (webhook_id) REFERENCES webhooks(id) ON DELETE CASCADE', 'FOREIGN KEY (webhook_id) REFERENCES webhooks(id) ON DELETE CASCADE'),
    ('webhook_deliveries', 'webhook_deliveries_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('webhooks', 'webhooks_events_not_empty', 'CHECK ((array_length(events, 1) > 0))', 'CHECK ((array_length(events, 1) > 0))'),
    ('webhooks', 'webhooks_url_check', 'CHECK ((url ~* ''^https?://.*''::text))', 'CHECK ((url ~* ''^https?://.*''::text))'),
    ('webhooks', 'webhooks_created_by_fkey', 'FOREIGN KEY (created_by) REFERENCES users(id) ON DELETE RESTRICT', 'FOREIGN KEY (created_by) REFERENCES users(id) ON DELETE RESTRICT'),
    ('webhooks', 'webhooks_organization_id_fkey', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE', 'FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE'),
    ('webhooks', 'webhooks_pkey', 'PRIMARY KEY (id)', 'PRIMARY KEY (id)'),
    ('webhooks', 'webhooks_name_unique_per_org', 'UNIQUE (organization_id, name)', 'UNIQUE (organization_id, name)')
        ) AS v (tbl, con, def, src)
        LEFT JOIN pg_constraint r ON r.conrelid = to_regclass(v.tbl) AND r.conname = v.con
       WHERE to_regclass(v.tbl) IS NOT NULL AND v.def NOT LIKE 'PRIMARY KEY%'
         AND greatest(coalesce(array_position(hot, v.tbl), 0), coalesce(array_position(hot, substring(v.def FROM 'REFERENCES (\w+)\(')), 0)) = unit
       ORDER BY v.tbl, v.con
    LOOP
      CONTINUE WHEN k.live_def = k.def AND k.convalidated;
      IF k.live_def = k.def THEN
        EXECUTE format('ALTER TABLE %I VALIDATE CONSTRAINT %I', k.tbl, k.con);
        CONTINUE;
      END IF;
      SELECT r.conname INTO other FROM pg_constraint r
       WHERE r.conrelid = to_regclass(k.tbl) AND pg_get_constraintdef(r.oid) = k.def AND r.conname <> k.con LIMIT 1;
      IF other IS NOT NULL AND k.live_oid IS NULL THEN
        EXECUTE format('ALTER TABLE %I RENAME CONSTRAINT %I TO %I', k.tbl, other, k.con);
        CONTINUE;
      END IF;
      probe := NULL;
      IF k.def LIKE 'CHECK %' THEN
        probe := format('SELECT id::text AS k FROM %I WHERE NOT %s', k.tbl, substr(k.def, 7));
      ELSIF k.def LIKE 'FOREIGN KEY %' THEN
        parts := regexp_match(k.def, '^FOREIGN KEY \((\w+)\) REFERENCES (\w+)\((\w+)\)');
        probe := format('SELECT %s::text AS k FROM %I t WHERE t.%I IS NOT NULL AND NOT EXISTS (SELECT FROM %I p WHERE p.%I = t.%I)',
                        CASE WHEN k.tbl IN ('agent_tags', 'mcp_server_tags') THEN 't.ctid' ELSE 't.id' END,
                        k.tbl, parts[1], parts[2], parts[3], parts[1]);
      ELSIF k.def LIKE 'UNIQUE %' THEN
        -- Named by their rows, never by the values (a key or token hash is one of them).
        parts := regexp_match(k.def, '^UNIQUE \((.*)\)$');
        probe := format('SELECT %s::text AS k FROM %I WHERE (%s) IN (SELECT %s FROM %I GROUP BY %s HAVING count(*) > 1)',
                        CASE WHEN k.tbl IN ('agent_tags', 'mcp_server_tags') THEN 'ctid' ELSE 'id' END, k.tbl, parts[1], parts[1], k.tbl, parts[1]);
      END IF;
      IF probe IS NOT NULL THEN
        EXECUTE format('SELECT string_agg(k, '', '') FROM (%s LIMIT 5) r', probe) INTO bad;
        IF bad IS NOT NULL THEN
          RAISE EXCEPTION 'rows of % do not fit the backend''s % (%): %', k.tbl, k.con, k.def, bad
            USING ERRCODE = 'AIM02', HINT = 'Correct or delete these rows (the backend''s own database refuses them), then run aim migrate again: aim changes no row itself.';
        END IF;
      END IF;
      IF k.live_oid IS NOT NULL THEN
        EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', k.tbl, k.con);
      END IF;
      IF other IS NOT NULL THEN
        EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', k.tbl, other);
      END IF;
      EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s', k.tbl, k.con, k.src);
    END LOOP;

    -- Indexes, each as the contract defines it (the detections index the backend's "last detection"
    -- query reads ends in detected_at DESC, say). One held under another name is renamed; one that
    -- differs is built again.
    FOR i IN
      SELECT v.tbl, v.idx, v.def, pg_get_indexdef(to_regclass(v.idx)) AS live_def
        FROM (VALUES
    ('agent_actions', 'idx_agent_actions_action_type', 'CREATE INDEX idx_agent_actions_action_type ON public.agent_actions USING btree (action_type)'),
    ('agent_actions', 'idx_agent_actions_agent_id', 'CREATE INDEX idx_agent_actions_agent_id ON public.agent_actions USING btree (agent_id)'),
    ('agent_actions', 'idx_agent_actions_created_at', 'CREATE INDEX idx_agent_actions_created_at ON public.agent_actions USING btree (created_at DESC)'),
    ('agent_actions', 'idx_agent_actions_is_successful', 'CREATE INDEX idx_agent_actions_is_successful ON public.agent_actions USING btree (is_successful)'),
    ('agent_actions', 'idx_agent_actions_is_verified', 'CREATE INDEX idx_agent_actions_is_verified ON public.agent_actions USING btree (is_verified)'),
    ('agent_activity_metrics', 'idx_agent_activity_agent_time', 'CREATE INDEX idx_agent_activity_agent_time ON public.agent_activity_metrics USING btree (agent_id, hour_timestamp DESC)'),
    ('agent_activity_metrics', 'idx_agent_activity_org_time', 'CREATE INDEX idx_agent_activity_org_time ON public.agent_activity_metrics USING btree (organization_id, hour_timestamp DESC)'),
    ('agent_behavioral_baselines', 'idx_agent_behavioral_baselines_agent_id', 'CREATE INDEX idx_agent_behavioral_baselines_agent_id ON public.agent_behavioral_baselines USING btree (agent_id)'),
    ('agent_behavioral_baselines', 'idx_agent_behavioral_baselines_created_at', 'CREATE INDEX idx_agent_behavioral_baselines_created_at ON public.agent_behavioral_baselines USING btree (created_at DESC)'),
    ('agent_behavioral_baselines', 'idx_agent_behavioral_baselines_is_anomaly', 'CREATE INDEX idx_agent_behavioral_baselines_is_anomaly ON public.agent_behavioral_baselines USING btree (is_anomaly)'),
    ('agent_behavioral_baselines', 'idx_agent_behavioral_baselines_metric_name', 'CREATE INDEX idx_agent_behavioral_baselines_metric_name ON public.agent_behavioral_baselines USING btree (metric_name)'),
    ('agent_capabilities', 'idx_agent_capabilities_agent_id', 'CREATE INDEX idx_agent_capabilities_agent_id ON public.agent_capabilities USING btree (agent_id)'),
    ('agent_capabilities', 'idx_agent_capabilities_capability_type', 'CREATE INDEX idx_agent_capabilities_capability_type ON public.agent_capabilities USING btree (capability_type)'),
    ('agent_capabilities', 'idx_agent_capabilities_created_at', 'CREATE INDEX idx_agent_capabilities_created_at ON public.agent_capabilities USING btree (created_at DESC)'),
    ('agent_capabilities', 'idx_agent_capabilities_granted_by', 'CREATE INDEX idx_agent_capabilities_granted_by ON public.agent_capabilities USING btree (granted_by)'),
    ('agent_capabilities', 'idx_agent_capabilities_revoked_at', 'CREATE INDEX idx_agent_capabilities_revoked_at ON public.agent_capabilities USING btree (revoked_at)'),
    ('agent_capability_reports', 'idx_agent_capability_reports_agent_id', 'CREATE INDEX idx_agent_capability_reports_agent_id ON public.agent_capability_reports USING btree (agent_id)'),
    ('agent_capability_reports', 'idx_agent_capability_reports_detected_at', 'CREATE INDEX idx_agent_capability_reports_detected_at ON public.agent_capability_reports USING btree (detected_at)'),
    ('agent_capability_reports', 'idx_agent_capability_reports_risk_level', 'CREATE INDEX idx_agent_capability_reports_risk_level ON public.agent_capability_reports USING btree (risk_level)'),
    ('agent_compliance_events', 'idx_agent_compliance_events_agent_id', 'CREATE INDEX idx_agent_compliance_events_agent_id ON public.agent_compliance_events USING btree (agent_id)'),
    ('agent_compliance_events', 'idx_agent_compliance_events_compliance_type', 'CREATE INDEX idx_agent_compliance_events_compliance_type ON public.agent_compliance_events USING btree (compliance_type)'),
    ('agent_compliance_events', 'idx_agent_compliance_events_created_at', 'CREATE INDEX idx_agent_compliance_events_created_at ON public.agent_compliance_events USING btree (created_at DESC)'),
    ('agent_compliance_events', 'idx_agent_compliance_events_is_compliant', 'CREATE INDEX idx_agent_compliance_events_is_compliant ON public.agent_compliance_events USING btree (is_compliant)'),
    ('agent_health_checks', 'idx_agent_health_checks_agent_id', 'CREATE INDEX idx_agent_health_checks_agent_id ON public.agent_health_checks USING btree (agent_id)'),
    ('agent_health_checks', 'idx_agent_health_checks_check_time', 'CREATE INDEX idx_agent_health_checks_check_time ON public.agent_health_checks USING btree (check_time DESC)'),
    ('agent_health_checks', 'idx_agent_health_checks_is_successful', 'CREATE INDEX idx_agent_health_checks_is_successful ON public.agent_health_checks USING btree (is_successful)'),
    ('agent_mcp_connections', 'idx_agent_mcp_connections_active', 'CREATE INDEX idx_agent_mcp_connections_active ON public.agent_mcp_connections USING btree (is_active)'),
    ('agent_mcp_connections', 'idx_agent_mcp_connections_agent', 'CREATE INDEX idx_agent_mcp_connections_agent ON public.agent_mcp_connections USING btree (agent_id)'),
    ('agent_mcp_connections', 'idx_agent_mcp_connections_agent_active', 'CREATE INDEX idx_agent_mcp_connections_agent_active ON public.agent_mcp_connections USING btree (agent_id, is_active)'),
    ('agent_mcp_connections', 'idx_agent_mcp_connections_detection', 'CREATE INDEX idx_agent_mcp_connections_detection ON public.agent_mcp_connections USING btree (detection_id)'),
    ('agent_mcp_connections', 'idx_agent_mcp_connections_mcp', 'CREATE INDEX idx_agent_mcp_connections_mcp ON public.agent_mcp_connections USING btree (mcp_server_id)'),
    ('agent_mcp_connections', 'idx_agent_mcp_connections_mcp_active', 'CREATE INDEX idx_agent_mcp_connections_mcp_active ON public.agent_mcp_connections USING btree (mcp_server_id, is_active)'),
    ('agent_mcp_connections', 'idx_agent_mcp_connections_type', 'CREATE INDEX idx_agent_mcp_connections_type ON public.agent_mcp_connections USING btree (connection_type)'),
    ('agent_mcp_detections', 'idx_agent_mcp_detections_agent_id', 'CREATE INDEX idx_agent_mcp_detections_agent_id ON public.agent_mcp_detections USING btree (agent_id)'),
    ('agent_mcp_detections', 'idx_agent_mcp_detections_agent_mcp', 'CREATE INDEX idx_agent_mcp_detections_agent_mcp ON public.agent_mcp_detections USING btree (agent_id, mcp_server_name)'),
    ('agent_mcp_detections', 'idx_agent_mcp_detections_detection_method', 'CREATE INDEX idx_agent_mcp_detections_detection_method ON public.agent_mcp_detections USING btree (detection_method)'),
    ('agent_mcp_detections', 'idx_agent_mcp_detections_first_detected_at', 'CREATE INDEX idx_agent_mcp_detections_first_detected_at ON public.agent_mcp_detections USING btree (first_detected_at)'),
    ('agent_mcp_detections', 'idx_agent_mcp_detections_last_seen_at', 'CREATE INDEX idx_agent_mcp_detections_last_seen_at ON public.agent_mcp_detections USING btree (last_seen_at)'),
    ('agent_mcp_detections', 'idx_agent_mcp_detections_mcp_server_name', 'CREATE INDEX idx_agent_mcp_detections_mcp_server_name ON public.agent_mcp_detections USING btree (mcp_server_name)'),
    ('agent_tags', 'idx_agent_tags_agent', 'CREATE INDEX idx_agent_tags_agent ON public.agent_tags USING btree (agent_id)'),
    ('agent_tags', 'idx_agent_tags_tag', 'CREATE INDEX idx_agent_tags_tag ON public.agent_tags USING btree (tag_id)'),
    ('agent_user_feedback', 'idx_agent_user_feedback_agent_id', 'CREATE INDEX idx_agent_user_feedback_agent_id ON public.agent_user_feedback USING btree (agent_id)'),
    ('agent_user_feedback', 'idx_agent_user_feedback_created_at', 'CREATE INDEX idx_agent_user_feedback_created_at ON public.agent_user_feedback USING btree (created_at DESC)'),
    ('agent_user_feedback', 'idx_agent_user_feedback_feedback_type', 'CREATE INDEX idx_agent_user_feedback_feedback_type ON public.agent_user_feedback USING btree (feedback_type)'),
    ('agent_user_feedback', 'idx_agent_user_feedback_rating', 'CREATE INDEX idx_agent_user_feedback_rating ON public.agent_user_feedback USING btree (rating)'),
    ('agent_user_feedback', 'idx_agent_user_feedback_user_id', 'CREATE INDEX idx_agent_user_feedback_user_id ON public.agent_user_feedback USING btree (user_id)'),
    ('agents', 'idx_agents_agent_type', 'CREATE INDEX idx_agents_agent_type ON public.agents USING btree (agent_type)'),
    ('agents', 'idx_agents_capabilities', 'CREATE INDEX idx_agents_capabilities ON public.agents USING gin (capabilities)'),
    ('agents', 'idx_agents_created_by', 'CREATE INDEX idx_agents_created_by ON public.agents USING btree (created_by)'),
    ('agents', 'idx_agents_is_compromised', 'CREATE INDEX idx_agents_is_compromised ON public.agents USING btree (is_compromised)'),
    ('agents', 'idx_agents_key_expires_at', 'CREATE INDEX idx_agents_key_expires_at ON public.agents USING btree (key_expires_at)'),
    ('agents', 'idx_agents_last_active', 'CREATE INDEX idx_agents_last_active ON public.agents USING btree (last_active DESC)'),
    ('agents', 'idx_agents_organization_id', 'CREATE INDEX idx_agents_organization_id ON public.agents USING btree (organization_id)'),
    ('agents', 'idx_agents_status', 'CREATE INDEX idx_agents_status ON public.agents USING btree (status)'),
    ('agents', 'idx_agents_talks_to', 'CREATE INDEX idx_agents_talks_to ON public.agents USING gin (talks_to)'),
    ('agents', 'idx_agents_trust_score', 'CREATE INDEX idx_agents_trust_score ON public.agents USING btree (trust_score)'),
    ('alerts', 'idx_alerts_alert_type', 'CREATE INDEX idx_alerts_alert_type ON public.alerts USING btree (alert_type)'),
    ('alerts', 'idx_alerts_created_at', 'CREATE INDEX idx_alerts_created_at ON public.alerts USING btree (created_at DESC)'),
    ('alerts', 'idx_alerts_is_acknowledged', 'CREATE INDEX idx_alerts_is_acknowledged ON public.alerts USING btree (is_acknowledged)'),
    ('alerts', 'idx_alerts_organization_id', 'CREATE INDEX idx_alerts_organization_id ON public.alerts USING btree (organization_id)'),
    ('alerts', 'idx_alerts_severity', 'CREATE INDEX idx_alerts_severity ON public.alerts USING btree (severity)'),
    ('api_calls', 'idx_api_calls_agent_time', 'CREATE INDEX idx_api_calls_agent_time ON public.api_calls USING btree (agent_id, called_at DESC) WHERE (agent_id IS NOT NULL)'),
    ('api_calls', 'idx_api_calls_endpoint_time', 'CREATE INDEX idx_api_calls_endpoint_time ON public.api_calls USING btree (endpoint, called_at DESC)'),
    ('api_calls', 'idx_api_calls_org_time', 'CREATE INDEX idx_api_calls_org_time ON public.api_calls USING btree (organization_id, called_at DESC)'),
    ('api_calls', 'idx_api_calls_status_time', 'CREATE INDEX idx_api_calls_status_time ON public.api_calls USING btree (status_code, called_at DESC)'),
    ('api_keys', 'idx_api_keys_agent_id', 'CREATE INDEX idx_api_keys_agent_id ON public.api_keys USING btree (agent_id)'),
    ('api_keys', 'idx_api_keys_is_active', 'CREATE INDEX idx_api_keys_is_active ON public.api_keys USING btree (is_active)'),
    ('api_keys', 'idx_api_keys_key_hash', 'CREATE INDEX idx_api_keys_key_hash ON public.api_keys USING btree (key_hash)'),
    ('api_keys', 'idx_api_keys_organization_id', 'CREATE INDEX idx_api_keys_organization_id ON public.api_keys USING btree (organization_id)'),
    ('api_keys', 'idx_api_keys_prefix', 'CREATE INDEX idx_api_keys_prefix ON public.api_keys USING btree (prefix)'),
    ('capability_requests', 'idx_capability_requests_agent_id', 'CREATE INDEX idx_capability_requests_agent_id ON public.capability_requests USING btree (agent_id)'),
    ('capability_requests', 'idx_capability_requests_requested_at', 'CREATE INDEX idx_capability_requests_requested_at ON public.capability_requests USING btree (requested_at DESC)'),
    ('capability_requests', 'idx_capability_requests_requested_by', 'CREATE INDEX idx_capability_requests_requested_by ON public.capability_requests USING btree (requested_by)'),
    ('capability_requests', 'idx_capability_requests_reviewed_by', 'CREATE INDEX idx_capability_requests_reviewed_by ON public.capability_requests USING btree (reviewed_by)'),
    ('capability_requests', 'idx_capability_requests_status', 'CREATE INDEX idx_capability_requests_status ON public.capability_requests USING btree (status)'),
    ('capability_violations', 'idx_capability_violations_agent_id', 'CREATE INDEX idx_capability_violations_agent_id ON public.capability_violations USING btree (agent_id)'),
    ('capability_violations', 'idx_capability_violations_created_at', 'CREATE INDEX idx_capability_violations_created_at ON public.capability_violations USING btree (created_at DESC)'),
    ('capability_violations', 'idx_capability_violations_is_blocked', 'CREATE INDEX idx_capability_violations_is_blocked ON public.capability_violations USING btree (is_blocked)'),
    ('capability_violations', 'idx_capability_violations_severity', 'CREATE INDEX idx_capability_violations_severity ON public.capability_violations USING btree (severity)'),
    ('capability_violations', 'idx_capability_violations_source_ip', 'CREATE INDEX idx_capability_violations_source_ip ON public.capability_violations USING btree (source_ip)'),
    ('detections', 'idx_detections_agent_id', 'CREATE INDEX idx_detections_agent_id ON public.detections USING btree (agent_id)'),
    ('detections', 'idx_detections_agent_mcp_method', 'CREATE INDEX idx_detections_agent_mcp_method ON public.detections USING btree (agent_id, mcp_server_name, detection_method, detected_at DESC)'),
    ('detections', 'idx_detections_created_at', 'CREATE INDEX idx_detections_created_at ON public.detections USING btree (created_at)'),
    ('detections', 'idx_detections_detected_at', 'CREATE INDEX idx_detections_detected_at ON public.detections USING btree (detected_at)'),
    ('detections', 'idx_detections_detection_method', 'CREATE INDEX idx_detections_detection_method ON public.detections USING btree (detection_method)'),
    ('detections', 'idx_detections_is_significant', 'CREATE INDEX idx_detections_is_significant ON public.detections USING btree (is_significant)'),
    ('detections', 'idx_detections_mcp_server_name', 'CREATE INDEX idx_detections_mcp_server_name ON public.detections USING btree (mcp_server_name)'),
    ('mcp_attestations', 'idx_mcp_attestations_agent', 'CREATE INDEX idx_mcp_attestations_agent ON public.mcp_attestations USING btree (agent_id)'),
    ('mcp_attestations', 'idx_mcp_attestations_expires', 'CREATE INDEX idx_mcp_attestations_expires ON public.mcp_attestations USING btree (expires_at)'),
    ('mcp_attestations', 'idx_mcp_attestations_mcp', 'CREATE INDEX idx_mcp_attestations_mcp ON public.mcp_attestations USING btree (mcp_server_id)'),
    ('mcp_attestations', 'idx_mcp_attestations_mcp_valid', 'CREATE INDEX idx_mcp_attestations_mcp_valid ON public.mcp_attestations USING btree (mcp_server_id, is_valid, verified_at)'),
    ('mcp_attestations', 'idx_mcp_attestations_valid', 'CREATE INDEX idx_mcp_attestations_valid ON public.mcp_attestations USING btree (is_valid, verified_at)'),
    ('mcp_attestations', 'idx_mcp_attestations_verified', 'CREATE INDEX idx_mcp_attestations_verified ON public.mcp_attestations USING btree (signature_verified)'),
    ('mcp_server_capabilities', 'idx_mcp_server_capabilities_active', 'CREATE INDEX idx_mcp_server_capabilities_active ON public.mcp_server_capabilities USING btree (is_active)'),
    ('mcp_server_capabilities', 'idx_mcp_server_capabilities_server_id', 'CREATE INDEX idx_mcp_server_capabilities_server_id ON public.mcp_server_capabilities USING btree (mcp_server_id)'),
    ('mcp_server_capabilities', 'idx_mcp_server_capabilities_type', 'CREATE INDEX idx_mcp_server_capabilities_type ON public.mcp_server_capabilities USING btree (capability_type)'),
    ('mcp_server_tags', 'idx_mcp_server_tags_server', 'CREATE INDEX idx_mcp_server_tags_server ON public.mcp_server_tags USING btree (mcp_server_id)'),
    ('mcp_server_tags', 'idx_mcp_server_tags_tag', 'CREATE INDEX idx_mcp_server_tags_tag ON public.mcp_server_tags USING btree (tag_id)'),
    ('mcp_servers', 'idx_mcp_servers_capabilities', 'CREATE INDEX idx_mcp_servers_capabilities ON public.mcp_servers USING gin (capabilities)'),
    ('mcp_servers', 'idx_mcp_servers_confidence_score', 'CREATE INDEX idx_mcp_servers_confidence_score ON public.mcp_servers USING btree (confidence_score DESC)'),
    ('mcp_servers', 'idx_mcp_servers_created_by', 'CREATE INDEX idx_mcp_servers_created_by ON public.mcp_servers USING btree (created_by)'),
    ('mcp_servers', 'idx_mcp_servers_is_verified', 'CREATE INDEX idx_mcp_servers_is_verified ON public.mcp_servers USING btree (is_verified)'),
    ('mcp_servers', 'idx_mcp_servers_last_attested_at', 'CREATE INDEX idx_mcp_servers_last_attested_at ON public.mcp_servers USING btree (last_attested_at DESC)'),
    ('mcp_servers', 'idx_mcp_servers_organization_id', 'CREATE INDEX idx_mcp_servers_organization_id ON public.mcp_servers USING btree (organization_id)'),
    ('mcp_servers', 'idx_mcp_servers_registered_by_agent', 'CREATE INDEX idx_mcp_servers_registered_by_agent ON public.mcp_servers USING btree (registered_by_agent)'),
    ('mcp_servers', 'idx_mcp_servers_status', 'CREATE INDEX idx_mcp_servers_status ON public.mcp_servers USING btree (status)'),
    ('mcp_servers', 'idx_mcp_servers_trust_score', 'CREATE INDEX idx_mcp_servers_trust_score ON public.mcp_servers USING btree (trust_score)'),
    ('mcp_servers', 'idx_mcp_servers_url', 'CREATE INDEX idx_mcp_servers_url ON public.mcp_servers USING btree (url)'),
    ('mcp_servers', 'idx_mcp_servers_verification_method', 'CREATE INDEX idx_mcp_servers_verification_method ON public.mcp_servers USING btree (verification_method)'),
    ('organization_daily_metrics', 'idx_org_daily_metrics_date', 'CREATE INDEX idx_org_daily_metrics_date ON public.organization_daily_metrics USING btree (date DESC)'),
    ('organization_daily_metrics', 'idx_org_daily_metrics_org_date', 'CREATE INDEX idx_org_daily_metrics_org_date ON public.organization_daily_metrics USING btree (organization_id, date DESC)'),
    ('organizations', 'idx_organizations_domain', 'CREATE INDEX idx_organizations_domain ON public.organizations USING btree (domain)'),
    ('organizations', 'idx_organizations_is_active', 'CREATE INDEX idx_organizations_is_active ON public.organizations USING btree (is_active)'),
    ('sdk_tokens', 'idx_sdk_tokens_expires_at', 'CREATE INDEX idx_sdk_tokens_expires_at ON public.sdk_tokens USING btree (expires_at) WHERE (revoked_at IS NULL)'),
    ('sdk_tokens', 'idx_sdk_tokens_organization_id', 'CREATE INDEX idx_sdk_tokens_organization_id ON public.sdk_tokens USING btree (organization_id)'),
    ('sdk_tokens', 'idx_sdk_tokens_revoked_at', 'CREATE INDEX idx_sdk_tokens_revoked_at ON public.sdk_tokens USING btree (revoked_at) WHERE (revoked_at IS NOT NULL)'),
    ('sdk_tokens', 'idx_sdk_tokens_token_hash', 'CREATE INDEX idx_sdk_tokens_token_hash ON public.sdk_tokens USING btree (token_hash)'),
    ('sdk_tokens', 'idx_sdk_tokens_token_id', 'CREATE INDEX idx_sdk_tokens_token_id ON public.sdk_tokens USING btree (token_id)'),
    ('sdk_tokens', 'idx_sdk_tokens_user_id', 'CREATE INDEX idx_sdk_tokens_user_id ON public.sdk_tokens USING btree (user_id)'),
    ('security_anomalies', 'idx_security_anomalies_anomaly_type', 'CREATE INDEX idx_security_anomalies_anomaly_type ON public.security_anomalies USING btree (anomaly_type)'),
    ('security_anomalies', 'idx_security_anomalies_created_at', 'CREATE INDEX idx_security_anomalies_created_at ON public.security_anomalies USING btree (created_at)'),
    ('security_anomalies', 'idx_security_anomalies_organization', 'CREATE INDEX idx_security_anomalies_organization ON public.security_anomalies USING btree (organization_id)'),
    ('security_anomalies', 'idx_security_anomalies_resolved_at', 'CREATE INDEX idx_security_anomalies_resolved_at ON public.security_anomalies USING btree (resolved_at)'),
    ('security_anomalies', 'idx_security_anomalies_severity', 'CREATE INDEX idx_security_anomalies_severity ON public.security_anomalies USING btree (severity)'),
    ('security_policies', 'idx_security_policies_created_by', 'CREATE INDEX idx_security_policies_created_by ON public.security_policies USING btree (created_by)'),
    ('security_policies', 'idx_security_policies_is_enabled', 'CREATE INDEX idx_security_policies_is_enabled ON public.security_policies USING btree (is_enabled)'),
    ('security_policies', 'idx_security_policies_org_name', 'CREATE UNIQUE INDEX idx_security_policies_org_name ON public.security_policies USING btree (organization_id, name)'),
    ('security_policies', 'idx_security_policies_organization_id', 'CREATE INDEX idx_security_policies_organization_id ON public.security_policies USING btree (organization_id)'),
    ('security_policies', 'idx_security_policies_policy_type', 'CREATE INDEX idx_security_policies_policy_type ON public.security_policies USING btree (policy_type)'),
    ('security_policies', 'idx_security_policies_priority', 'CREATE INDEX idx_security_policies_priority ON public.security_policies USING btree (priority DESC)'),
    ('system_config', 'idx_system_config_key', 'CREATE INDEX idx_system_config_key ON public.system_config USING btree (key)'),
    ('tags', 'idx_tags_category', 'CREATE INDEX idx_tags_category ON public.tags USING btree (category)'),
    ('tags', 'idx_tags_organization', 'CREATE INDEX idx_tags_organization ON public.tags USING btree (organization_id)'),
    ('trust_score_history', 'idx_trust_score_history_agent_time', 'CREATE INDEX idx_trust_score_history_agent_time ON public.trust_score_history USING btree (agent_id, recorded_at DESC)'),
    ('trust_score_history', 'idx_trust_score_history_changed_by', 'CREATE INDEX idx_trust_score_history_changed_by ON public.trust_score_history USING btree (changed_by) WHERE (changed_by IS NOT NULL)'),
    ('trust_score_history', 'idx_trust_score_history_org_time', 'CREATE INDEX idx_trust_score_history_org_time ON public.trust_score_history USING btree (organization_id, recorded_at DESC)'),
    ('trust_scores', 'idx_trust_scores_agent_id', 'CREATE INDEX idx_trust_scores_agent_id ON public.trust_scores USING btree (agent_id)'),
    ('trust_scores', 'idx_trust_scores_created_at', 'CREATE INDEX idx_trust_scores_created_at ON public.trust_scores USING btree (created_at DESC)'),
    ('trust_scores', 'idx_trust_scores_factors', 'CREATE INDEX idx_trust_scores_factors ON public.trust_scores USING gin (factors)'),
    ('trust_scores', 'idx_trust_scores_last_calculated', 'CREATE INDEX idx_trust_scores_last_calculated ON public.trust_scores USING btree (last_calculated)'),
    ('user_registration_requests', 'idx_user_registration_requests_email', 'CREATE INDEX idx_user_registration_requests_email ON public.user_registration_requests USING btree (email)'),
    ('user_registration_requests', 'idx_user_registration_requests_organization_id', 'CREATE INDEX idx_user_registration_requests_organization_id ON public.user_registration_requests USING btree (organization_id)'),
    ('user_registration_requests', 'idx_user_registration_requests_requested_at', 'CREATE INDEX idx_user_registration_requests_requested_at ON public.user_registration_requests USING btree (requested_at DESC)'),
    ('user_registration_requests', 'idx_user_registration_requests_status', 'CREATE INDEX idx_user_registration_requests_status ON public.user_registration_requests USING btree (status)'),
    ('users', 'idx_users_email', 'CREATE INDEX idx_users_email ON public.users USING btree (email)'),
    ('users', 'idx_users_email_hash', 'CREATE INDEX idx_users_email_hash ON public.users USING btree (email, password_hash)'),
    ('users', 'idx_users_email_verified', 'CREATE INDEX idx_users_email_verified ON public.users USING btree (email_verified)'),
    ('users', 'idx_users_organization_id', 'CREATE INDEX idx_users_organization_id ON public.users USING btree (organization_id)'),
    ('users', 'idx_users_password_reset_expires', 'CREATE INDEX idx_users_password_reset_expires ON public.users USING btree (password_reset_expires) WHERE (password_reset_expires IS NOT NULL)'),
    ('users', 'idx_users_password_reset_token', 'CREATE INDEX idx_users_password_reset_token ON public.users USING btree (password_reset_token)'),
    ('users', 'idx_users_provider', 'CREATE INDEX idx_users_provider ON public.users USING btree (provider, provider_id)'),
    ('users', 'idx_users_status', 'CREATE INDEX idx_users_status ON public.users USING btree (status)'),
    ('verification_events', 'idx_verification_events_agent_id', 'CREATE INDEX idx_verification_events_agent_id ON public.verification_events USING btree (agent_id)'),
    ('verification_events', 'idx_verification_events_capability_drift', 'CREATE INDEX idx_verification_events_capability_drift ON public.verification_events USING gin (capability_drift)'),
    ('verification_events', 'idx_verification_events_created_at', 'CREATE INDEX idx_verification_events_created_at ON public.verification_events USING btree (created_at)'),
    ('verification_events', 'idx_verification_events_current_capabilities', 'CREATE INDEX idx_verification_events_current_capabilities ON public.verification_events USING gin (current_capabilities)'),
    ('verification_events', 'idx_verification_events_current_mcp_servers', 'CREATE INDEX idx_verification_events_current_mcp_servers ON public.verification_events USING gin (current_mcp_servers)'),
    ('verification_events', 'idx_verification_events_drift_detected', 'CREATE INDEX idx_verification_events_drift_detected ON public.verification_events USING btree (drift_detected)'),
    ('verification_events', 'idx_verification_events_initiator_type', 'CREATE INDEX idx_verification_events_initiator_type ON public.verification_events USING btree (initiator_type)'),
    ('verification_events', 'idx_verification_events_mcp_server_drift', 'CREATE INDEX idx_verification_events_mcp_server_drift ON public.verification_events USING gin (mcp_server_drift)'),
    ('verification_events', 'idx_verification_events_mcp_server_id', 'CREATE INDEX idx_verification_events_mcp_server_id ON public.verification_events USING btree (mcp_server_id)'),
    ('verification_events', 'idx_verification_events_metadata', 'CREATE INDEX idx_verification_events_metadata ON public.verification_events USING gin (metadata)'),
    ('verification_events', 'idx_verification_events_organization_id', 'CREATE INDEX idx_verification_events_organization_id ON public.verification_events USING btree (organization_id)'),
    ('verification_events', 'idx_verification_events_protocol', 'CREATE INDEX idx_verification_events_protocol ON public.verification_events USING btree (protocol)'),
    ('verification_events', 'idx_verification_events_result', 'CREATE INDEX idx_verification_events_result ON public.verification_events USING btree (result)'),
    ('verification_events', 'idx_verification_events_started_at', 'CREATE INDEX idx_verification_events_started_at ON public.verification_events USING btree (started_at)'),
    ('verification_events', 'idx_verification_events_status', 'CREATE INDEX idx_verification_events_status ON public.verification_events USING btree (status)'),
    ('verification_events', 'idx_verification_events_verification_type', 'CREATE INDEX idx_verification_events_verification_type ON public.verification_events USING btree (verification_type)'),
    ('webhook_deliveries', 'idx_webhook_deliveries_created_at', 'CREATE INDEX idx_webhook_deliveries_created_at ON public.webhook_deliveries USING btree (created_at)'),
    ('webhook_deliveries', 'idx_webhook_deliveries_event', 'CREATE INDEX idx_webhook_deliveries_event ON public.webhook_deliveries USING btree (event)'),
    ('webhook_deliveries', 'idx_webhook_deliveries_success', 'CREATE INDEX idx_webhook_deliveries_success ON public.webhook_deliveries USING btree (success)'),
    ('webhook_deliveries', 'idx_webhook_deliveries_webhook_id', 'CREATE INDEX idx_webhook_deliveries_webhook_id ON public.webhook_deliveries USING btree (webhook_id)'),
    ('webhooks', 'idx_webhooks_created_at', 'CREATE INDEX idx_webhooks_created_at ON public.webhooks USING btree (created_at)'),
    ('webhooks', 'idx_webhooks_is_active', 'CREATE INDEX idx_webhooks_is_active ON public.webhooks USING btree (is_active)'),
    ('webhooks', 'idx_webhooks_organization_id', 'CREATE INDEX idx_webhooks_organization_id ON public.webhooks USING btree (organization_id)')
        ) AS v (tbl, idx, def)
       WHERE to_regclass(v.tbl) IS NOT NULL AND coalesce(array_position(hot, v.tbl), 0) = unit
       ORDER BY v.tbl, v.idx
    LOOP
      CONTINUE WHEN i.live_def = i.def;
      SELECT x.relname INTO other FROM pg_index ix JOIN pg_class x ON x.oid = ix.indexrelid
       WHERE ix.indrelid = to_regclass(i.tbl) AND x.relname <> i.idx
         AND replace(pg_get_indexdef(x.oid), 'INDEX ' || quote_ident(x.relname) || ' ON', 'INDEX ' || quote_ident(i.idx) || ' ON') = i.def
         AND NOT EXISTS (SELECT FROM pg_constraint r WHERE r.conindid = x.oid)
       LIMIT 1;
      IF i.live_def IS NOT NULL THEN
        EXECUTE format('DROP INDEX %I', i.idx);
      END IF;
      IF other IS NOT NULL THEN
        EXECUTE format('ALTER INDEX %I RENAME TO %I', other, i.idx);
      ELSE
        EXECUTE i.def;
      END IF;
    END LOOP;

    -- Triggers, each as the contract defines it: the metrics trigger fires only for a call with an agent
    -- (without its WHEN every user request's api_calls insert failed), the tag limits of the Community
    -- Edition, and updated_at only where the backend keeps it.
    FOR g IN
      SELECT v.tbl, v.trg, v.def, pg_get_triggerdef(tg.oid) AS live_def
        FROM (VALUES
    ('agent_behavioral_baselines', 'update_agent_behavioral_baselines_updated_at', 'CREATE TRIGGER update_agent_behavioral_baselines_updated_at BEFORE UPDATE ON public.agent_behavioral_baselines FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()'),
    ('agent_capabilities', 'update_agent_capabilities_updated_at', 'CREATE TRIGGER update_agent_capabilities_updated_at BEFORE UPDATE ON public.agent_capabilities FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()'),
    ('agent_tags', 'enforce_agent_tag_limit', 'CREATE TRIGGER enforce_agent_tag_limit BEFORE INSERT ON public.agent_tags FOR EACH ROW EXECUTE FUNCTION enforce_community_edition_agent_tag_limit()'),
    ('agents', 'trigger_log_trust_score', 'CREATE TRIGGER trigger_log_trust_score AFTER UPDATE ON public.agents FOR EACH ROW WHEN ((new.trust_score IS DISTINCT FROM old.trust_score)) EXECUTE FUNCTION log_trust_score_change()'),
    ('agents', 'update_agents_updated_at', 'CREATE TRIGGER update_agents_updated_at BEFORE UPDATE ON public.agents FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()'),
    ('api_calls', 'trigger_aggregate_agent_metrics', 'CREATE TRIGGER trigger_aggregate_agent_metrics AFTER INSERT ON public.api_calls FOR EACH ROW WHEN ((new.agent_id IS NOT NULL)) EXECUTE FUNCTION aggregate_agent_hourly_metrics()'),
    ('mcp_server_tags', 'enforce_mcp_server_tag_limit', 'CREATE TRIGGER enforce_mcp_server_tag_limit BEFORE INSERT ON public.mcp_server_tags FOR EACH ROW EXECUTE FUNCTION enforce_community_edition_mcp_tag_limit()'),
    ('organizations', 'update_organizations_updated_at', 'CREATE TRIGGER update_organizations_updated_at BEFORE UPDATE ON public.organizations FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()'),
    ('user_registration_requests', 'update_user_registration_requests_updated_at', 'CREATE TRIGGER update_user_registration_requests_updated_at BEFORE UPDATE ON public.user_registration_requests FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()'),
    ('users', 'update_users_updated_at', 'CREATE TRIGGER update_users_updated_at BEFORE UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()')
        ) AS v (tbl, trg, def)
        LEFT JOIN pg_trigger tg ON tg.tgrelid = to_regclass(v.tbl) AND tg.tgname = v.trg
       WHERE to_regclass(v.tbl) IS NOT NULL AND coalesce(array_position(hot, v.tbl), 0) = unit
       ORDER BY v.tbl, v.trg
    LOOP
      CONTINUE WHEN g.live_def = g.def;
      IF g.live_def IS NOT NULL THEN
        EXECUTE format('DROP TRIGGER %I ON %I', g.trg, g.tbl);
      END IF;
      EXECUTE g.def;
    END LOOP;
  END LOOP;
  IF to_regprocedure('set_updated_at()') IS NOT NULL
     AND NOT EXISTS (SELECT FROM pg_trigger WHERE tgfoid = to_regprocedure('set_updated_at()')) THEN
    DROP FUNCTION set_updated_at();
  END IF;
END;
$$;

-- The default organization as the backend seeds it, where it still has the limits aim 0.1.0/0.2.0
-- seeded (an operator's own limits stay).
UPDATE organizations SET max_agents = 10000, max_users = 1000
 WHERE domain = 'admin.opena2a.org' AND max_agents = 1000 AND max_users = 100;
