-- 012_create_user_registration_requests_table: the user registration workflow.
-- Written from the AIM backend's own database at its current release (the contract): every table,
-- column, constraint and index exactly as the backend builds it, under the backend's names. Tables
-- that exist are left to 022, which converges databases built before.

CREATE TABLE IF NOT EXISTS user_registration_requests (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  email character varying(255) NOT NULL,
  first_name character varying(255) NOT NULL,
  last_name character varying(255) NOT NULL,
  password_hash character varying(255),
  oauth_provider character varying(50),
  oauth_user_id character varying(255),
  organization_id uuid,
  status character varying(50) DEFAULT 'pending'::character varying NOT NULL,
  requested_at timestamp without time zone DEFAULT now() NOT NULL,
  reviewed_at timestamp without time zone,
  reviewed_by uuid,
  rejection_reason text,
  profile_picture_url text,
  oauth_email_verified boolean DEFAULT false NOT NULL,
  metadata jsonb,
  created_at timestamp without time zone DEFAULT now() NOT NULL,
  updated_at timestamp without time zone DEFAULT now() NOT NULL,
  CONSTRAINT user_registration_requests_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE,
  CONSTRAINT user_registration_requests_reviewed_by_fkey FOREIGN KEY (reviewed_by) REFERENCES users(id),
  CONSTRAINT user_registration_requests_pkey PRIMARY KEY (id)
);

-- Each object below is created only where it is missing: IF NOT EXISTS on an index, a column or a
-- trigger would take its table's lock just to find it there, beside a running backend.
DO $$
BEGIN
  IF to_regclass('idx_user_registration_requests_email') IS NULL THEN
    CREATE INDEX idx_user_registration_requests_email ON user_registration_requests USING btree (email);
  END IF;
  IF to_regclass('idx_user_registration_requests_organization_id') IS NULL THEN
    CREATE INDEX idx_user_registration_requests_organization_id ON user_registration_requests USING btree (organization_id);
  END IF;
  IF to_regclass('idx_user_registration_requests_requested_at') IS NULL THEN
    CREATE INDEX idx_user_registration_requests_requested_at ON user_registration_requests USING btree (requested_at DESC);
  END IF;
  IF to_regclass('idx_user_registration_requests_status') IS NULL THEN
    CREATE INDEX idx_user_registration_requests_status ON user_registration_requests USING btree (status);
  END IF;
END;
$$;
