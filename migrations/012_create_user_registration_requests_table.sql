-- 012_create_user_registration_requests_table: the user registration workflow.

CREATE TABLE IF NOT EXISTS user_registration_requests (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email                varchar(255) NOT NULL,
  first_name           varchar(255) NOT NULL,
  last_name            varchar(255) NOT NULL,
  password_hash        text,
  oauth_provider       varchar(50),
  oauth_user_id        varchar(255),
  organization_id      uuid REFERENCES organizations(id) ON DELETE CASCADE,
  status               varchar(50)  NOT NULL DEFAULT 'pending',
  requested_at         timestamptz  NOT NULL DEFAULT now(),
  reviewed_at          timestamptz,
  reviewed_by          uuid REFERENCES users(id) ON DELETE SET NULL,
  rejection_reason     text,
  profile_picture_url  text,
  oauth_email_verified boolean      NOT NULL DEFAULT false,
  metadata             jsonb,
  created_at           timestamptz  NOT NULL DEFAULT now(),
  updated_at           timestamptz  NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS idx_user_registration_requests_email ON user_registration_requests (email);
CREATE INDEX IF NOT EXISTS idx_user_registration_requests_status ON user_registration_requests (status);
CREATE INDEX IF NOT EXISTS idx_user_registration_requests_organization_id
  ON user_registration_requests (organization_id);
-- One open request per address at a time; a deployed database that already holds two open requests
-- for one address keeps them (aim verify reports the missing index).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM user_registration_requests WHERE status = 'pending'
                 GROUP BY lower(email) HAVING count(*) > 1) THEN
    CREATE UNIQUE INDEX IF NOT EXISTS idx_user_registration_requests_pending_email
      ON user_registration_requests (lower(email)) WHERE status = 'pending';
  END IF;
END;
$$;

-- aim:lint-ignore destructive: replaces the deployed update_user_registration_requests_updated_at trigger with ours (same job)
DROP TRIGGER IF EXISTS update_user_registration_requests_updated_at ON user_registration_requests;

CREATE OR REPLACE TRIGGER user_registration_requests_set_updated_at
  BEFORE UPDATE ON user_registration_requests FOR EACH ROW EXECUTE FUNCTION set_updated_at();
