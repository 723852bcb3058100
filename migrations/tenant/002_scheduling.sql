-- Scheduling: resources, services, availability rules, customers, events and bookings.
-- An event occupies its resources for [start - buffer before, end + buffer after); the exclusion
-- constraint on event_resources makes two live occupations of one resource impossible.

CREATE TABLE __SCHEMA__.resources (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind        text NOT NULL CHECK (kind IN ('staff', 'room', 'equipment')),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  user_id     uuid REFERENCES public.users(id) ON DELETE SET NULL,
  capacity    integer NOT NULL DEFAULT 1 CHECK (capacity BETWEEN 1 AND 1000),
  time_zone   text NOT NULL,
  is_active   boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (kind = 'staff' OR user_id IS NULL)
);
CREATE UNIQUE INDEX resources_user ON __SCHEMA__.resources (user_id) WHERE user_id IS NOT NULL;

CREATE TABLE __SCHEMA__.services (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name                  text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  description           text NOT NULL DEFAULT '',
  duration_minutes      integer NOT NULL CHECK (duration_minutes BETWEEN 5 AND 1440),
  buffer_before_minutes integer NOT NULL DEFAULT 0 CHECK (buffer_before_minutes BETWEEN 0 AND 240),
  buffer_after_minutes  integer NOT NULL DEFAULT 0 CHECK (buffer_after_minutes BETWEEN 0 AND 240),
  min_notice_minutes    integer NOT NULL DEFAULT 60 CHECK (min_notice_minutes BETWEEN 0 AND 43200),
  horizon_days          integer NOT NULL DEFAULT 60 CHECK (horizon_days BETWEEN 1 AND 730),
  slot_interval_minutes integer NOT NULL DEFAULT 30 CHECK (slot_interval_minutes BETWEEN 5 AND 1440),
  cancellation_cutoff_minutes integer NOT NULL DEFAULT 1440 CHECK (cancellation_cutoff_minutes BETWEEN 0 AND 43200),
  price_cents           integer NOT NULL DEFAULT 0 CHECK (price_cents >= 0),
  deposit_cents         integer NOT NULL DEFAULT 0 CHECK (deposit_cents >= 0),
  currency              text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
  requires_confirmation boolean NOT NULL DEFAULT false,
  seats                 integer NOT NULL DEFAULT 1 CHECK (seats BETWEEN 1 AND 1000),
  is_active             boolean NOT NULL DEFAULT true,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  CHECK (deposit_cents <= price_cents)
);

-- The service needs one resource from each group at once (group 0: a stylist, group 1: a chair).
CREATE TABLE __SCHEMA__.service_resources (
  service_id  uuid NOT NULL REFERENCES __SCHEMA__.services(id) ON DELETE CASCADE,
  group_index integer NOT NULL CHECK (group_index BETWEEN 0 AND 9),
  resource_id uuid NOT NULL REFERENCES __SCHEMA__.resources(id) ON DELETE CASCADE,
  PRIMARY KEY (service_id, group_index, resource_id)
);

CREATE TABLE __SCHEMA__.weekly_hours (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  resource_id uuid NOT NULL REFERENCES __SCHEMA__.resources(id) ON DELETE CASCADE,
  weekday     integer NOT NULL CHECK (weekday BETWEEN 1 AND 7),
  start_time  time NOT NULL,
  end_time    time NOT NULL,
  CHECK (end_time > start_time)
);
CREATE INDEX weekly_hours_resource ON __SCHEMA__.weekly_hours (resource_id);

-- Replaces the weekly hours of one local date; a row with no times means closed all day.
CREATE TABLE __SCHEMA__.date_overrides (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  resource_id uuid NOT NULL REFERENCES __SCHEMA__.resources(id) ON DELETE CASCADE,
  date        date NOT NULL,
  start_time  time,
  end_time    time,
  CHECK ((start_time IS NULL AND end_time IS NULL) OR (start_time IS NOT NULL AND end_time > start_time))
);
CREATE INDEX date_overrides_resource ON __SCHEMA__.date_overrides (resource_id, date);

