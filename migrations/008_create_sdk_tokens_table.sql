-- 008_create_sdk_tokens_table: SDK tokens (stored as SHA-256 hashes, never in clear).

CREATE TABLE IF NOT EXISTS sdk_tokens (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id            uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  organization_id    uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  token_hash         text NOT NULL UNIQUE,
  token_id           varchar(255) NOT NULL UNIQUE,
  device_name        varchar(255),
  device_fingerprint varchar(255),
  ip_address         varchar(45),
  user_agent         text,
  last_used_at       timestamptz,
  last_ip_address    varchar(45),
  usage_count        integer NOT NULL DEFAULT 0,
  created_at         timestamptz NOT NULL DEFAULT now(),
  expires_at         timestamptz NOT NULL,
  revoked_at         timestamptz,
  revoke_reason      text,
  metadata           jsonb
);

CREATE INDEX IF NOT EXISTS idx_sdk_tokens_user_id ON sdk_tokens (user_id);
CREATE INDEX IF NOT EXISTS idx_sdk_tokens_organization_id ON sdk_tokens (organization_id);
CREATE INDEX IF NOT EXISTS idx_sdk_tokens_active_expires_at ON sdk_tokens (expires_at) WHERE revoked_at IS NULL;
