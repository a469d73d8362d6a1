-- Raw payloads are several KB of JSON each; PostgreSQL compresses values
-- that size before storing them. lz4 costs a fraction of the default pglz's
-- CPU (a sync of 100,000 Jira issues writes ~700 MB of payloads).
ALTER TABLE raw_payloads ALTER COLUMN payload SET COMPRESSION lz4;