CREATE TABLE __SCHEMA__.blocked_time (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  resource_id uuid NOT NULL REFERENCES __SCHEMA__.resources(id) ON DELETE CASCADE,
  starts_at   timestamptz NOT NULL,
  ends_at     timestamptz NOT NULL,
  reason      text NOT NULL DEFAULT '',
  CHECK (ends_at > starts_at)
);
CREATE INDEX blocked_time_resource ON __SCHEMA__.blocked_time (resource_id, starts_at);

CREATE TABLE __SCHEMA__.closures (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  starts_at   timestamptz NOT NULL,
  ends_at     timestamptz NOT NULL,
  reason      text NOT NULL DEFAULT '',
  CHECK (ends_at > starts_at)
);

CREATE TABLE __SCHEMA__.customers (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  email       text NOT NULL CHECK (email = lower(email)),
  phone       text,
  notes       text NOT NULL DEFAULT '',
  user_id     uuid REFERENCES public.users(id) ON DELETE SET NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX customers_email ON __SCHEMA__.customers (email);

CREATE TABLE __SCHEMA__.events (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  service_id    uuid NOT NULL REFERENCES __SCHEMA__.services(id),
  starts_at     timestamptz NOT NULL,
  ends_at       timestamptz NOT NULL,
  status        text NOT NULL CHECK (status IN ('pending', 'confirmed', 'cancelled', 'completed', 'no_show')),
  seats         integer NOT NULL DEFAULT 1 CHECK (seats >= 1),
  notes         text NOT NULL DEFAULT '',
  created_by    uuid,
  updated_by    uuid,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  cancelled_at  timestamptz,
  cancel_reason text,
  CHECK (ends_at > starts_at)
);
CREATE INDEX events_starts ON __SCHEMA__.events (starts_at);

-- One row per resource an event holds; `live` is false once the event is cancelled.
CREATE TABLE __SCHEMA__.event_resources (
  event_id       uuid NOT NULL REFERENCES __SCHEMA__.events(id) ON DELETE CASCADE,
  resource_id    uuid NOT NULL REFERENCES __SCHEMA__.resources(id),
  occupied_start timestamptz NOT NULL,
  occupied_end   timestamptz NOT NULL,
  live           boolean NOT NULL DEFAULT true,
  PRIMARY KEY (event_id, resource_id),
  CHECK (occupied_end > occupied_start),
  CONSTRAINT event_resources_no_overlap EXCLUDE USING gist (
    resource_id WITH =, tstzrange(occupied_start, occupied_end, '[)') WITH &&
  ) WHERE (live)
);
CREATE INDEX event_resources_resource ON __SCHEMA__.event_resources (resource_id, occupied_start) WHERE live;

-- A customer's place at an event (one for an appointment, up to `seats` for a group session),
-- with the hash of the secret in their manage link.
CREATE TABLE __SCHEMA__.bookings (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id          uuid NOT NULL REFERENCES __SCHEMA__.events(id) ON DELETE CASCADE,
  customer_id       uuid NOT NULL REFERENCES __SCHEMA__.customers(id),
  status            text NOT NULL CHECK (status IN ('booked', 'cancelled')),
  manage_token_hash text NOT NULL UNIQUE,
  created_at        timestamptz NOT NULL DEFAULT now(),
  cancelled_at      timestamptz
);
CREATE INDEX bookings_event ON __SCHEMA__.bookings (event_id) WHERE status = 'booked';
CREATE INDEX bookings_customer ON __SCHEMA__.bookings (customer_id);

CREATE TABLE __SCHEMA__.idempotency_keys (
  key           text NOT NULL,
  scope         text NOT NULL,
  request_hash  text NOT NULL,
  status        integer NOT NULL,
  response      jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
