-- Platform work run as many jobs (issue 6): provisioning tenants in bulk and migrating every
-- tenant schema. A batch counts its jobs; progress is the job_runs rows that carry its id.
CREATE TABLE public.job_batches (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind        text NOT NULL CHECK (kind IN ('tenant.provision', 'tenant.migrate')),
  label       text NOT NULL,
  total       integer NOT NULL CHECK (total >= 0),
  created_by  uuid REFERENCES public.users(id) ON DELETE SET NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_batches_created ON public.job_batches (created_at DESC);

ALTER TABLE public.job_runs ADD COLUMN batch_id uuid REFERENCES public.job_batches(id) ON DELETE CASCADE;
-- what a finished job reports (the tenant it provisioned, the migrations it applied)
ALTER TABLE public.job_runs ADD COLUMN result jsonb;
CREATE INDEX job_runs_batch ON public.job_runs (batch_id) WHERE batch_id IS NOT NULL;

-- Account emails (password reset, MFA changes, invitations) go out through the email provider
-- as jobs; the row records which provider took it and its reference.
ALTER TABLE public.outbox_messages ADD COLUMN provider text;
ALTER TABLE public.outbox_messages ADD COLUMN provider_ref text;
ALTER TABLE public.outbox_messages ADD COLUMN error text;
