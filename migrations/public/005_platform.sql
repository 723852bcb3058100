-- Platform administration: plans as data, the tenant lifecycle (suspension, deletion after a
-- grace period, demo expiry), and how a custom domain is verified.
CREATE TABLE public.plans (
  id             text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9-]{1,30}$'),
  name           text NOT NULL,
  -- NULL: no limit
  max_resources  integer CHECK (max_resources >= 0),
  max_staff      integer CHECK (max_staff >= 0),
  max_services   integer CHECK (max_services >= 0),
  sort_order     integer NOT NULL DEFAULT 0
);
INSERT INTO public.plans (id, name, max_resources, max_staff, max_services, sort_order) VALUES
  ('free', 'Free', 10, 5, 10, 1),
  ('pro', 'Pro', 50, 25, 100, 2),
  ('business', 'Business', NULL, NULL, NULL, 3);
ALTER TABLE public.tenants ADD CONSTRAINT tenants_plan_fkey FOREIGN KEY (plan) REFERENCES public.plans(id);

ALTER TABLE public.tenants
  ADD COLUMN suspended_at     timestamptz,
  ADD COLUMN suspended_reason text,
  -- set when deletion is requested; the schema is dropped by the cron after it passes
  ADD COLUMN delete_after     timestamptz,
  ADD COLUMN demo_expires_at  timestamptz,
  ADD CONSTRAINT tenants_demo_expiry CHECK (demo_expires_at IS NULL OR is_demo);
CREATE INDEX tenants_delete_after ON public.tenants (delete_after) WHERE delete_after IS NOT NULL;
CREATE INDEX tenants_demo_expires ON public.tenants (demo_expires_at) WHERE demo_expires_at IS NOT NULL;

ALTER TABLE public.domains
  ADD COLUMN last_checked_at  timestamptz,
  ADD COLUMN last_check_error text;
