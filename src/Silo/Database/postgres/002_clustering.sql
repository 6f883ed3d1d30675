-- ZlhGrind PostgreSQL schema 002: cluster membership.
--
-- Serves: Microsoft.Orleans.Clustering.AdoNet (silos: UseAdoNetClustering on ISiloBuilder;
-- clients such as the gateway and the agents: UseAdoNetClustering on IClientBuilder).
-- The provider's @DeploymentId is the Orleans ClusterId.
--
-- The membership protocol needs optimistic concurrency over the whole table: every change to a
-- member row must name the table version it was based on (@Version, as last read) and moves
-- that version on by one; a stale @Version makes the change answer FALSE and touch nothing, and
-- Orleans re-reads and retries. Heartbeats (UpdateIAmAlivetimeKey) do not move the version.
-- Besides the nine required keys this registers CleanupDefunctSiloEntryKey, an optional key
-- that Clustering.AdoNet 10.4 uses, when present, for a race-free per-row cleanup.
-- Depends on 001. Idempotent.

BEGIN;

SELECT pg_advisory_xact_lock(5917768);

-- One row per cluster: the version the protocol compares against.
CREATE TABLE IF NOT EXISTS orleans_membership_version
(
    deployment_id varchar(150) NOT NULL,
    version       integer      NOT NULL DEFAULT 0,
    changed_at    timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT orleans_membership_version_pk PRIMARY KEY (deployment_id)
);

-- One row per silo incarnation (address, port and generation identify it).
CREATE TABLE IF NOT EXISTS orleans_membership
(
    deployment_id   varchar(150) NOT NULL,
    address         varchar(45)  NOT NULL,
    port            integer      NOT NULL,
    generation      integer      NOT NULL,
    silo_name       varchar(150) NOT NULL,
    host_name       varchar(150) NOT NULL,
    status          integer      NOT NULL,
    proxy_port      integer      NOT NULL DEFAULT 0,
    -- "silo,time|silo,time" as written by Orleans; opaque to the database.
    suspect_times   text         NULL,
    start_time      timestamptz  NOT NULL,
    i_am_alive_time timestamptz  NOT NULL,
    CONSTRAINT orleans_membership_pk PRIMARY KEY (deployment_id, address, port, generation),
    CONSTRAINT orleans_membership_version_fk FOREIGN KEY (deployment_id)
        REFERENCES orleans_membership_version (deployment_id) ON DELETE CASCADE
);

-- Adds a silo row if the table is still at p_expected_version; TRUE when the row went in.
-- Locking the version row first serializes every membership change of the cluster, so the
-- existence check and the insert below cannot race another writer.
CREATE OR REPLACE FUNCTION orleans_membership_insert(
    p_deployment_id    text,
    p_address          text,
    p_port             integer,
    p_generation       integer,
    p_silo_name        text,
    p_host_name        text,
    p_status           integer,
    p_proxy_port       integer,
    p_start_time       timestamptz,
    p_i_am_alive_time  timestamptz,
    p_expected_version integer)
RETURNS boolean
LANGUAGE plpgsql
AS $fn$
BEGIN
    PERFORM 1
    FROM orleans_membership_version
    WHERE deployment_id = p_deployment_id AND version = p_expected_version
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;   -- someone changed the table since the caller read it
    END IF;

    INSERT INTO orleans_membership
        (deployment_id, address, port, generation, silo_name, host_name, status, proxy_port,
         start_time, i_am_alive_time)
    VALUES
        (p_deployment_id, p_address, p_port, p_generation, coalesce(p_silo_name, ''),
         coalesce(p_host_name, ''), p_status, coalesce(p_proxy_port, 0), p_start_time,
         p_i_am_alive_time)
    ON CONFLICT (deployment_id, address, port, generation) DO NOTHING;
    IF NOT FOUND THEN
        RETURN false;   -- this incarnation is already registered
    END IF;

    UPDATE orleans_membership_version
    SET version = version + 1, changed_at = now()
    WHERE deployment_id = p_deployment_id;
    RETURN true;
END
$fn$;

-- Changes a silo row's status, suspicions and heartbeat if the table is still at
-- p_expected_version; TRUE when the row was changed.
CREATE OR REPLACE FUNCTION orleans_membership_update(
    p_deployment_id    text,
    p_address          text,
    p_port             integer,
    p_generation       integer,
    p_status           integer,
    p_suspect_times    text,
    p_i_am_alive_time  timestamptz,
    p_expected_version integer)
RETURNS boolean
LANGUAGE plpgsql
AS $fn$
BEGIN
    PERFORM 1
    FROM orleans_membership_version
    WHERE deployment_id = p_deployment_id AND version = p_expected_version
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE orleans_membership
    SET status = p_status, suspect_times = p_suspect_times, i_am_alive_time = p_i_am_alive_time
    WHERE deployment_id = p_deployment_id
      AND address = p_address AND port = p_port AND generation = p_generation;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE orleans_membership_version
    SET version = version + 1, changed_at = now()
    WHERE deployment_id = p_deployment_id;
    RETURN true;
END
$fn$;

