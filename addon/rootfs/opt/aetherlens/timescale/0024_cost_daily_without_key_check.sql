-- `cost_daily` without a foreign key of its own: its rows are only ever written from
-- `energy_hourly`'s (pricing/store/costs.py), whose `device_id` references `devices` already, and
-- the key check of each inserted row (36 500 a year for 100 devices) was most of a first pricing's
-- insert time. A device's deletion still deletes its daily costs, once per statement. A row a
-- recompute writes for a device deleted meanwhile names no device and is in no sum: the sums
-- read `cost_daily` through the devices' views (timescale/0005, 0012).
ALTER TABLE cost_daily DROP CONSTRAINT cost_daily_device_id_fkey;

CREATE FUNCTION cost_daily_forget_devices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM cost_daily WHERE device_id IN (SELECT id FROM gone);
    RETURN NULL;
END
$$;

CREATE TRIGGER cost_daily_devices_deleted AFTER DELETE ON devices
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION cost_daily_forget_devices();
