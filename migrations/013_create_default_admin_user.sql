-- 013_create_default_admin_user: the default admin (admin@opena2a.org) in "OpenA2A Admin".
-- The password AIM2025!Secure is stored as a bcrypt hash (cost 10); it MUST be changed on first login.
-- If another organization already owns the domain, the admin joins that organization instead of failing.
-- Only on a database without any active admin: where operators created their own admins (and perhaps
-- deleted this one, as hardening guides recommend), an account with a published password never
-- comes back.

INSERT INTO organizations (name, domain, plan_type, max_agents, max_users, is_active)
SELECT 'OpenA2A Admin', 'admin.opena2a.org', 'enterprise', 10000, 1000, true
WHERE NOT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND status = 'active')
ON CONFLICT DO NOTHING;

INSERT INTO users (
  organization_id, email, name, role, status, provider, provider_id,
  password_hash, email_verified, force_password_change
)
SELECT o.id, 'admin@opena2a.org', 'System Administrator', 'admin', 'active', 'local', 'admin@opena2a.org',
       '$2b$10$1fnIgWHDohYG6UclsowvGexBAoOpaM0LaEif67BhTpD7YOwAkFohO', true, true
FROM organizations o
WHERE o.domain = 'admin.opena2a.org'
  AND NOT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND status = 'active')
ON CONFLICT DO NOTHING;
