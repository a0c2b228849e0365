-- A device's name and its place in the household become the household's to choose.
--
-- `display_name` is the name the household gave a device (through the API); `name` stays what
-- every answer shows: the display name where there is one, else what the source calls it, kept
-- in `source_name` (the collector and plugins write that one, and `name` only while the device
-- has no display name). `in_household` false leaves a device out of every household figure: a
-- sub-meter already counted by its parent that Home Assistant does not know is inside it. The
-- household rule of 0012 (`commodity_meters`, `commodity_parts`, and through them
-- `household_meters` and `household_parts`) reads it: a device left out is neither a household
-- meter nor a part, nor does a mains meter left out count as the household's mains.

ALTER TABLE devices
    ADD COLUMN source_name text,
    ADD COLUMN display_name text CHECK (display_name ~ '\S' AND length(display_name) <= 100),
    ADD COLUMN in_household boolean NOT NULL DEFAULT true;

UPDATE devices SET source_name = name;

COMMENT ON COLUMN devices.source_name IS
    'The name the source (Home Assistant, a plugin) gives it; null: the same as name';
COMMENT ON COLUMN devices.display_name IS 'The name the household gave it; null: the source''s';
COMMENT ON COLUMN devices.in_household IS
    'Counted in the household''s figures; false: left out (e.g. a sub-meter counted by its parent)';

CREATE OR REPLACE VIEW commodity_meters AS
SELECT d.id, d.commodity
FROM devices AS d
WHERE d.included_in IS NULL
  AND d.in_household
  AND d.flow IS DISTINCT FROM 'export'
  AND (
      d.kind IN ('grid', 'meter')
      OR d.kind = 'appliance' AND NOT EXISTS (
          SELECT 1 FROM devices AS m
          WHERE m.kind IN ('grid', 'meter') AND m.included_in IS NULL AND m.in_household
            AND m.flow IS DISTINCT FROM 'export' AND m.commodity = d.commodity
      )
  );

CREATE OR REPLACE VIEW commodity_parts AS
SELECT d.id, d.commodity
FROM devices AS d
LEFT JOIN devices AS container ON container.id = d.included_in
WHERE d.kind = 'appliance'
  AND d.in_household
  AND (container.id IS NULL OR container.kind IN ('grid', 'meter') AND container.included_in IS NULL);

-- Leaving a device out changes the household's recorded use: cached pricing figures must go
-- (0008's revision).
DROP TRIGGER pricing_devices ON devices;
CREATE TRIGGER pricing_devices
    AFTER INSERT OR DELETE OR UPDATE OF kind, unit, included_in, in_household
    ON devices FOR EACH STATEMENT EXECUTE FUNCTION pricing_bump();
