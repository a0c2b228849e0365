-- Settings changed through the API (the page's Settings view), layered over the configuration.
--
-- The configuration file (or the add-on's options) seeds every setting; a setting saved here
-- wins over it until it is saved back to the file's value, which removes its row. Each row is
-- one whole setting, as the configuration's option of the same name takes it.

CREATE TABLE saved_settings (
    key    text  PRIMARY KEY CHECK (key IN ('currency', 'timezone', 'retention', 'homeassistant')),
    value  jsonb NOT NULL
);

COMMENT ON TABLE saved_settings IS
    'Settings saved through the API, each winning over the configuration option of its name';
