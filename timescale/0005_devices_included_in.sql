-- What is inside what, and the household rule in one place.
--
-- A device may be measured inside another one (HA's Energy preferences: a device's
-- `included_in_stat`); `included_in` names that device. A mains device (kind grid or meter, not
-- inside another) measures the whole household. Summing a mains device and the devices it
-- contains counts their energy twice, so every household figure reads these two views:
--
-- - `household_meters`: the devices whose sum is the household: its mains devices, or, where
--   there is none, the appliances not inside another device.
-- - `household_parts`: the devices shown as the household's parts: the appliances not inside
--   another appliance or meter (directly inside the mains, or where no mains device exists,
--   the household meters themselves). The household minus its parts is "the rest of the house".

ALTER TABLE devices
    ADD COLUMN included_in integer REFERENCES devices (id) ON DELETE SET NULL,
    ADD CONSTRAINT devices_not_inside_itself CHECK (included_in <> id);

COMMENT ON COLUMN devices.included_in IS
    'The device this one is measured inside (HA Energy included_in_stat); null: directly in the mains';

CREATE VIEW household_meters AS
SELECT d.id
FROM devices AS d
WHERE d.included_in IS NULL
  AND d.kind = ANY (
      CASE WHEN EXISTS (
          SELECT 1 FROM devices WHERE kind IN ('grid', 'meter') AND included_in IS NULL
      ) THEN ARRAY['grid', 'meter'] ELSE ARRAY['appliance'] END
  );

CREATE VIEW household_parts AS
SELECT d.id
FROM devices AS d
LEFT JOIN devices AS container ON container.id = d.included_in
WHERE d.kind = 'appliance'
  AND (container.id IS NULL OR container.kind IN ('grid', 'meter') AND container.included_in IS NULL);
