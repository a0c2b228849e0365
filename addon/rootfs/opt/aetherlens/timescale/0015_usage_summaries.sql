-- Usage summaries: what a utility billed for a period of one meter, as its data download says
-- (Green Button's UsageSummary), kept beside the imported readings for matching bills.
--
-- The meter is the device its interval readings were imported into (meterdata/store.py); a
-- period is known once: importing the same file again keeps the first record. Amounts are exact,
-- in `currency`; `lines` holds the period's further costs as the utility names them, each
-- {note, amount}; `source` is the file's format, as the device's.
CREATE TABLE usage_summaries (
    id               integer     GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device_id        integer     NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    period_start     timestamptz NOT NULL,
    period_end       timestamptz NOT NULL CHECK (period_end > period_start),
    currency         char(3)     NOT NULL,
    bill             numeric,
    bill_to_date     numeric,
    additional_cost  numeric,
    consumption_kwh  numeric,
    lines            jsonb       NOT NULL DEFAULT '[]',
    source           text        NOT NULL CHECK (source <> ''),
    imported_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (device_id, period_start, period_end)
);

COMMENT ON COLUMN usage_summaries.period_end IS 'The end of the billed period (exclusive)';
COMMENT ON COLUMN usage_summaries.bill IS 'The period''s total as billed (billLastPeriod), null if not given';
COMMENT ON COLUMN usage_summaries.bill_to_date IS 'Billed so far in the current period (billToDate)';
COMMENT ON COLUMN usage_summaries.additional_cost IS 'Costs beyond energy (costAdditionalLastPeriod)';
COMMENT ON COLUMN usage_summaries.consumption_kwh IS 'The energy billed (overallConsumptionLastPeriod)';
