namespace ZlhGrind.Silo.Storage;

/// <summary>Where grain state, membership and reminders live.</summary>
internal enum StorageProvider
{
    /// <summary>In memory: tests only; nothing survives a restart.</summary>
    Memory = 0,

    /// <summary>The embedded default: a SQLite file for grain state, localhost clustering, in-memory reminders.</summary>
    Sqlite = 1,

    /// <summary>Production: PostgreSQL for clustering, grain state and reminders.</summary>
    Postgres = 2,
}

/// <summary>Storage configuration (section <c>Storage</c>).</summary>
internal sealed class StorageOptions
{
    public const string SectionName = "Storage";

    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>PostgreSQL connection string (Provider = Postgres).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The SQLite database file (Provider = Sqlite); relative paths are relative to the working directory.</summary>
    public string SqlitePath { get; set; } = ".zlh/silo.db";

    /// <summary>Apply the project's schema at start (always done for SQLite, opt-in for PostgreSQL).</summary>
    public bool MigrateOnStart { get; set; }

    /// <summary>
    /// The section as bound, unchecked: which providers a silo registers is decided while its services are built;
    /// <see cref="StorageOptionsValidator"/> checks the same values at start, before anything connects.
    /// </summary>
    public static StorageOptions Bind(IConfiguration configuration) =>
        configuration.GetSection(SectionName).Get<StorageOptions>() ?? new StorageOptions();
}
