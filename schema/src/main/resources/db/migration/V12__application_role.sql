-- Immutability by privilege, not only by trigger. The migrating role owns every table; the services
-- (gateway, projector) connect as ${app_role}, which may INSERT and SELECT ledger_event but not
-- UPDATE, DELETE or TRUNCATE it, and as a non-owner cannot ALTER it or disable its triggers.
-- Its password is set by the migrate job (TOLLGATE_APP_DB_PASSWORD), never in a migration.
DO $$
BEGIN
    CREATE ROLE ${app_role} NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;  -- created by an earlier database on this server, or concurrently
END;
$$;

GRANT CONNECT, TEMPORARY ON DATABASE "${flyway:database}" TO ${app_role};
GRANT USAGE ON SCHEMA public TO ${app_role};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${app_role};
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${app_role};
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON ledger_event FROM ${app_role};
REVOKE ALL ON flyway_schema_history FROM ${app_role};
GRANT SELECT ON flyway_schema_history TO ${app_role};
-- Tables later migrations create get the same grants (ledger_event's narrower ones are above).
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${app_role};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${app_role};
