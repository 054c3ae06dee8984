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

-- A deployed security_policies table has no is_enforced. When the column is added to such a table,
-- the policy the guide enforces is marked, once: an operator's later choice is never reset.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = 'security_policies' AND column_name = 'is_enforced') THEN
    ALTER TABLE security_policies ADD COLUMN is_enforced boolean NOT NULL DEFAULT false;
    UPDATE security_policies p SET is_enforced = true
      FROM organizations o
     WHERE o.id = p.organization_id AND o.domain = 'admin.opena2a.org'
       AND p.name = 'Capability Violation Detection' AND p.is_enabled;
  END IF;
END;
$$;

-- The deployed created_by was NOT NULL with ON DELETE CASCADE: deleting the admin deleted every
-- policy it seeded. Null the creator instead; no existing row changes.
ALTER TABLE security_policies ALTER COLUMN created_by DROP NOT NULL;
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'security_policies'::regclass
             AND conname = 'security_policies_created_by_fkey' AND confdeltype <> 'n') THEN
    ALTER TABLE security_policies DROP CONSTRAINT security_policies_created_by_fkey;
    ALTER TABLE security_policies ADD CONSTRAINT security_policies_created_by_fkey
      FOREIGN KEY (created_by) REFERENCES users(id) ON DELETE SET NULL;
  END IF;
  -- One policy name per organization, unless a deployed database already holds duplicates: those
  -- are its operators' rows, so they stay and aim verify reports the missing constraint.
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'security_policies'::regclass
                 AND conname = 'security_policies_organization_id_name_key')
     AND NOT EXISTS (SELECT 1 FROM security_policies GROUP BY organization_id, name HAVING count(*) > 1) THEN
    ALTER TABLE security_policies ADD CONSTRAINT security_policies_organization_id_name_key UNIQUE (organization_id, name);
  END IF;
END;
$$;

CREATE INDEX IF NOT EXISTS idx_security_policies_organization_id ON security_policies (organization_id);
CREATE INDEX IF NOT EXISTS idx_security_policies_priority ON security_policies (priority DESC);

CREATE OR REPLACE TRIGGER security_policies_set_updated_at
  BEFORE UPDATE ON security_policies FOR EACH ROW EXECUTE FUNCTION set_updated_at();
