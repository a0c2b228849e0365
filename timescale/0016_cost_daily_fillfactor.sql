-- `cost_daily` rows are updated in place whenever their days are priced again (tariffs/costs.py:
-- each new rollup hour, every day of a recompute). Half of each page is left free, so that a
-- row's new version fits beside the old one: a heap-only tuple adds no index entries, and page
-- pruning reclaims the old one. The table holds a row per device and day (36 500 a year for 100
-- devices), so the free half costs a few MiB a year. Pages written before keep their rows until
-- an update moves them.
ALTER TABLE cost_daily SET (fillfactor = 50);
