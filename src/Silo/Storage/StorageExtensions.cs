using System.Data.Common;
using Microsoft.Data.Sqlite;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;

namespace ZlhGrind.Silo.Storage;

/// <summary>Wires grain storage and reminders for the configured provider.</summary>
internal static class StorageExtensions
{
    /// <summary>The ADO.NET invariant the Orleans providers know SQLite by; Microsoft.Data.Sqlite serves it.</summary>
    public const string SqliteInvariant = "System.Data.SQLite";

    public const string PostgresInvariant = "Npgsql";

    public static ISiloBuilder AddZlhStorage(this ISiloBuilder builder, StorageOptions storage)
    {
        switch (storage.Provider)
        {
            case StorageProvider.Postgres:
                builder.AddAdoNetStorage(StorageNames.Containers, PostgresInvariant, storage.ConnectionString!);
                builder.AddAdoNetStorage(StorageNames.PubSub, PostgresInvariant, storage.ConnectionString!);
                builder.UseAdoNetReminderService(o =>
                {
                    o.Invariant = PostgresInvariant;
                    o.ConnectionString = storage.ConnectionString;
                });
                break;

            case StorageProvider.Sqlite:
                var connectionString = SqliteConnectionString(storage.SqlitePath);
                DbProviderFactories.RegisterFactory(SqliteInvariant, SqliteFactory.Instance);
                builder.AddAdoNetStorage(StorageNames.Containers, SqliteInvariant, connectionString);
                builder.AddMemoryGrainStorage(StorageNames.PubSub);
                builder.UseInMemoryReminderService();
                break;

            default:
                // Orleans' binary format here too: the memory provider's default JSON cannot read back every record.
                builder.AddMemoryGrainStorage(StorageNames.Containers, options =>
                    options.Configure<Serializer>((o, serializer) => o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer)));
                builder.AddMemoryGrainStorage(StorageNames.PubSub);
                builder.UseInMemoryReminderService();
                break;
        }

        return builder;
    }

    /// <summary>Creates the SQLite file's folder and applies the schema; for PostgreSQL only when asked.</summary>
    public static async Task PrepareAsync(StorageOptions storage, CancellationToken cancellationToken = default)
    {
        if (storage.Provider == StorageProvider.Sqlite)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(storage.SqlitePath))!);
            await SchemaMigrator.ApplyAsync(StorageProvider.Sqlite, SqliteConnectionString(storage.SqlitePath), cancellationToken);
        }
        else if (storage.Provider == StorageProvider.Postgres && storage.MigrateOnStart)
        {
            await SchemaMigrator.ApplyAsync(StorageProvider.Postgres, storage.ConnectionString!, cancellationToken);
        }
    }

    public static string SqliteConnectionString(string path) =>
        new SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(path), Pooling = true }.ToString();

    private static void AddAdoNetStorage(this ISiloBuilder builder, string name, string invariant, string connectionString)
    {
        builder.AddAdoNetGrainStorage(name, (Microsoft.Extensions.Options.OptionsBuilder<AdoNetGrainStorageOptions> options) =>
            options.Configure<Serializer>((o, serializer) =>
            {
                o.Invariant = invariant;
                o.ConnectionString = connectionString;

                // Orleans' own versioned binary format: stored records evolve by [Id], like the wire contracts.
                o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
            }));

        // Registered after Orleans' own, so this one is resolved for the name: a database failure reaches callers as
        // "Storage is unavailable" (issue 17).
        builder.Services.AddKeyedSingleton<IGrainStorage>(name, static (services, key) =>
            new ZlhGrind.Silo.Hosting.StorageOutageGrainStorage(AdoNetGrainStorageFactory.Create(services, (string)key!)));
    }
}
