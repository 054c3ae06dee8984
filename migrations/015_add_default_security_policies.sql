-- 015_add_default_security_policies: the six default security policies of the guide.
-- Needs the admin and organization of 013: fails loudly when they are missing, so it is never
-- recorded as applied without its policies.

DO $$
DECLARE
  admin_org  uuid;
  admin_user uuid;
BEGIN
  SELECT u.organization_id, u.id INTO admin_org, admin_user
  FROM users u
  JOIN organizations o ON o.id = u.organization_id
  WHERE u.email = 'admin@opena2a.org' AND o.domain = 'admin.opena2a.org'
  LIMIT 1;

  IF admin_user IS NULL THEN
    RAISE EXCEPTION 'default admin admin@opena2a.org or its organization (admin.opena2a.org) is missing'
      USING HINT = 'Run 013_create_default_admin_user.sql first (aim migrate applies 001-014 in order), then re-run.',
            ERRCODE = 'AIM01';
  END IF;

  -- WHERE NOT EXISTS rather than ON CONFLICT (organization_id, name): a deployed table may lack that
  -- unique constraint, and a policy that is already there (perhaps edited by an operator) stays as it is.
  INSERT INTO security_policies (
    organization_id, name, description, policy_type, enforcement_action, severity_threshold,
    rules, applies_to, is_enabled, is_enforced, priority, created_by
  )
  SELECT admin_org, v.name, v.description, v.policy_type, v.enforcement_action, v.severity_threshold,
         v.rules, v.applies_to, v.is_enabled, v.is_enforced, v.priority, admin_user
  FROM (VALUES
    ('Critical Trust Score Block',
     'Blocks agents whose trust score falls below the critical threshold.',
     'trust_score_low', 'block_and_alert', 'critical',
     '{"threshold":50,"auto_disable":true,"notify":["admin","security"]}'::jsonb,
     'all', true, false, 300),
    ('Data Exfiltration Detection',
     'Detects unusually large data transfers to unexpected destinations.',
     'data_exfiltration', 'block_and_alert', 'high',
     '{"data_threshold_mb":100,"time_window":"1h","check_destinations":true}'::jsonb,
     'all', true, false, 250),
    ('Capability Violation Detection',
     'Blocks agents that act outside their declared capabilities (enforced in the MVP).',
     'capability_violation', 'block_and_alert', 'high',
     '{"check_permissions":true,"strict_mode":false}'::jsonb,
     'all', true, true, 200),
    ('Failed Authentication Monitoring',
     'Alerts on repeated failed authentication attempts.',
     'auth_failure', 'alert_only', 'medium',
     '{"max_attempts":5,"time_window":"15m","lockout_duration":"30m"}'::jsonb,
     'all', true, false, 150),
    ('Low Trust Score Alert',
     'Alerts when an agent trust score stays below the warning threshold.',
     'trust_score_low', 'alert_only', 'medium',
     '{"threshold":70,"duration":"1h","notify":["admin"]}'::jsonb,
     'all', true, false, 100),
    ('Unusual Activity Monitoring',
     'Alerts on unusual API rates and off-hours activity.',
     'unusual_activity', 'alert_only', 'medium',
     '{"api_rate_threshold":1000,"time_window":"1h","check_off_hours":true}'::jsonb,
     'all', true, false, 80)
  ) AS v (name, description, policy_type, enforcement_action, severity_threshold, rules, applies_to, is_enabled, is_enforced, priority)
  WHERE NOT EXISTS (SELECT 1 FROM security_policies p WHERE p.organization_id = admin_org AND p.name = v.name)
  ON CONFLICT DO NOTHING;
END;
$$;
