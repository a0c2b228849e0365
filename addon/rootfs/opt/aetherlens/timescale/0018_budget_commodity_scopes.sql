-- Budgets of the gas and water households: scopes `gas` and `water` beside `household` (the
-- electricity household's, as before). Their spend is the commodity's household costs
-- (cost_daily, 0017) per day and month, and its own tariff's cycle so far (the ledger's).

ALTER TABLE budgets DROP CONSTRAINT budgets_scope_check;
ALTER TABLE budgets ADD CONSTRAINT budgets_scope_check
    CHECK (scope IN ('household', 'gas', 'water', 'device', 'cloud_account', 'cloud_total'));
