-- ZlhGrind SQLite schema 001: the query registry of the Orleans ADO.NET grain storage.
--
-- Serves: Microsoft.Orleans.Persistence.AdoNet in the embedded default (./zlh up), with the
-- ADO.NET invariant "System.Data.SQLite" served by Microsoft.Data.Sqlite. SQLite is used for
-- grain state only: clustering is localhost and reminders are in memory there.
-- At start the provider runs `SELECT QueryKey, QueryText FROM OrleansQuery ...` and from then on
-- executes only those texts, binding @-named parameters; 002 registers them.
--
-- Conventions for every file in this folder:
--  * idempotent: applying the whole set again succeeds and changes nothing;
--  * run each file as one command (Microsoft.Data.Sqlite executes the statements in order)
--    outside any open transaction: the file takes the write lock itself (BEGIN IMMEDIATE), so
--    two processes applying it at once take turns.

-- Write-ahead logging lets grain reads proceed while a write commits. The mode is stored in
-- the database file, so this is a no-op after the first run (and must stay outside BEGIN).
PRAGMA journal_mode = WAL;

BEGIN IMMEDIATE;

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  TEXT NOT NULL PRIMARY KEY,
    QueryText TEXT NOT NULL
);

COMMIT;
