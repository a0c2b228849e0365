-- Energy rollups, cloud costs, tariffs, cost results and budgets.
-- Money is numeric, never float. Rollups are written by the engine (idempotent upserts), so they
-- work with every TimescaleDB licence and on plain PostgreSQL.

-- Hours whose rollups must be recomputed: written in the same transaction as the readings that
-- touch them (the reading's hour and the next, whose first interval starts in it).
CREATE TABLE rollup_queue (
    device_id   integer     NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    hour        timestamptz NOT NULL CHECK (date_trunc('hour', hour, 'UTC') = hour),
    queued_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, hour)
);

-- Energy per device and UTC hour: from counter deltas (energy meters) or integrated power.
CREATE TABLE energy_hourly (
    device_id    integer          NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    hour         timestamptz      NOT NULL CHECK (date_trunc('hour', hour, 'UTC') = hour),
    energy_kwh   double precision NOT NULL,
    avg_power_w  double precision,
    max_power_w  double precision,
    samples      integer          NOT NULL CHECK (samples >= 0),
    quality      smallint         NOT NULL DEFAULT 0,
    updated_at   timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, hour)
);

-- Energy per device and local calendar day (the engine's time zone, setting `timezone`).
CREATE TABLE energy_daily (
    device_id    integer          NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    day          date             NOT NULL,
    energy_kwh   double precision NOT NULL,
    max_power_w  double precision,
    samples      integer          NOT NULL CHECK (samples >= 0),
    quality      smallint         NOT NULL DEFAULT 0,
    updated_at   timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, day)
);

-- Cloud costs per account (a device of kind 'cloud_account') and day, broken down along one
-- dimension per row: ('total', ''), ('service', 'Virtual Machines'), ('resource_group', 'rg-home'),
-- ('region', 'us-east-1'). Summing one dimension gives the day's total.
CREATE TABLE cloud_costs (
    device_id        integer        NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    day              date           NOT NULL,
    dimension        text           NOT NULL CHECK (dimension IN ('total', 'service', 'resource_group', 'region')),
    dimension_value  text           NOT NULL DEFAULT '',
    amount           numeric(20, 8) NOT NULL,
    currency         char(3)        NOT NULL,
    estimated        boolean        NOT NULL DEFAULT false,
    fetched_at       timestamptz    NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, day, dimension, dimension_value)
);

-- Cloud forecasts to the end of a month.
CREATE TABLE cloud_forecasts (
    device_id    integer        NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    month        date           NOT NULL CHECK (date_trunc('month', month)::date = month),
    amount       numeric(20, 8) NOT NULL,
    currency     char(3)        NOT NULL,
    fetched_at   timestamptz    NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, month)
);

-- Tariffs, versioned: a new version is a new row; the one in force at an instant is the version
-- whose validity contains it.
CREATE TABLE tariffs (
    id           integer     GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text        NOT NULL CHECK (name <> ''),
    version      integer     NOT NULL CHECK (version >= 1),
    definition   jsonb       NOT NULL,
    valid_from   timestamptz NOT NULL,
    valid_to     timestamptz CHECK (valid_to IS NULL OR valid_to > valid_from),
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (name, version)
);

-- Cost of each device's energy per UTC hour under the tariff in force.
CREATE TABLE cost_hourly (
    device_id    integer          NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    hour         timestamptz      NOT NULL CHECK (date_trunc('hour', hour, 'UTC') = hour),
    tariff_id    integer          NOT NULL REFERENCES tariffs (id) ON DELETE CASCADE,
    energy_kwh   double precision NOT NULL,
    cost         numeric(20, 8)   NOT NULL,
    currency     char(3)          NOT NULL,
    period       text,
    carbon_kg    double precision,
    computed_at  timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, hour)
);

-- The same costs summed per local calendar day (the engine's time zone), written with cost_hourly,
-- so that a month's cost is read from at most 31 rows per device.
CREATE TABLE cost_daily (
    device_id    integer          NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    day          date             NOT NULL,
    currency     char(3)          NOT NULL,
    energy_kwh   double precision NOT NULL,
    cost         numeric(20, 8)   NOT NULL,
    carbon_kg    double precision,
    computed_at  timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, day, currency)
);

CREATE TABLE budgets (
    id           integer        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text           NOT NULL UNIQUE CHECK (name <> ''),
    scope        text           NOT NULL CHECK (scope IN ('household', 'device', 'cloud_account', 'cloud_total')),
    device_id    integer        REFERENCES devices (id) ON DELETE CASCADE,
    period       text           NOT NULL CHECK (period IN ('day', 'month', 'billing_cycle')),
    amount       numeric(20, 8) NOT NULL CHECK (amount >= 0),
    currency     char(3)        NOT NULL,
    created_at   timestamptz    NOT NULL DEFAULT now(),
    CHECK ((scope IN ('device', 'cloud_account')) = (device_id IS NOT NULL))
);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        PERFORM create_hypertable('energy_hourly', by_range('hour', INTERVAL '30 days'));
        PERFORM create_hypertable('cost_hourly', by_range('hour', INTERVAL '30 days'));
        PERFORM create_hypertable('energy_daily', by_range('day', INTERVAL '365 days'));
        PERFORM create_hypertable('cost_daily', by_range('day', INTERVAL '365 days'));
    ELSE
        CREATE INDEX energy_hourly_hour_idx ON energy_hourly (hour DESC);
        CREATE INDEX cost_hourly_hour_idx ON cost_hourly (hour DESC);
        CREATE INDEX energy_daily_day_idx ON energy_daily (day DESC);
        CREATE INDEX cost_daily_day_idx ON cost_daily (day DESC);
    END IF;
END
$$;

CREATE INDEX cloud_costs_day_idx ON cloud_costs (day DESC);
CREATE INDEX tariffs_validity_idx ON tariffs (valid_from DESC);
