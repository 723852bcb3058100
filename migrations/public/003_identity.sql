-- Identity: credentials, MFA, sessions with rotating refresh tokens, throttling, password resets,
-- permission grants, the append-only audit log, and a platform outbox for account emails.

ALTER TABLE public.users
  ADD COLUMN password_changed_at timestamptz,
  ADD COLUMN mfa_secret          text,          -- AES-GCM sealed TOTP secret (see worker/identity/sealed.ts)
  ADD COLUMN mfa_pending_secret  text,          -- sealed secret awaiting its confirmation code
  ADD COLUMN mfa_enabled_at      timestamptz,
  ADD COLUMN mfa_last_step       bigint;        -- last accepted TOTP time step: a used code cannot be replayed

CREATE TABLE public.sessions (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id           uuid NOT NULL REFERENCES public.users(id) ON DELETE CASCADE,
  tenant_id         uuid REFERENCES public.tenants(id) ON DELETE CASCADE,
  real_user_id      uuid REFERENCES public.users(id) ON DELETE CASCADE,   -- set while masquerading
  parent_session_id uuid REFERENCES public.sessions(id) ON DELETE CASCADE,
  ip                text,
  user_agent        text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  last_seen_at      timestamptz NOT NULL DEFAULT now(),
  expires_at        timestamptz NOT NULL,
  revoked_at        timestamptz,
  revoked_reason    text,
  CHECK ((real_user_id IS NULL) = (parent_session_id IS NULL))
);
CREATE INDEX sessions_user_live ON public.sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE public.refresh_tokens (
  token_hash  text PRIMARY KEY,
  session_id  uuid NOT NULL REFERENCES public.sessions(id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);
CREATE INDEX refresh_tokens_session ON public.refresh_tokens (session_id);

CREATE TABLE public.recovery_codes (
  user_id    uuid NOT NULL REFERENCES public.users(id) ON DELETE CASCADE,
  code_hash  text NOT NULL,
  used_at    timestamptz,
  PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE public.password_reset_tokens (
  token_hash  text PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES public.users(id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);

-- Failure counters for login and MFA, per account and per IP; shared by every isolate.
CREATE TABLE public.auth_throttle (
  key              text PRIMARY KEY,
  failures         integer NOT NULL DEFAULT 0,
  window_started   timestamptz NOT NULL DEFAULT now(),
  locked_until     timestamptz
);

CREATE TABLE public.permission_grants (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  grantor_id  uuid NOT NULL REFERENCES public.users(id) ON DELETE CASCADE,
  grantee_id  uuid NOT NULL REFERENCES public.users(id) ON DELETE CASCADE,
  tenant_id   uuid REFERENCES public.tenants(id) ON DELETE CASCADE,
  action      text NOT NULL,
  reason      text NOT NULL CHECK (length(reason) BETWEEN 3 AND 500),
  starts_at   timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz,
  revoked_by  uuid REFERENCES public.users(id) ON DELETE SET NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (expires_at > starts_at)
);
CREATE INDEX permission_grants_grantee ON public.permission_grants (grantee_id, expires_at) WHERE revoked_at IS NULL;

CREATE TABLE public.audit_log (
  id                bigserial PRIMARY KEY,
  at                timestamptz NOT NULL DEFAULT now(),
  action            text NOT NULL,
  actor_user_id     uuid,          -- who really acted (the masquerader, when masquerading)
  effective_user_id uuid,          -- as whom they acted
  tenant_id         uuid,
  target_type       text,
  target_id         text,
  ip                text,
  session_id        uuid,
  detail            jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_at ON public.audit_log (at DESC);
CREATE INDEX audit_log_action ON public.audit_log (action, at DESC);
CREATE INDEX audit_log_actor ON public.audit_log (actor_user_id, at DESC);
CREATE INDEX audit_log_tenant ON public.audit_log (tenant_id, at DESC);

CREATE FUNCTION public.audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON public.audit_log
  FOR EACH ROW EXECUTE FUNCTION public.audit_log_is_append_only();

-- Account emails (password reset, MFA changes) until tenant notifications take over; readable in development.
CREATE TABLE public.outbox_messages (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id   uuid REFERENCES public.tenants(id) ON DELETE CASCADE,
  channel     text NOT NULL DEFAULT 'email' CHECK (channel IN ('email', 'sms')),
  recipient   text NOT NULL,
  subject     text NOT NULL,
  body        text NOT NULL,
  template    text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  sent_at     timestamptz
);
CREATE INDEX outbox_messages_created ON public.outbox_messages (created_at DESC);
