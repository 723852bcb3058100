-- Accounts (completed by the identity work) and the ledger that makes queue consumers idempotent.
CREATE TABLE public.users (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email         text NOT NULL,
  display_name  text NOT NULL DEFAULT '',
  password_hash text,
  role          text NOT NULL CHECK (role IN (
                  'SUPERUSER', 'PLATFORM_MANAGER', 'PLATFORM_SALES', 'PLATFORM_SUPPORT',
                  'TENANT_OWNER', 'TENANT_MANAGER', 'TENANT_STAFF', 'CUSTOMER')),
  tenant_id     uuid REFERENCES public.tenants(id) ON DELETE CASCADE,
  is_active     boolean NOT NULL DEFAULT true,
  is_temporary  boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  -- platform roles belong to no tenant; tenant roles need one
  CONSTRAINT users_role_scope CHECK (
    (role IN ('SUPERUSER', 'PLATFORM_MANAGER', 'PLATFORM_SALES', 'PLATFORM_SUPPORT') AND tenant_id IS NULL)
    OR (role IN ('TENANT_OWNER', 'TENANT_MANAGER', 'TENANT_STAFF', 'CUSTOMER') AND tenant_id IS NOT NULL))
);
CREATE UNIQUE INDEX users_email_ci ON public.users (lower(email));

CREATE TABLE public.job_runs (
  message_id   text PRIMARY KEY,
  type         text NOT NULL,
  tenant_id    uuid,
  status       text NOT NULL CHECK (status IN ('running', 'done', 'failed', 'rejected')),
  attempts     integer NOT NULL DEFAULT 0,
  last_error   text,
  started_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz
);
CREATE INDEX job_runs_finished ON public.job_runs (finished_at) WHERE status = 'done';
