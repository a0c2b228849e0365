-- Raw readings older than a day packed per device and hour, and one way to read raw readings.
--
-- A row of `readings` costs ~50 bytes plus its index entries; 100 devices at one reading per
-- 10 s are ~90 MB a day. `readings_compact` holds an hour of one device as three arrays in time
-- order (~22 bytes a reading, compressed by TOAST), ~15 MB a day. It works on plain PostgreSQL
-- and on every TimescaleDB licence; storage/compaction.py moves readings into it where
-- TimescaleDB's own compression is not licensed.
--
-- Every query of raw readings goes through readings_between/_before/_after, which read both
-- tables, so a query answers the same before and after its readings are compacted. A reading
-- of an hour already compacted arrives in `readings` (ingestion skips those already packed)
-- and the next compaction merges it into the hour's row.

CREATE TABLE readings_compact (
    device_id  integer            NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    hour       timestamptz        NOT NULL,
    times      timestamptz[]      NOT NULL,
    vals       double precision[] NOT NULL,
    quals      smallint[]         NOT NULL,
    PRIMARY KEY (device_id, hour),
    CHECK (cardinality(times) > 0
           AND cardinality(vals) = cardinality(times)
           AND cardinality(quals) = cardinality(times))
);

COMMENT ON TABLE readings_compact IS
    'Readings of one device and UTC hour [hour, hour + 1 h), arrays in time order; see readings';

-- The readings of DEVICE with FROM_TIME <= time <= TO_TIME (both ends included), in no order.
CREATE FUNCTION readings_between(device integer, from_time timestamptz, to_time timestamptz)
RETURNS TABLE ("time" timestamptz, value double precision, quality smallint)
LANGUAGE sql STABLE
AS $$
    SELECT r.time, r.value, r.quality
    FROM readings AS r
    WHERE r.device_id = device AND r.time >= from_time AND r.time <= to_time
    UNION ALL
    SELECT u.time, u.value, u.quality
    FROM readings_compact AS c
    CROSS JOIN LATERAL unnest(c.times, c.vals, c.quals) AS u (time, value, quality)
    WHERE c.device_id = device
      AND c.hour > from_time - interval '1 hour' AND c.hour <= to_time
      AND u.time >= from_time AND u.time <= to_time
$$;

-- The last LIMIT_COUNT readings of DEVICE at or before AT_TIME, newest first; only those without
-- the glitch flag (4) when USABLE. Compacted hours are read newest first and stop early.
CREATE FUNCTION readings_before(device integer, at_time timestamptz, limit_count integer, usable boolean)
RETURNS TABLE ("time" timestamptz, value double precision, quality smallint)
LANGUAGE sql STABLE
AS $$
    SELECT x.time, x.value, x.quality
    FROM (
        (SELECT r.time, r.value, r.quality
         FROM readings AS r
         WHERE r.device_id = device AND r.time <= at_time AND (NOT usable OR r.quality & 4 = 0)
         ORDER BY r.time DESC
         LIMIT limit_count)
        UNION ALL
        (SELECT u.time, u.value, u.quality
         FROM readings_compact AS c
         CROSS JOIN LATERAL unnest(c.times, c.vals, c.quals) AS u (time, value, quality)
         WHERE c.device_id = device AND c.hour <= at_time
           AND u.time <= at_time AND (NOT usable OR u.quality & 4 = 0)
         ORDER BY c.hour DESC, u.time DESC
         LIMIT limit_count)
    ) AS x
    ORDER BY x.time DESC
    LIMIT limit_count
$$;

-- The first LIMIT_COUNT readings of DEVICE at or after AT_TIME, oldest first; only those without
-- the glitch flag (4) when USABLE.
CREATE FUNCTION readings_after(device integer, at_time timestamptz, limit_count integer, usable boolean)
RETURNS TABLE ("time" timestamptz, value double precision, quality smallint)
LANGUAGE sql STABLE
AS $$
    SELECT x.time, x.value, x.quality
    FROM (
        (SELECT r.time, r.value, r.quality
         FROM readings AS r
         WHERE r.device_id = device AND r.time >= at_time AND (NOT usable OR r.quality & 4 = 0)
         ORDER BY r.time
         LIMIT limit_count)
        UNION ALL
        (SELECT u.time, u.value, u.quality
         FROM readings_compact AS c
         CROSS JOIN LATERAL unnest(c.times, c.vals, c.quals) AS u (time, value, quality)
         WHERE c.device_id = device AND c.hour > at_time - interval '1 hour'
           AND u.time >= at_time AND (NOT usable OR u.quality & 4 = 0)
         ORDER BY c.hour, u.time
         LIMIT limit_count)
    ) AS x
    ORDER BY x.time
    LIMIT limit_count
$$;

-- No query reads readings by time across devices (the compaction's and retention's deletes are
-- bounded by the primary key or by chunks), so the time index only cost space and inserts.
-- Chunks of a day: compacted days become empty chunks that retention drops whole.
DROP INDEX IF EXISTS readings_time_idx;

-- readings_compact is a hypertable too, so that retention drops its chunks as it does those
-- of readings (policies or drop_chunks).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        PERFORM set_chunk_time_interval('readings', INTERVAL '1 day');
        PERFORM create_hypertable('readings_compact', by_range('hour', INTERVAL '7 days'),
                                  create_default_indexes => false);
    END IF;
END
$$;
