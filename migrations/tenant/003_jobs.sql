-- Notifications and webhooks of one tenant (issue 6).

-- Messages to customers. In development and tests this table is the provider: a person reads it
-- in the portal (Outbox). With real providers it is the record of what was sent and how.
-- (job_id, channel, recipient) is unique, so a redelivered job never writes a second message.
CREATE TABLE __SCHEMA__.notification_outbox (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  job_id       text NOT NULL,
  channel      text NOT NULL CHECK (channel IN ('email', 'sms')),
  kind         text NOT NULL,
  recipient    text NOT NULL,
  subject      text NOT NULL DEFAULT '',
  body         text NOT NULL,
  ics          text,
  event_id     uuid,
  provider     text NOT NULL,
  provider_ref text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (job_id, channel, recipient)
);
CREATE INDEX notification_outbox_created ON __SCHEMA__.notification_outbox (created_at DESC);

-- A business's own wording for a notification; missing rows fall back to the defaults in code.
CREATE TABLE __SCHEMA__.notification_templates (
  kind        text NOT NULL,
  channel     text NOT NULL CHECK (channel IN ('email', 'sms')),
  subject     text NOT NULL DEFAULT '' CHECK (length(subject) <= 200),
  body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, channel)
);

-- Reminder offsets of a service in minutes before the start (e.g. {1440, 120}).
ALTER TABLE __SCHEMA__.services ADD COLUMN reminder_offsets_minutes integer[] NOT NULL DEFAULT '{}';

CREATE TABLE __SCHEMA__.webhook_endpoints (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  url             text NOT NULL CHECK (length(url) <= 2000),
  event_types     text[] NOT NULL,
  secret          text NOT NULL,
  previous_secret text,
  previous_secret_expires_at timestamptz,
  is_active       boolean NOT NULL DEFAULT true,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE __SCHEMA__.webhook_deliveries (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  endpoint_id    uuid NOT NULL REFERENCES __SCHEMA__.webhook_endpoints(id) ON DELETE CASCADE,
  event_id       text NOT NULL,
  event_type     text NOT NULL,
  payload        jsonb NOT NULL,
  status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts       integer NOT NULL DEFAULT 0,
  response_code  integer,
  last_error     text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  delivered_at   timestamptz,
  UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_created ON __SCHEMA__.webhook_deliveries (created_at DESC);
