-- Kept in step with the PostgreSQL migration of the same ID, which switches
-- raw payload compression to lz4; SQLite stores payloads uncompressed, so
-- there is nothing to change here.
SELECT 1;
