-- The row trigger of 0008 as a BEFORE trigger: AFTER ROW events are queued in memory until the
-- statement ends (a bulk write of a year of hourly rows queued ~900 000 of them, some 30 MiB in
-- the writing backend), BEFORE ROW triggers run as each row is written. The flag it raises is
-- read by the AFTER STATEMENT trigger as before; a row a later trigger or a conflict skips can
-- only cause one needless bump.

CREATE OR REPLACE FUNCTION pricing_note_past_hour() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ended timestamptz := date_trunc('hour', clock_timestamp());
BEGIN
    IF (TG_OP <> 'DELETE' AND NEW.hour < ended) OR (TG_OP <> 'INSERT' AND OLD.hour < ended) THEN
        PERFORM set_config('aetherlens.pricing_changed', 'on', true);
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

DROP TRIGGER pricing_past_hour ON energy_hourly;
CREATE TRIGGER pricing_past_hour BEFORE INSERT OR UPDATE OR DELETE ON energy_hourly
    FOR EACH ROW EXECUTE FUNCTION pricing_note_past_hour();
