-- Costs of every commodity: a rate per commodity and hour, a recompute per commodity.
--
-- Gas and water are priced as electricity is (tariffs/costs.py): the commodity's household per
-- hour under its active tariff gives one rate per hour, and `cost_hourly` multiplies each of
-- the commodity's devices' quantity by it. A rate is per the tariff's `unit` (kWh, or m³); a
-- gas meter counting m³ under a tariff per kWh pays `volume_price`, the hour's price of a
-- metered m³ (the tariff's conversion: correction x calorific value / 3.6). A device whose unit
-- its tariff cannot price has no cost. `cost_daily` holds every commodity's devices (their
-- `energy_kwh` is the quantity in the device's unit), and `cost_hourly` says whose it is.
--
-- The pending recompute becomes one row per commodity; the electricity row keeps its place.

ALTER TABLE cost_rates
    ADD COLUMN commodity text NOT NULL DEFAULT 'electricity'
        CHECK (commodity IN ('electricity', 'gas', 'water')),
    ADD COLUMN unit text NOT NULL DEFAULT 'kWh',
    ADD COLUMN volume_price numeric;
ALTER TABLE cost_rates DROP CONSTRAINT cost_rates_pkey;
ALTER TABLE cost_rates ADD PRIMARY KEY (commodity, hour);

COMMENT ON COLUMN cost_rates.price IS 'What one unit (the tariff''s, `unit`) of the hour costs, taxes included';
COMMENT ON COLUMN cost_rates.volume_price IS
    'What one metered m³ of the hour costs (a tariff per m³: price; per kWh: converted); null: unpriced';

-- A device's price of an hour, per its own unit: a volume meter's m³ at the volume price, energy
-- (a counter, or integrated power) at a price per kWh, and nothing else.
CREATE FUNCTION unit_price(device_unit text, rate_unit text, price numeric, volume_price numeric)
RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN device_unit = 'm³' THEN volume_price WHEN rate_unit = 'kWh' THEN price END;

CREATE OR REPLACE VIEW cost_hourly AS
SELECT e.device_id, e.hour, r.tariff_id, e.energy_kwh,
       hour_cost(e.energy_kwh, unit_price(d.unit, r.unit, r.price, r.volume_price)) AS cost,
       r.currency, r.period, (e.energy_kwh::text::numeric * r.carbon_kg)::float8 AS carbon_kg,
       r.computed_at, d.commodity
FROM energy_hourly AS e
JOIN devices AS d ON d.id = e.device_id
JOIN cost_rates AS r ON r.hour = e.hour AND r.commodity = d.commodity
WHERE d.kind IN ('grid', 'meter', 'appliance')
  AND unit_price(d.unit, r.unit, r.price, r.volume_price) IS NOT NULL;

ALTER TABLE tariff_recompute
    ADD COLUMN commodity text NOT NULL DEFAULT 'electricity'
        CHECK (commodity IN ('electricity', 'gas', 'water'));
ALTER TABLE tariff_recompute DROP CONSTRAINT tariff_recompute_pkey;
ALTER TABLE tariff_recompute DROP COLUMN singleton;
ALTER TABLE tariff_recompute ADD PRIMARY KEY (commodity);
