-- The household rule (timescale/0019's views) reads a device's commodity and flow too: an export
-- meter is no household meter, and each commodity has its own household. A change of either is a
-- change of what the cycle's bill is made of, so it bumps 0008's revision like the other columns.
DROP TRIGGER pricing_devices ON devices;
CREATE TRIGGER pricing_devices
    AFTER INSERT OR DELETE OR UPDATE OF kind, unit, included_in, in_household, connection, commodity,
        flow
    ON devices FOR EACH STATEMENT EXECUTE FUNCTION pricing_bump();
