-- Statements a plugin delivers (plugins/statements.py): a bill fetched from the supplier's
-- portal is matched with the engine's bill like one the household records; `source` says so.
ALTER TABLE statements
    DROP CONSTRAINT statements_source_check,
    ADD CONSTRAINT statements_source_check
        CHECK (source IN ('api', 'csv', 'greenbutton', 'plugin'));
