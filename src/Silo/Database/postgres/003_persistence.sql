-- ZlhGrind PostgreSQL schema 003: grain state.
--
-- Serves: Microsoft.Orleans.Persistence.AdoNet (AddAdoNetGrainStorage, Invariant "Npgsql").
--
-- A grain's state is found by the provider's key parts: @ServiceId, the grain type
-- (@GrainTypeString, hashed as @GrainTypeHash) and the grain id (@GrainIdHash plus
-- @GrainIdN0/@GrainIdN1 for numeric and Guid keys, @GrainIdExtensionString for string keys and
-- key extensions; NULL when there is none). The hashes are only for the index: the full key is
-- always compared.
--
-- The ETag is an integer version. A write names the version it read (@GrainStateVersion, NULL
-- for a grain that has never been stored) and gets the next one back as NewGrainStateVersion.
-- When the stored version differs the write returns no version (NULL) and changes nothing; the
-- provider then throws InconsistentStateException. Clearing keeps the row with a NULL payload
-- and moves the version on; DeleteStorageKey (used when DeleteStateOnClear = true) removes it.
-- Depends on 001. Idempotent.

BEGIN;

SELECT pg_advisory_xact_lock(5917768);

CREATE TABLE IF NOT EXISTS orleans_grain_state
(
    service_id         varchar(150) NOT NULL,
    grain_type_hash    integer      NOT NULL,
    grain_type         text         NOT NULL,
    grain_id_hash      integer      NOT NULL,
    grain_id_n0        bigint       NOT NULL,
    grain_id_n1        bigint       NOT NULL,
    grain_id_extension text         NULL,
    payload            bytea        NULL,
    version            integer      NOT NULL,
    modified_at        timestamptz  NOT NULL DEFAULT now()
);

-- One row per grain. The text parts enter as digests so that long string keys stay within the
-- btree entry limit; NULL and '' extensions are told apart by the IS NULL term.
CREATE UNIQUE INDEX IF NOT EXISTS orleans_grain_state_key
    ON orleans_grain_state
    (grain_id_hash, grain_type_hash, service_id, grain_id_n0, grain_id_n1,
     md5(grain_type), (grain_id_extension IS NULL), md5(coalesce(grain_id_extension, '')));

-- Stores a payload if the caller's version is still current; returns the new version, or NULL
-- when another writer got there first (or the row was removed, or created, meanwhile).
CREATE OR REPLACE FUNCTION orleans_grain_state_write(
    p_service_id         text,
    p_grain_type_hash    integer,
    p_grain_type         text,
    p_grain_id_hash      integer,
    p_grain_id_n0        bigint,
    p_grain_id_n1        bigint,
    p_grain_id_extension text,
    p_expected_version   integer,
    p_payload            bytea)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
DECLARE
    stored_version integer;
BEGIN
    IF p_expected_version IS NULL THEN
        -- First write: of two activations racing here, the unique index lets one win.
        INSERT INTO orleans_grain_state
            (service_id, grain_type_hash, grain_type, grain_id_hash, grain_id_n0, grain_id_n1,
             grain_id_extension, payload, version)
        VALUES
            (p_service_id, p_grain_type_hash, p_grain_type, p_grain_id_hash, p_grain_id_n0,
             p_grain_id_n1, p_grain_id_extension, p_payload, 1)
        ON CONFLICT DO NOTHING
        RETURNING version INTO stored_version;
    ELSE
        UPDATE orleans_grain_state
        SET payload = p_payload, version = version + 1, modified_at = now()
        WHERE grain_id_hash = p_grain_id_hash AND grain_type_hash = p_grain_type_hash
          AND service_id = p_service_id
          AND grain_id_n0 = p_grain_id_n0 AND grain_id_n1 = p_grain_id_n1
          AND grain_type = p_grain_type
          AND grain_id_extension IS NOT DISTINCT FROM p_grain_id_extension
          AND version = p_expected_version
        RETURNING version INTO stored_version;
    END IF;
    RETURN stored_version;
END
$fn$;

INSERT INTO OrleansQuery (QueryKey, QueryText)
VALUES
    -- No row means "never stored": the provider then starts from a new state and a NULL ETag.
    ('ReadFromStorageKey', $q$
        SELECT payload AS "PayloadBinary",
               version AS "Version"
        FROM orleans_grain_state
        WHERE grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash
          AND service_id = @ServiceId
          AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
          AND grain_type = @GrainTypeString
          AND grain_id_extension IS NOT DISTINCT FROM @GrainIdExtensionString
    $q$),

    ('WriteToStorageKey', $q$
        SELECT orleans_grain_state_write(
            p_service_id         => @ServiceId,
            p_grain_type_hash    => @GrainTypeHash,
            p_grain_type         => @GrainTypeString,
            p_grain_id_hash      => @GrainIdHash,
            p_grain_id_n0        => @GrainIdN0,
            p_grain_id_n1        => @GrainIdN1,
            p_grain_id_extension => @GrainIdExtensionString,
            p_expected_version   => @GrainStateVersion,
            p_payload            => @PayloadBinary) AS "NewGrainStateVersion"
    $q$),

    -- The provider reads the first column; no row back means a version conflict.
    ('ClearStorageKey', $q$
        UPDATE orleans_grain_state
        SET payload = NULL, version = version + 1, modified_at = now()
        WHERE grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash
          AND service_id = @ServiceId
          AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
          AND grain_type = @GrainTypeString
          AND grain_id_extension IS NOT DISTINCT FROM @GrainIdExtensionString
          AND version = @GrainStateVersion
        RETURNING version AS "NewGrainStateVersion"
    $q$),

    -- Answers with a version different from the caller's so the provider sees success.
    ('DeleteStorageKey', $q$
        DELETE FROM orleans_grain_state
        WHERE grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash
          AND service_id = @ServiceId
          AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
          AND grain_type = @GrainTypeString
          AND grain_id_extension IS NOT DISTINCT FROM @GrainIdExtensionString
          AND version = @GrainStateVersion
        RETURNING version + 1 AS "NewGrainStateVersion"
    $q$)
ON CONFLICT (QueryKey) DO UPDATE
    SET QueryText = EXCLUDED.QueryText
    WHERE OrleansQuery.QueryText IS DISTINCT FROM EXCLUDED.QueryText;

COMMIT;
