-- Notifications and webhooks at work (issue 6).

-- A customer's own time zone and language (from the booking page); notifications fall back to
-- the business's settings when they are missing.
ALTER TABLE __SCHEMA__.customers ADD COLUMN time_zone text;
ALTER TABLE __SCHEMA__.customers ADD COLUMN locale text;

-- The manage-link secret sealed with DATA_ENCRYPTION_KEY, so reminders and reschedule notices can
-- carry the customer's link. The lookup still goes through manage_token_hash only.
ALTER TABLE __SCHEMA__.bookings ADD COLUMN manage_token_sealed text;

-- What became of each message: written 'sending' before the provider is called and 'sent' after,
-- so a retry after a provider failure sends only what did not go out.
ALTER TABLE __SCHEMA__.notification_outbox ADD COLUMN status text NOT NULL DEFAULT 'sent' CHECK (status IN ('sending', 'sent', 'failed'));
ALTER TABLE __SCHEMA__.notification_outbox ADD COLUMN error text;
ALTER TABLE __SCHEMA__.notification_outbox ADD COLUMN sent_at timestamptz;
ALTER TABLE __SCHEMA__.notification_outbox ADD COLUMN booking_id uuid;
CREATE INDEX notification_outbox_event ON __SCHEMA__.notification_outbox (event_id);

ALTER TABLE __SCHEMA__.webhook_deliveries ADD COLUMN response_body text;
ALTER TABLE __SCHEMA__.webhook_deliveries ADD COLUMN last_attempt_at timestamptz;
ALTER TABLE __SCHEMA__.webhook_deliveries ADD COLUMN replays integer NOT NULL DEFAULT 0;
CREATE INDEX webhook_deliveries_endpoint ON __SCHEMA__.webhook_deliveries (endpoint_id, created_at DESC);
-- A failed delivery is tried again later (1 min, 5 min, 30 min, 2 h, 8 h, 24 h); this is when.
ALTER TABLE __SCHEMA__.webhook_deliveries ADD COLUMN next_attempt_at timestamptz;
ALTER TABLE __SCHEMA__.webhook_endpoints ADD COLUMN description text NOT NULL DEFAULT '' CHECK (length(description) <= 200);
