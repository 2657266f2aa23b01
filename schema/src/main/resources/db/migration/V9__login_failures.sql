-- Failed password logins per email (known or not, so a lockout tells nothing about who exists):
-- 10 within 15 minutes lock that email's logins for 15 minutes.
CREATE TABLE login_failures (
    email        TEXT        PRIMARY KEY,
    failures     INT         NOT NULL,
    first_at     TIMESTAMPTZ NOT NULL,
    locked_until TIMESTAMPTZ
);
