-- Statements: the utility's bills as the household records them, each set beside the engine's
-- bill of the same cycle (tariffs/statement.py, pricing/statements.py).
--
-- One statement per cycle: recording a cycle again replaces it. `lines` holds what the paper
-- bill prints, each {kind, name, amount[, period, tier, kwh]} with the amount as it adds up to
-- the total (a credit is negative); `source` says how it came (api, csv).
CREATE TABLE statements (
    id          integer     GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tariff      text        NOT NULL,
    first_day   date        NOT NULL,
    end_day     date        NOT NULL CHECK (end_day > first_day),
    currency    char(3)     NOT NULL,
    total       numeric     NOT NULL,
    lines       jsonb       NOT NULL DEFAULT '[]',
    source      text        NOT NULL CHECK (source IN ('api', 'csv')),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (first_day, end_day)
);

COMMENT ON COLUMN statements.tariff IS 'The tariff the cycle was billed under (its version in force on first_day)';
COMMENT ON COLUMN statements.end_day IS 'The local day after the cycle (exclusive)';
