-- Packed readings' times as steps: microseconds since the reading before (the first: since the
-- hour) instead of whole timestamps.
--
-- Readings come at a steady pace, so the steps repeat and TOAST's compression all but removes
-- them: 100 devices at 10 s took 10.5 MiB a day packed, over half of it their times
-- (benchmarks/storage.py). Times stay exact to the microsecond. compact_steps and compact_times
-- convert between the two; the reading functions of 0007 read through compact_times.

CREATE FUNCTION compact_steps(hour timestamptz, times timestamptz[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT array_agg((extract(epoch FROM s.t - coalesce(s.before, hour)) * 1000000)::bigint
                     ORDER BY s.i)
    FROM (
        SELECT u.t, u.i, lag(u.t) OVER (ORDER BY u.i) AS before
        FROM unnest(times) WITH ORDINALITY AS u (t, i)
    ) AS s
$$;

-- STABLE, not IMMUTABLE: adding an interval to a timestamptz is (for microseconds it does not
-- depend on the zone, but PostgreSQL cannot know).
CREATE FUNCTION compact_times(hour timestamptz, steps bigint[]) RETURNS timestamptz[]
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT array_agg(hour + s.total * interval '1 microsecond' ORDER BY s.i)
    FROM (
        SELECT u.i, sum(u.step) OVER (ORDER BY u.i) AS total
        FROM unnest(steps) WITH ORDINALITY AS u (step, i)
    ) AS s
$$;

ALTER TABLE readings_compact ADD COLUMN steps bigint[];
UPDATE readings_compact SET steps = compact_steps(hour, times);
-- Dropping times drops the check of 0007 that names it.
ALTER TABLE readings_compact
    DROP COLUMN times,
    ALTER COLUMN steps SET NOT NULL,
    ADD CONSTRAINT readings_compact_lengths CHECK (
        cardinality(steps) > 0
        AND cardinality(vals) = cardinality(steps)
        AND cardinality(quals) = cardinality(steps)
    );

CREATE OR REPLACE FUNCTION readings_between(device integer, from_time timestamptz, to_time timestamptz)
RETURNS TABLE ("time" timestamptz, value double precision, quality smallint)
LANGUAGE sql STABLE
AS $$
    SELECT r.time, r.value, r.quality
    FROM readings AS r
    WHERE r.device_id = device AND r.time >= from_time AND r.time <= to_time
    UNION ALL
    SELECT u.time, u.value, u.quality
    FROM readings_compact AS c
    CROSS JOIN LATERAL unnest(compact_times(c.hour, c.steps), c.vals, c.quals)
        AS u (time, value, quality)
    WHERE c.device_id = device
      AND c.hour > from_time - interval '1 hour' AND c.hour <= to_time
      AND u.time >= from_time AND u.time <= to_time
$$;

CREATE OR REPLACE FUNCTION readings_before(
    device integer, at_time timestamptz, limit_count integer, usable boolean
)
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
         CROSS JOIN LATERAL unnest(compact_times(c.hour, c.steps), c.vals, c.quals)
             AS u (time, value, quality)
         WHERE c.device_id = device AND c.hour <= at_time
           AND u.time <= at_time AND (NOT usable OR u.quality & 4 = 0)
         ORDER BY c.hour DESC, u.time DESC
         LIMIT limit_count)
    ) AS x
    ORDER BY x.time DESC
    LIMIT limit_count
$$;

CREATE OR REPLACE FUNCTION readings_after(
    device integer, at_time timestamptz, limit_count integer, usable boolean
)
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
         CROSS JOIN LATERAL unnest(compact_times(c.hour, c.steps), c.vals, c.quals)
             AS u (time, value, quality)
         WHERE c.device_id = device AND c.hour > at_time - interval '1 hour'
           AND u.time >= at_time AND (NOT usable OR u.quality & 4 = 0)
         ORDER BY c.hour, u.time
         LIMIT limit_count)
    ) AS x
    ORDER BY x.time
    LIMIT limit_count
$$;
