-- 009_create_security_policies_table: the security policy framework.
-- Written from the AIM backend's own database at its current release (the contract): every table,
-- column, constraint and index exactly as the backend builds it, under the backend's names. Tables
-- that exist are left to 022, which converges databases built before.
-- Beside the backend's columns, is_enforced records which policy is enforced (the guide: exactly one in
-- the MVP), one of the differences the contract allows.

CREATE TABLE IF NOT EXISTS security_policies (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  organization_id uuid NOT NULL,
  name character varying(255) NOT NULL,
  description text,
  policy_type character varying(50) NOT NULL,
  enforcement_action character varying(50) NOT NULL,
  severity_threshold character varying(50) NOT NULL,
  rules jsonb DEFAULT '{}'::jsonb NOT NULL,
  applies_to text DEFAULT 'all'::text NOT NULL,
  is_enabled boolean DEFAULT true NOT NULL,
  priority integer DEFAULT 0 NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  created_by uuid NOT NULL,
  CONSTRAINT security_policies_created_by_fkey FOREIGN KEY (created_by) REFERENCES users(id) ON DELETE CASCADE,
  CONSTRAINT security_policies_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE,
  CONSTRAINT security_policies_pkey PRIMARY KEY (id)
);

-- Each object below is created only where it is missing: IF NOT EXISTS on an index, a column or a
-- trigger would take its table's lock just to find it there, beside a running backend.
DO $$
BEGIN
  IF to_regclass('idx_security_policies_created_by') IS NULL THEN
    CREATE INDEX idx_security_policies_created_by ON security_policies USING btree (created_by);
  END IF;
  IF to_regclass('idx_security_policies_is_enabled') IS NULL THEN
    CREATE INDEX idx_security_policies_is_enabled ON security_policies USING btree (is_enabled);
  END IF;
  IF to_regclass('idx_security_policies_org_name') IS NULL THEN
    CREATE UNIQUE INDEX idx_security_policies_org_name ON security_policies USING btree (organization_id, name);
  END IF;
  IF to_regclass('idx_security_policies_organization_id') IS NULL THEN
    CREATE INDEX idx_security_policies_organization_id ON security_policies USING btree (organization_id);
  END IF;
  IF to_regclass('idx_security_policies_policy_type') IS NULL THEN
    CREATE INDEX idx_security_policies_policy_type ON security_policies USING btree (policy_type);
  END IF;
  IF to_regclass('idx_security_policies_priority') IS NULL THEN
    CREATE INDEX idx_security_policies_priority ON security_policies USING btree (priority DESC);
  END IF;
END;
$$;

-- A security_policies table the backend built has no is_enforced. When the column is added to such a
-- table, the policy the guide enforces is marked, once: an operator's later choice is never reset.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'security_policies'::regclass AND attname = 'is_enforced' AND NOT attisdropped) THEN
    ALTER TABLE security_policies ADD COLUMN is_enforced boolean NOT NULL DEFAULT false;
    UPDATE security_policies p SET is_enforced = true
      FROM organizations o
     WHERE o.id = p.organization_id AND o.domain = 'admin.opena2a.org'
       AND p.name = 'Capability Violation Detection' AND p.is_enabled;
  END IF;
END;
$$;
