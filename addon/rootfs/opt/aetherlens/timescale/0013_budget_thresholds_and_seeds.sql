-- Budgets become the engine's own: the API creates, changes and deletes them, and the
-- configuration file only seeds them. `budget_seeds` remembers each configured name once it
-- has been seeded, so that a budget changed or deleted through the API is not brought back
-- at the next start. The budgets already in the table came from the configuration: they count
-- as seeded. Thresholds are percents of the amount (ascending, checked by the API), at which
-- the integration tells the household; 100 is the amount itself.

ALTER TABLE budgets
    ADD COLUMN thresholds integer[] NOT NULL DEFAULT '{100}'
        CHECK (cardinality(thresholds) BETWEEN 1 AND 10
               AND 1 <= ALL (thresholds) AND 1000 >= ALL (thresholds));

CREATE TABLE budget_seeds (
    name       text        PRIMARY KEY,
    seeded_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO budget_seeds (name) SELECT name FROM budgets;
