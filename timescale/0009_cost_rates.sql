-- Costs as the household's rate per hour times each device's kWh.
--
-- Every priced device pays its kWh at the household's rate of the hour (tariffs/costs.py), so a
-- recompute needs to write one rate per hour (8 760 rows a year), not one cost row per device and
-- hour (876 000 for 100 devices): `cost_rates` holds the rates, and `cost_hourly` becomes the view
-- that multiplies, with the columns and the rounding the table had. `cost_daily` stays a table (a
-- month is read from at most 31 rows per device), summed from the view when hours are priced.
--
-- The former table's costs are not carried over: a recompute from its first hour is queued
-- (tariff_recompute, 0003), which the engine runs at its next start.
CREATE TABLE cost_rates (
    hour         timestamptz PRIMARY KEY CHECK (date_trunc('hour', hour, 'UTC') = hour),
    tariff_id    integer     NOT NULL REFERENCES tariffs (id) ON DELETE CASCADE,
    currency     char(3)     NOT NULL,
    price        numeric     NOT NULL,
    period       text,
    carbon_kg    numeric,
    computed_at  timestamptz NOT NULL DEFAULT now()
);

COMMENT ON COLUMN cost_rates.price IS 'What a kWh of the hour costs, taxes included';
COMMENT ON COLUMN cost_rates.carbon_kg IS 'kg CO2e per kWh of the hour; null: the tariff has no carbon';

INSERT INTO tariff_recompute (start)
SELECT min(hour) FROM cost_hourly HAVING min(hour) IS NOT NULL
ON CONFLICT (singleton) DO UPDATE
SET start = least(tariff_recompute.start, EXCLUDED.start),
    request = tariff_recompute.request + 1,
    requested_at = now();

DROP TABLE cost_hourly;

-- A device's cost in an hour: its kWh as the decimal they were written as (a double's shortest
-- text), so the costs are those of pricing in Python, times the hour's rate, rounded as the
-- former numeric(20, 8) column was. The view and the daily sums (tariffs/costs.py) both use it.
CREATE FUNCTION hour_cost(kwh double precision, price numeric) RETURNS numeric(20, 8)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (kwh::text::numeric * price)::numeric(20, 8);

CREATE VIEW cost_hourly AS
SELECT e.device_id, e.hour, r.tariff_id, e.energy_kwh, hour_cost(e.energy_kwh, r.price) AS cost,
       r.currency, r.period, (e.energy_kwh::text::numeric * r.carbon_kg)::float8 AS carbon_kg,
       r.computed_at
FROM energy_hourly AS e
JOIN cost_rates AS r ON r.hour = e.hour
JOIN devices AS d ON d.id = e.device_id
WHERE d.kind IN ('grid', 'meter', 'appliance');
