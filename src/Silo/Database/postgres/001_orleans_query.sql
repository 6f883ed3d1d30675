-- ZlhGrind PostgreSQL schema 001: the query registry of the Orleans ADO.NET providers.
--
-- Serves: Microsoft.Orleans.Clustering.AdoNet, Persistence.AdoNet and Reminders.AdoNet (invariant
-- "Npgsql"). At start every provider runs `SELECT QueryKey, QueryText FROM OrleansQuery`
-- (unqualified, so the table must be on the search_path) and from then on executes only those
-- texts, binding @-named parameters. Files 002-004 register their queries here.
--
-- Conventions for every file in this folder:
--  * idempotent: applying the whole set again succeeds and changes nothing;
--  * one transaction per file, holding an advisory lock so that silos migrating at the same
--    moment take turns; run each file as one script outside any open transaction;
--  * plain SQL only (no psql meta-commands), so a silo can apply a file through Npgsql too.

BEGIN;

-- 5917768 = 0x5A4C48, "ZLH": the lock every ZlhGrind schema file takes first.
SELECT pg_advisory_xact_lock(5917768);

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL,
    QueryText text        NOT NULL,
    CONSTRAINT orleans_query_pk PRIMARY KEY (QueryKey)
);

COMMENT ON TABLE OrleansQuery IS
    'SQL texts the Orleans ADO.NET providers execute, by key. Owned by src/Silo/Database/postgres.';

COMMIT;
