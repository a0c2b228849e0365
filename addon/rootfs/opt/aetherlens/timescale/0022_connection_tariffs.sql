-- A tariff per grid connection.
--
-- Home Assistant 2026 has several grid connections, each with its own import and export price
-- (`devices.connection`, 0012). A connection may have a tariff of its own (`connection_tariffs`):
-- its devices (its meters, and the devices inside them) are priced by it, its household is its
-- own meters, with its own billing cycle; every other electricity device stays with the active
-- electricity tariff, whose household no longer counts those connections. Rates are per
-- commodity, connection ('' for the commodity's active tariff) and hour, and so is the
-- pending recompute.

CREATE TABLE connection_tariffs (
    connection   text        PRIMARY KEY CHECK (connection <> ''),
    tariff       text        NOT NULL CHECK (tariff <> ''),
    attached_at  timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE connection_tariffs IS
    'The electricity tariff (by name) pricing a grid connection''s devices instead of the active one';

-- The rates each device pays: its connection's own ('' for its commodity's active tariff). A
-- device belongs to its own connection, else to its container's.
CREATE VIEW device_connections AS
SELECT d.id, coalesce(t.connection, '') AS connection
FROM devices AS d
LEFT JOIN devices AS container ON container.id = d.included_in
LEFT JOIN connection_tariffs AS t
    ON t.connection = coalesce(d.connection, container.connection) AND d.commodity = 'electricity';

ALTER TABLE cost_rates ADD COLUMN connection text NOT NULL DEFAULT '';
ALTER TABLE cost_rates DROP CONSTRAINT cost_rates_pkey;
ALTER TABLE cost_rates ADD PRIMARY KEY (commodity, connection, hour);

CREATE OR REPLACE VIEW cost_hourly AS
SELECT e.device_id, e.hour, r.tariff_id, e.energy_kwh,
       hour_cost(e.energy_kwh, unit_price(d.unit, r.unit, r.price, r.volume_price)) AS cost,
       r.currency, r.period, (e.energy_kwh::text::numeric * r.carbon_kg)::float8 AS carbon_kg,
       r.computed_at, d.commodity
FROM energy_hourly AS e
JOIN devices AS d ON d.id = e.device_id
JOIN device_connections AS dc ON dc.id = e.device_id
JOIN cost_rates AS r
    ON r.hour = e.hour AND r.commodity = d.commodity AND r.connection = dc.connection
WHERE d.kind IN ('grid', 'meter', 'appliance')
  AND unit_price(d.unit, r.unit, r.price, r.volume_price) IS NOT NULL;

ALTER TABLE tariff_recompute ADD COLUMN connection text NOT NULL DEFAULT '';
ALTER TABLE tariff_recompute DROP CONSTRAINT tariff_recompute_pkey;
ALTER TABLE tariff_recompute ADD PRIMARY KEY (commodity, connection);

-- A device's connection decides its rates: a change of it is a change of what the bill is made of.
DROP TRIGGER pricing_devices ON devices;
CREATE TRIGGER pricing_devices
    AFTER INSERT OR DELETE OR UPDATE OF kind, unit, included_in, in_household, connection
    ON devices FOR EACH STATEMENT EXECUTE FUNCTION pricing_bump();
CREATE TRIGGER pricing_connection_tariffs AFTER INSERT OR DELETE OR UPDATE ON connection_tariffs
    FOR EACH STATEMENT EXECUTE FUNCTION pricing_bump();
