-- The pending recompute of costs under the active tariff: at most one row. The engine moves `start`
-- forward in the transaction of every chunk it commits and deletes the row when it is done, so a
-- recompute interrupted by a restart resumes where it stopped. A new request (a saved version, an
-- activation) lowers `start` to the earliest hour still to do and bumps `request`, which tells a
-- running recompute that it must start over from there.
CREATE TABLE tariff_recompute (
    singleton     boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    start         timestamptz NOT NULL,
    request       bigint      NOT NULL DEFAULT 1 CHECK (request >= 1),
    requested_at  timestamptz NOT NULL DEFAULT now()
);
