-- Cloud costs and forecasts keyed by currency too: an account billed in two currencies on one day
-- (or forecast in two for one month) keeps an amount in each instead of one overwriting the other.
-- Neither table is a hypertable (they hold one row per account, day and dimension value, small
-- enough for plain PostgreSQL), so the same statements serve with and without TimescaleDB; the
-- new keys still lead with the device and keep the time column, as a hypertable's must.

ALTER TABLE cloud_costs
    DROP CONSTRAINT cloud_costs_pkey,
    ADD PRIMARY KEY (device_id, day, dimension, dimension_value, currency);

ALTER TABLE cloud_forecasts
    DROP CONSTRAINT cloud_forecasts_pkey,
    ADD PRIMARY KEY (device_id, month, currency);