-- Result columns are named exactly as the provider reads them (quoted aliases). Membership
-- reads always yield at least the version row: the provider takes the table version from the
-- first row and treats a row without StartTime as "no member".
INSERT INTO OrleansQuery (QueryKey, QueryText)
VALUES
    ('InsertMembershipVersionKey', $q$
        WITH created AS (
            INSERT INTO orleans_membership_version (deployment_id)
            VALUES (@DeploymentId)
            ON CONFLICT (deployment_id) DO NOTHING
            RETURNING 1
        )
        SELECT count(*) > 0 FROM created
    $q$),

    ('InsertMembershipKey', $q$
        SELECT orleans_membership_insert(
            p_deployment_id    => @DeploymentId,
            p_address          => @Address,
            p_port             => @Port,
            p_generation       => @Generation,
            p_silo_name        => @SiloName,
            p_host_name        => @HostName,
            p_status           => @Status,
            p_proxy_port       => @ProxyPort,
            p_start_time       => @StartTime,
            p_i_am_alive_time  => @IAmAliveTime,
            p_expected_version => @Version)
    $q$),

    ('UpdateMembershipKey', $q$
        SELECT orleans_membership_update(
            p_deployment_id    => @DeploymentId,
            p_address          => @Address,
            p_port             => @Port,
            p_generation       => @Generation,
            p_status           => @Status,
            p_suspect_times    => @SuspectTimes,
            p_i_am_alive_time  => @IAmAliveTime,
            p_expected_version => @Version)
    $q$),

    ('UpdateIAmAlivetimeKey', $q$
        UPDATE orleans_membership
        SET i_am_alive_time = @IAmAliveTime
        WHERE deployment_id = @DeploymentId
          AND address = @Address AND port = @Port AND generation = @Generation
    $q$),

    ('MembershipReadAllKey', $q$
        SELECT m.address         AS "Address",
               m.port            AS "Port",
               m.generation      AS "Generation",
               m.silo_name       AS "SiloName",
               m.host_name       AS "HostName",
               m.status          AS "Status",
               m.proxy_port      AS "ProxyPort",
               m.suspect_times   AS "SuspectTimes",
               m.start_time      AS "StartTime",
               m.i_am_alive_time AS "IAmAliveTime",
               v.version         AS "Version"
        FROM orleans_membership_version AS v
        LEFT JOIN orleans_membership AS m ON m.deployment_id = v.deployment_id
        WHERE v.deployment_id = @DeploymentId
    $q$),

    ('MembershipReadRowKey', $q$
        SELECT m.address         AS "Address",
               m.port            AS "Port",
               m.generation      AS "Generation",
               m.silo_name       AS "SiloName",
               m.host_name       AS "HostName",
               m.status          AS "Status",
               m.proxy_port      AS "ProxyPort",
               m.suspect_times   AS "SuspectTimes",
               m.start_time      AS "StartTime",
               m.i_am_alive_time AS "IAmAliveTime",
               v.version         AS "Version"
        FROM orleans_membership_version AS v
        LEFT JOIN orleans_membership AS m
               ON m.deployment_id = v.deployment_id
              AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
        WHERE v.deployment_id = @DeploymentId
    $q$),

    -- @Status is SiloStatus.Active; a ProxyPort of 0 means the silo takes no clients.
    ('GatewaysQueryKey', $q$
        SELECT address    AS "Address",
               proxy_port AS "ProxyPort",
               generation AS "Generation"
        FROM orleans_membership
        WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0
    $q$),

    -- Member rows go with the version row (ON DELETE CASCADE).
    ('DeleteMembershipTableEntriesKey', $q$
        DELETE FROM orleans_membership_version
        WHERE deployment_id = @DeploymentId
    $q$),

    -- Cleanup of defunct incarnations (DefunctSiloCleanupPeriod / DefunctSiloExpiration).
    -- The provider prefers the optional per-row key CleanupDefunctSiloEntryKey when it exists:
    -- it reads the table, picks rows that are Dead (SiloStatus 6) with StartTime and
    -- IAmAliveTime before the cutoff and no suspicion vote after it, and deletes each one only
    -- if it still holds the values it read (@StartTime, @IAmAliveTime, @SuspectTimes), so a row
    -- changed meanwhile survives. The bulk key is its fallback, same rule minus the votes.
    ('CleanupDefunctSiloEntryKey', $q$
        DELETE FROM orleans_membership
        WHERE deployment_id = @DeploymentId
          AND address = @Address AND port = @Port AND generation = @Generation
          AND status = 6
          AND start_time = @StartTime
          AND i_am_alive_time = @IAmAliveTime
          AND coalesce(suspect_times, '') = coalesce(@SuspectTimes, '')
    $q$),

    ('CleanupDefunctSiloEntriesKey', $q$
        DELETE FROM orleans_membership
        WHERE deployment_id = @DeploymentId
          AND status = 6
          AND start_time < @IAmAliveTime
          AND i_am_alive_time < @IAmAliveTime
    $q$)
ON CONFLICT (QueryKey) DO UPDATE
    SET QueryText = EXCLUDED.QueryText
    WHERE OrleansQuery.QueryText IS DISTINCT FROM EXCLUDED.QueryText;

COMMIT;
