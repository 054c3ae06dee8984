-- 020_align_columns_with_backend: the columns the AIM backend's current release writes that older
-- databases hold narrower or lack: every value the backend writes must fit. Each change keeps every
-- stored value and rewrites no table (a longer varchar, varchar to text, more integer digits at the
-- same scale); each is skipped where the column is already as wide.
--
-- This file also records, for the backend's runner, its release's data fixes that aim does not
-- repeat: 024/025 (a setting added then removed again), 031 and 033 (backfills of rows that only a
-- backend of that release wrote), and the two that set the admin password back to the published
-- default (034_reset_admin_password.sql, 038_fix_admin_password_again.sql). aim never resets a
-- password; recording their names is what stops a backend start from running them.

DO $$
BEGIN
  IF (SELECT character_maximum_length FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = 'verification_events' AND column_name = 'action') < 255 THEN
    ALTER TABLE verification_events ALTER COLUMN action TYPE varchar(255);
  END IF;
  IF (SELECT character_maximum_length FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = 'verification_events' AND column_name = 'resource_type') < 100 THEN
    ALTER TABLE verification_events ALTER COLUMN resource_type TYPE varchar(100);
  END IF;
  IF (SELECT data_type FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = 'sdk_tokens' AND column_name = 'device_name') = 'character varying' THEN
    ALTER TABLE sdk_tokens ALTER COLUMN device_name TYPE text;
  END IF;
  IF (SELECT data_type FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = 'sdk_tokens' AND column_name = 'device_fingerprint') = 'character varying' THEN
    ALTER TABLE sdk_tokens ALTER COLUMN device_fingerprint TYPE text;
  END IF;
  -- A database built at the guide's release keeps scores in numeric(4,3) (below 10, three decimals),
  -- too narrow for the 0-100 scores the current backend writes. More integer digits at the same
  -- scale keeps every stored value exactly and rewrites nothing; whether the stored 0-1 scores should
  -- be scaled to 0-100 is the operator's decision (aim verify names it, with the statement).
  IF (SELECT numeric_precision - numeric_scale FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = 'agents' AND column_name = 'trust_score') < 3 THEN
    EXECUTE format('ALTER TABLE agents ALTER COLUMN trust_score TYPE numeric(%s,%s)',
      (SELECT numeric_scale + 3 FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = 'agents' AND column_name = 'trust_score'),
      (SELECT numeric_scale FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = 'agents' AND column_name = 'trust_score'));
  END IF;
END;
$$;

-- The backend's 0-100 range on agents.trust_score: NOT VALID (no scan under the exclusive lock), then validated.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'agents'::regclass AND conname = 'trust_score_range_check') THEN
    ALTER TABLE agents ADD CONSTRAINT trust_score_range_check CHECK (trust_score >= 0 AND trust_score <= 100) NOT VALID;
  END IF;
END;
$$;
ALTER TABLE agents VALIDATE CONSTRAINT trust_score_range_check;

-- When an agent was last active: the backend writes it on every authenticated call.
ALTER TABLE agents ADD COLUMN IF NOT EXISTS last_active timestamptz;
-- aim:lint-ignore index-locks-table: agents is small (one row per registered agent)
CREATE INDEX IF NOT EXISTS idx_agents_last_active ON agents (last_active);
