-- A tenant's own settings (business profile, booking page copy, preferences), key → JSON.
-- __SCHEMA__ is replaced by the tenant's quoted schema name when the migration is applied.
CREATE TABLE __SCHEMA__.settings (
  key        text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_.]{0,63}$'),
  value      jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
