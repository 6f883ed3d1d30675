-- ZlhGrind PostgreSQL schema 004: durable reminders.
--
-- Serves: Microsoft.Orleans.Reminders.AdoNet (UseAdoNetReminderService, Invariant "Npgsql").
--
-- A reminder is keyed by @ServiceId, @GrainId (the grain id's string form) and @ReminderName.
-- @GrainHash is the grain's uniform hash cast to a signed int; each silo reads the reminders
-- of its slice of the hash ring with ReadRangeRows1Key (a slice that does not wrap:
-- BeginHash < hash <= EndHash) or ReadRangeRows2Key (a slice that wraps past the end, or the
-- whole ring when BeginHash = EndHash). Those two keys are required by the provider too.
-- @Period is in milliseconds. The ETag is the integer Version: an upsert returns the new one,
-- a delete succeeds only with the current one.
-- Depends on 001. Idempotent.

BEGIN;

SELECT pg_advisory_xact_lock(5917768);

CREATE TABLE IF NOT EXISTS orleans_reminder
(
    service_id    varchar(150) NOT NULL,
    grain_id      text         NOT NULL,
    reminder_name text         NOT NULL,
    start_time    timestamptz  NOT NULL,
    period_ms     bigint       NOT NULL,
    grain_hash    integer      NOT NULL,
    version       integer      NOT NULL,
    CONSTRAINT orleans_reminder_pk PRIMARY KEY (service_id, grain_id, reminder_name)
);

CREATE INDEX IF NOT EXISTS orleans_reminder_ring
    ON orleans_reminder (service_id, grain_hash);

INSERT INTO OrleansQuery (QueryKey, QueryText)
VALUES
    ('ReadReminderRowKey', $q$
        SELECT grain_id      AS "GrainId",
               reminder_name AS "ReminderName",
               start_time    AS "StartTime",
               period_ms     AS "Period",
               version       AS "Version"
        FROM orleans_reminder
        WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
    $q$),

    ('ReadReminderRowsKey', $q$
        SELECT grain_id      AS "GrainId",
               reminder_name AS "ReminderName",
               start_time    AS "StartTime",
               period_ms     AS "Period",
               version       AS "Version"
        FROM orleans_reminder
        WHERE service_id = @ServiceId AND grain_id = @GrainId
    $q$),

    ('ReadRangeRows1Key', $q$
        SELECT grain_id      AS "GrainId",
               reminder_name AS "ReminderName",
               start_time    AS "StartTime",
               period_ms     AS "Period",
               version       AS "Version"
        FROM orleans_reminder
        WHERE service_id = @ServiceId
          AND grain_hash > @BeginHash AND grain_hash <= @EndHash
    $q$),

    ('ReadRangeRows2Key', $q$
        SELECT grain_id      AS "GrainId",
               reminder_name AS "ReminderName",
               start_time    AS "StartTime",
               period_ms     AS "Period",
               version       AS "Version"
        FROM orleans_reminder
        WHERE service_id = @ServiceId
          AND (grain_hash > @BeginHash OR grain_hash <= @EndHash)
    $q$),

    ('UpsertReminderRowKey', $q$
        INSERT INTO orleans_reminder AS r
            (service_id, grain_id, reminder_name, start_time, period_ms, grain_hash, version)
        VALUES
            (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
        ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
            SET start_time = EXCLUDED.start_time,
                period_ms  = EXCLUDED.period_ms,
                grain_hash = EXCLUDED.grain_hash,
                version    = r.version + 1
        RETURNING r.version AS "Version"
    $q$),

    -- One boolean: TRUE when the reminder existed at the caller's version and is gone.
    ('DeleteReminderRowKey', $q$
        WITH removed AS (
            DELETE FROM orleans_reminder
            WHERE service_id = @ServiceId AND grain_id = @GrainId
              AND reminder_name = @ReminderName AND version = @Version
            RETURNING 1
        )
        SELECT count(*) > 0 FROM removed
    $q$),

    ('DeleteReminderRowsKey', $q$
        DELETE FROM orleans_reminder
        WHERE service_id = @ServiceId
    $q$)
ON CONFLICT (QueryKey) DO UPDATE
    SET QueryText = EXCLUDED.QueryText
    WHERE OrleansQuery.QueryText IS DISTINCT FROM EXCLUDED.QueryText;

COMMIT;
