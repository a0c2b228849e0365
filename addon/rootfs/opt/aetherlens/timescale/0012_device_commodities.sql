-- What each device meters, and the household rule per commodity.
--
-- A household's ledger is its electricity, gas and water (and its cloud accounts, by their kind).
-- `commodity` says which of the three a device meters; its readings are in the commodity's unit
-- (kWh, or m³ for volume counters: a gas meter may count either). Home Assistant 2026 has any
-- number of grid connections, each with its own import and export meter: `connection` groups a
-- connection's devices (the source_id of its first meter), `flow` says which way a meter counts.
--
-- The household rule of 0005 holds per commodity (`commodity_meters`, `commodity_parts`): a
-- gas meter is not an electricity mains, nor are appliances without an electricity mains left
-- out because a gas meter exists. An export meter measures what left the household, never its
-- use: it is no household meter. `household_meters` and `household_parts` stay the electricity
-- household's (what the electricity tariff prices), and so does `cost_hourly`.

ALTER TABLE devices
    ADD COLUMN commodity text NOT NULL DEFAULT 'electricity'
        CHECK (commodity IN ('electricity', 'gas', 'water')),
    ADD COLUMN flow text CHECK (flow IN ('import', 'export')),
    ADD COLUMN connection text CHECK (connection <> '');

COMMENT ON COLUMN devices.commodity IS
    'What the device meters: electricity, gas or water (cloud accounts keep the default)';
COMMENT ON COLUMN devices.flow IS
    'A grid connection''s meter: import (from the grid) or export (to it); null otherwise';
COMMENT ON COLUMN devices.connection IS
    'The grid connection the device belongs to (its first meter''s source_id); null otherwise';

-- Export meters the collector recorded before: known by the role it noted.
UPDATE devices SET flow = 'export'
WHERE source = 'homeassistant' AND attributes->>'role' = 'grid_export';
UPDATE devices SET flow = 'import'
WHERE source = 'homeassistant' AND attributes->>'role' = 'grid_import';

CREATE VIEW commodity_meters AS
SELECT d.id, d.commodity
FROM devices AS d
WHERE d.included_in IS NULL
  AND d.flow IS DISTINCT FROM 'export'
  AND (
      d.kind IN ('grid', 'meter')
      OR d.kind = 'appliance' AND NOT EXISTS (
          SELECT 1 FROM devices AS m
          WHERE m.kind IN ('grid', 'meter') AND m.included_in IS NULL
            AND m.flow IS DISTINCT FROM 'export' AND m.commodity = d.commodity
      )
  );

CREATE VIEW commodity_parts AS
SELECT d.id, d.commodity
FROM devices AS d
LEFT JOIN devices AS container ON container.id = d.included_in
WHERE d.kind = 'appliance'
  AND (container.id IS NULL OR container.kind IN ('grid', 'meter') AND container.included_in IS NULL);

CREATE OR REPLACE VIEW household_meters AS
SELECT id FROM commodity_meters WHERE commodity = 'electricity';

CREATE OR REPLACE VIEW household_parts AS
SELECT id FROM commodity_parts WHERE commodity = 'electricity';

CREATE OR REPLACE VIEW cost_hourly AS
SELECT e.device_id, e.hour, r.tariff_id, e.energy_kwh, hour_cost(e.energy_kwh, r.price) AS cost,
       r.currency, r.period, (e.energy_kwh::text::numeric * r.carbon_kg)::float8 AS carbon_kg,
       r.computed_at
FROM energy_hourly AS e
JOIN cost_rates AS r ON r.hour = e.hour
JOIN devices AS d ON d.id = e.device_id
WHERE d.kind IN ('grid', 'meter', 'appliance') AND d.commodity = 'electricity';
