-- 009_create_security_policies_table: the security policy framework.
-- is_enforced records which policy is enforced (the guide: exactly one in the MVP).

CREATE TABLE IF NOT EXISTS security_policies (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id    uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name               varchar(255) NOT NULL,
  description        text,
  policy_type        varchar(50)  NOT NULL,
  enforcement_action varchar(50)  NOT NULL,
  severity_threshold varchar(50)  NOT NULL,
  rules              jsonb        NOT NULL DEFAULT '{}'::jsonb,
  applies_to         text         NOT NULL DEFAULT 'all',
  is_enabled         boolean      NOT NULL DEFAULT true,
  is_enforced        boolean      NOT NULL DEFAULT false,
  priority           integer      NOT NULL DEFAULT 0,
  -- Deleting the admin must not delete the policies it seeded.
  created_by         uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at         timestamptz  NOT NULL DEFAULT now(),
  updated_at         timestamptz  NOT NULL DEFAULT now(),
  CONSTRAINT security_policies_organization_id_name_key UNIQUE (organization_id, name)
);

CREATE INDEX IF NOT EXISTS idx_security_policies_organization_id ON security_policies (organization_id);
CREATE INDEX IF NOT EXISTS idx_security_policies_priority ON security_policies (priority DESC);

CREATE OR REPLACE TRIGGER security_policies_set_updated_at
  BEFORE UPDATE ON security_policies FOR EACH ROW EXECUTE FUNCTION set_updated_at();
