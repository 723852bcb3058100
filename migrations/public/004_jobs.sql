-- Background jobs (issue 6): the ledger keeps each message for dead-letter visibility and replay,
-- and due_jobs is the transactional outbox for the queue: rows written in the same transaction as
-- the booking they belong to, relayed to the `jobs` queue by the Worker after commit and by the
-- cron trigger (FOR UPDATE SKIP LOCKED) once they are due. Reminders are due_jobs with a future due_at.
ALTER TABLE public.job_runs DROP CONSTRAINT job_runs_status_check;
ALTER TABLE public.job_runs ADD CONSTRAINT job_runs_status_check
  CHECK (status IN ('running', 'done', 'failed', 'rejected', 'dead'));
ALTER TABLE public.job_runs ADD COLUMN message jsonb;
ALTER TABLE public.job_runs ADD COLUMN dead_at timestamptz;
CREATE INDEX job_runs_problems ON public.job_runs (started_at DESC) WHERE status IN ('dead', 'rejected', 'failed');

CREATE TABLE public.due_jobs (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id   uuid REFERENCES public.tenants(id) ON DELETE CASCADE,
  -- what the job belongs to (an event id), so moving or cancelling the event finds its reminders
  ref         text,
  kind        text NOT NULL,
  due_at      timestamptz NOT NULL,
  message     jsonb NOT NULL,
  status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'cancelled')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  sent_at     timestamptz
);
CREATE INDEX due_jobs_pending ON public.due_jobs (due_at) WHERE status = 'pending';
CREATE INDEX due_jobs_ref ON public.due_jobs (tenant_id, ref, kind) WHERE status = 'pending';
