-- ZlhGrind SQLite schema 002: grain state.
--
-- Serves: Microsoft.Orleans.Persistence.AdoNet (AddAdoNetGrainStorage with
-- Invariant = "System.Data.SQLite", provider factory Microsoft.Data.Sqlite).
--
-- Same contract as the PostgreSQL schema (postgres/003_persistence.sql): a grain's state is
-- found by @ServiceId, @GrainTypeString (+ @GrainTypeHash) and @GrainIdHash, @GrainIdN0,
-- @GrainIdN1, @GrainIdExtensionString (NULL when there is none); the ETag is an integer
-- version. A write names the version it read (@GrainStateVersion, NULL for a never-stored
-- grain) and gets the next one back as NewGrainStateVersion; a stale version gets no row back,
-- which the provider turns into InconsistentStateException.
--
-- SQLite has no stored procedures, so the write is two statements in one command, each with
-- RETURNING (SQLite 3.35+): an UPDATE that only matches the expected version and an INSERT
-- that only runs for a first write. At most one of them returns a row; the provider collects
-- the rows of every result set of the command. Query texts avoid single quotes so they can sit
-- in the string literals below unchanged.
-- Depends on 001. Idempotent.

BEGIN IMMEDIATE;

CREATE TABLE IF NOT EXISTS orleans_grain_state
(
    service_id         TEXT    NOT NULL,
    grain_type_hash    INTEGER NOT NULL,
    grain_type         TEXT    NOT NULL,
    grain_id_hash      INTEGER NOT NULL,
    grain_id_n0        INTEGER NOT NULL,
    grain_id_n1        INTEGER NOT NULL,
    grain_id_extension TEXT    NULL,
    payload            BLOB    NULL,
    version            INTEGER NOT NULL,
    modified_at        TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- One row per grain; NULL and empty extensions are told apart by the IS NULL term (SQLite
-- would otherwise treat every NULL as distinct and let a racing first write in twice).
CREATE UNIQUE INDEX IF NOT EXISTS orleans_grain_state_key
    ON orleans_grain_state
    (grain_id_hash, grain_type_hash, service_id, grain_id_n0, grain_id_n1, grain_type,
     grain_id_extension IS NULL, ifnull(grain_id_extension, ''));

INSERT INTO OrleansQuery (QueryKey, QueryText)
VALUES
    ('ReadFromStorageKey', '
        SELECT payload AS PayloadBinary,
               version AS Version
        FROM orleans_grain_state
        WHERE grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash
          AND service_id = @ServiceId
          AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
          AND grain_type = @GrainTypeString
          AND grain_id_extension IS @GrainIdExtensionString;
    '),

    ('WriteToStorageKey', '
        UPDATE orleans_grain_state
        SET payload = @PayloadBinary, version = version + 1, modified_at = CURRENT_TIMESTAMP
        WHERE grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash
          AND service_id = @ServiceId
          AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
          AND grain_type = @GrainTypeString
          AND grain_id_extension IS @GrainIdExtensionString
          AND version = @GrainStateVersion
        RETURNING version AS NewGrainStateVersion;

        INSERT INTO orleans_grain_state
            (service_id, grain_type_hash, grain_type, grain_id_hash, grain_id_n0, grain_id_n1,
             grain_id_extension, payload, version)
        SELECT @ServiceId, @GrainTypeHash, @GrainTypeString, @GrainIdHash, @GrainIdN0, @GrainIdN1,
               @GrainIdExtensionString, @PayloadBinary, 1
        WHERE @GrainStateVersion IS NULL
        ON CONFLICT DO NOTHING
        RETURNING version AS NewGrainStateVersion;
    '),

    ('ClearStorageKey', '
        UPDATE orleans_grain_state
        SET payload = NULL, version = version + 1, modified_at = CURRENT_TIMESTAMP
        WHERE grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash
          AND service_id = @ServiceId
          AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
          AND grain_type = @GrainTypeString
          AND grain_id_extension IS @GrainIdExtensionString
          AND version = @GrainStateVersion
        RETURNING version AS NewGrainStateVersion;
    '),

    -- Used when DeleteStateOnClear = true; answers with a version different from the caller's.
    ('DeleteStorageKey', '
        DELETE FROM orleans_grain_state
        WHERE grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash
          AND service_id = @ServiceId
          AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
          AND grain_type = @GrainTypeString
          AND grain_id_extension IS @GrainIdExtensionString
          AND version = @GrainStateVersion
        RETURNING version + 1 AS NewGrainStateVersion;
    ')
ON CONFLICT (QueryKey) DO UPDATE
    SET QueryText = excluded.QueryText
    WHERE QueryText IS NOT excluded.QueryText;

COMMIT;
