-- Devices (anything that is measured or billed) and their raw readings.
-- Runs on PostgreSQL with or without TimescaleDB: the hypertable is made only where the extension exists.

CREATE TABLE devices (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source      text        NOT NULL CHECK (source <> ''),
    source_id   text        NOT NULL CHECK (source_id <> ''),
    name        text        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN (
                    'meter', 'appliance', 'grid', 'solar', 'battery', 'price', 'carbon', 'cloud_account'
                )),
    unit        text,
    attributes  jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, source_id)
);

COMMENT ON COLUMN devices.source_id IS 'Identity at the source, e.g. the HA entity registry unique id';

CREATE TABLE readings (
    time       timestamptz      NOT NULL,
    device_id  integer          NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    value      double precision NOT NULL,
    quality    smallint         NOT NULL DEFAULT 0,
    PRIMARY KEY (device_id, time)
);

COMMENT ON COLUMN readings.quality IS 'Bit flags: 1 estimated, 2 counter reset, 4 glitch, 8 backfilled';

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        PERFORM create_hypertable('readings', by_range('time', INTERVAL '7 days'));
    ELSE
        CREATE INDEX readings_time_idx ON readings (time DESC);
    END IF;
END
$$;

CREATE TABLE engine_settings (
    key         text        PRIMARY KEY,
    value       jsonb       NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
