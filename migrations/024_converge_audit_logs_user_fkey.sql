-- 024_converge_audit_logs_user_fkey: a user's audit rows go with the user (ON DELETE CASCADE), as the
-- backend's schema has it; aim 0.1.0/0.2.0 nulled them instead. Its own short transaction: dropping the
-- old key takes both tables exclusively (the referenced one too), so both are taken up front in the
-- order the backend's requests take them (users, then audit_logs), and the new key is added NOT VALID,
-- so nothing is scanned under those locks; 025 validates it. On a database whose key is already the
-- backend's it reads the catalog and takes no lock.

DO $$
BEGIN
  IF (SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'audit_logs'::regclass AND conname = 'audit_logs_user_id_fkey')
     IS DISTINCT FROM 'FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE' THEN
    LOCK TABLE users IN ACCESS EXCLUSIVE MODE;
    LOCK TABLE audit_logs IN ACCESS EXCLUSIVE MODE;
    ALTER TABLE audit_logs DROP CONSTRAINT IF EXISTS audit_logs_user_id_fkey;
    ALTER TABLE audit_logs ADD CONSTRAINT audit_logs_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE NOT VALID;
  END IF;
END;
$$;
