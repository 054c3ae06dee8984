-- 025_validate_audit_logs_user_fkey: validates the audit-log key 024 added NOT VALID. VALIDATE
-- CONSTRAINT scans audit_logs under SHARE UPDATE EXCLUSIVE (and ROW SHARE on users): the application
-- keeps reading and writing both tables while it runs. A no-op where the key is valid.

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'audit_logs'::regclass
             AND conname = 'audit_logs_user_id_fkey' AND NOT convalidated) THEN
    ALTER TABLE audit_logs VALIDATE CONSTRAINT audit_logs_user_id_fkey;
  END IF;
END;
$$;
