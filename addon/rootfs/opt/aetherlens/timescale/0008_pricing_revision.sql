-- A revision of what the current billing cycle's bill is made of, for the engine's per-hour cache.
--
-- The engine bills the cycle's complete hours once per hour and keeps the result
-- (pricing/cycle.py) as long as `pricing_revision.revision` is unchanged. It changes with:
-- - a row of energy_hourly written or deleted for an hour that had already ended when the row was
--   written (a rollup folding the last readings of an hour, late readings, a backfill): the
--   current hour's rows, rewritten every minute by the rollup, do not count;
-- - any change of which devices there are, their kind, unit or container (the household rule);
-- - TRUNCATE of energy_hourly.
-- The row trigger only raises a transaction-local flag (hypertables have no transition tables),
-- and the statement trigger turns it into one update per statement, so a bulk write costs one
-- update, not one per row. "Already ended" is by the database's clock at the write: the engine
-- caches an hour's bill only once the database's clock is past that hour by a margin
-- (pricing/cycle.py), so a write that commits later than that margin after it ran is the only
-- one that could go unseen.

CREATE TABLE pricing_revision (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    revision  bigint  NOT NULL
);
INSERT INTO pricing_revision (revision) VALUES (0);

CREATE FUNCTION pricing_note_past_hour() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ended timestamptz := date_trunc('hour', clock_timestamp());
BEGIN
    IF (TG_OP <> 'DELETE' AND NEW.hour < ended) OR (TG_OP <> 'INSERT' AND OLD.hour < ended) THEN
        PERFORM set_config('aetherlens.pricing_changed', 'on', true);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION pricing_bump_noted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('aetherlens.pricing_changed', true) = 'on' THEN
        UPDATE pricing_revision SET revision = revision + 1;
        PERFORM set_config('aetherlens.pricing_changed', 'off', true);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION pricing_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE pricing_revision SET revision = revision + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER pricing_past_hour AFTER INSERT OR UPDATE OR DELETE ON energy_hourly
    FOR EACH ROW EXECUTE FUNCTION pricing_note_past_hour();
CREATE TRIGGER pricing_noted AFTER INSERT OR UPDATE OR DELETE ON energy_hourly
    FOR EACH STATEMENT EXECUTE FUNCTION pricing_bump_noted();
CREATE TRIGGER pricing_truncated AFTER TRUNCATE ON energy_hourly
    FOR EACH STATEMENT EXECUTE FUNCTION pricing_bump();
CREATE TRIGGER pricing_devices AFTER INSERT OR DELETE OR UPDATE OF kind, unit, included_in
    ON devices FOR EACH STATEMENT EXECUTE FUNCTION pricing_bump();
