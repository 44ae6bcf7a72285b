-- Each upload now writes a blob of its own; the sweep asks which blobs a row still names.
CREATE INDEX files_storage_key ON files (storage_key);
