-- 008_create_sdk_tokens_table: SDK tokens (stored as SHA-256 hashes, never in clear).
-- Written from the AIM backend's own database at its current release (the contract): every table,
-- column, constraint and index exactly as the backend builds it, under the backend's names. Tables
-- that exist are left to 022, which converges databases built before.

CREATE TABLE IF NOT EXISTS sdk_tokens (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  user_id uuid NOT NULL,
  organization_id uuid NOT NULL,
  token_hash text NOT NULL,
  token_id character varying(255) NOT NULL,
  device_name text,
  device_fingerprint text,
  ip_address character varying(45),
  user_agent text,
  last_used_at timestamp with time zone,
  last_ip_address character varying(45),
  usage_count integer DEFAULT 0 NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  expires_at timestamp with time zone NOT NULL,
  revoked_at timestamp with time zone,
  revoke_reason text,
  metadata jsonb,
  CONSTRAINT sdk_tokens_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE,
  CONSTRAINT sdk_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
  CONSTRAINT sdk_tokens_pkey PRIMARY KEY (id),
  CONSTRAINT sdk_tokens_token_hash_key UNIQUE (token_hash),
  CONSTRAINT sdk_tokens_token_id_key UNIQUE (token_id)
);

-- Each object below is created only where it is missing: IF NOT EXISTS on an index, a column or a
-- trigger would take its table's lock just to find it there, beside a running backend.
DO $$
BEGIN
  IF to_regclass('idx_sdk_tokens_expires_at') IS NULL THEN
    CREATE INDEX idx_sdk_tokens_expires_at ON sdk_tokens USING btree (expires_at) WHERE (revoked_at IS NULL);
  END IF;
  IF to_regclass('idx_sdk_tokens_organization_id') IS NULL THEN
    CREATE INDEX idx_sdk_tokens_organization_id ON sdk_tokens USING btree (organization_id);
  END IF;
  IF to_regclass('idx_sdk_tokens_revoked_at') IS NULL THEN
    CREATE INDEX idx_sdk_tokens_revoked_at ON sdk_tokens USING btree (revoked_at) WHERE (revoked_at IS NOT NULL);
  END IF;
  IF to_regclass('idx_sdk_tokens_token_hash') IS NULL THEN
    CREATE INDEX idx_sdk_tokens_token_hash ON sdk_tokens USING btree (token_hash);
  END IF;
  IF to_regclass('idx_sdk_tokens_token_id') IS NULL THEN
    CREATE INDEX idx_sdk_tokens_token_id ON sdk_tokens USING btree (token_id);
  END IF;
  IF to_regclass('idx_sdk_tokens_user_id') IS NULL THEN
    CREATE INDEX idx_sdk_tokens_user_id ON sdk_tokens USING btree (user_id);
  END IF;
END;
$$;
