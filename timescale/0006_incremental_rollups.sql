-- Rollups folded forward from the last reading they include instead of recomputed per hour.
--
-- rollup_progress holds, per device, the time of the last reading folded into energy_hourly;
-- readings after it are added to the stored hours, so a rollup costs what the new readings cost
-- (storage/rollups.py). The three energy_hourly columns are the running state such a fold needs
-- besides the published figures: the seconds of the hour covered by power intervals, and the sum
-- and count of the hour's usable power readings (the mean where no interval covers it).
-- The queue becomes a log: each batch adds its own rows, keyed by the earliest reading it
-- stored (`first_time`), so ingestion never conflicts with, and never waits for, a row a rollup
-- is working on; a reading at or before the device's progress arrived late, and the hours it
-- affects are recomputed. Rows queued before this migration count as late.

CREATE TABLE rollup_progress (
    device_id  integer     PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
    folded_to  timestamptz NOT NULL
);

ALTER TABLE energy_hourly
    ADD COLUMN covered_s double precision NOT NULL DEFAULT 0,
    ADD COLUMN value_sum double precision,
    ADD COLUMN value_count integer NOT NULL DEFAULT 0;

ALTER TABLE rollup_queue
    ADD COLUMN first_time timestamptz NOT NULL DEFAULT '-infinity',
    DROP CONSTRAINT rollup_queue_pkey,
    ADD PRIMARY KEY (device_id, hour, first_time);
