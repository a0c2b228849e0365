-- Statements made from the usage summaries of a Green Button import (pricing/statements.py):
-- a billed period of the utility's data download is matched with the engine's bill like a
-- statement the household records; `source` says it came from the file.
ALTER TABLE statements
    DROP CONSTRAINT statements_source_check,
    ADD CONSTRAINT statements_source_check CHECK (source IN ('api', 'csv', 'greenbutton'));
