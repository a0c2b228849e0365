-- `cost_rates` without a foreign key to `tariffs`: its rows are only ever written by the pricing
-- (pricing/store/costs.py) with the id of the tariff version it has just read, and the key check
-- of each inserted row (8 760 a year) was half of the rates' insert. A tariff's deletion still
-- deletes its rates, once per statement, as 0024 does for `cost_daily` and devices.
ALTER TABLE cost_rates DROP CONSTRAINT cost_rates_tariff_id_fkey;

CREATE FUNCTION cost_rates_forget_tariffs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM cost_rates WHERE tariff_id IN (SELECT id FROM gone);
    RETURN NULL;
END
$$;

CREATE TRIGGER cost_rates_tariffs_deleted AFTER DELETE ON tariffs
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION cost_rates_forget_tariffs();
