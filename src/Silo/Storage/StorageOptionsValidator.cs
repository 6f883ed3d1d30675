namespace ZlhGrind.Silo.Storage;

/// <summary>Checks the <c>Storage</c> section at start.</summary>
internal sealed class StorageOptionsValidator() : SectionValidator<StorageOptions>(StorageOptions.SectionName, static (options, failures) => failures
    .Require(Enum.IsDefined(options.Provider), nameof(options.Provider), "must be Memory, Sqlite or Postgres.")
    .Require(options.Provider != StorageProvider.Postgres || !string.IsNullOrWhiteSpace(options.ConnectionString), nameof(options.ConnectionString), "is required when Storage:Provider is Postgres.")
    .Require(options.Provider != StorageProvider.Sqlite || !string.IsNullOrWhiteSpace(options.SqlitePath), nameof(options.SqlitePath), "is required when Storage:Provider is Sqlite."));
