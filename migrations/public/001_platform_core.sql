-- Platform core: tenants and the hosts that lead to them.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE public.tenants (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug         text NOT NULL UNIQUE,
  name         text NOT NULL,
  schema_name  text NOT NULL UNIQUE,
  status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  time_zone    text NOT NULL DEFAULT 'UTC',
  plan         text NOT NULL DEFAULT 'free',
  shard        text NOT NULL DEFAULT 'main',
  is_demo      boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (slug ~ '^[a-z][a-z0-9-]{1,61}[a-z0-9]$')
);

CREATE TABLE public.domains (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  host               text NOT NULL UNIQUE CHECK (host = lower(host)),
  tenant_id          uuid NOT NULL REFERENCES public.tenants(id) ON DELETE CASCADE,
  is_primary         boolean NOT NULL DEFAULT false,
  is_custom          boolean NOT NULL DEFAULT false,
  verification_token text,
  verified_at        timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX domains_one_primary_per_tenant ON public.domains (tenant_id) WHERE is_primary;
CREATE INDEX domains_tenant ON public.domains (tenant_id);
