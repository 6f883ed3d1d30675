using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ZlhGrind.Silo.Storage;

/// <summary>
/// Applies the project's own schema (<c>Database/&lt;provider&gt;/*.sql</c>, in name order). Every script is
/// idempotent, so applying the set again is harmless.
/// </summary>
internal static class SchemaMigrator
{
    public static string ScriptDirectory(StorageProvider provider) =>
        Path.Combine(AppContext.BaseDirectory, "Database", provider == StorageProvider.Postgres ? "postgres" : "sqlite");

    public static async Task<int> ApplyAsync(StorageProvider provider, string connectionString, CancellationToken cancellationToken = default)
    {
        var scripts = Directory.GetFiles(ScriptDirectory(provider), "*.sql").Order(StringComparer.Ordinal).ToArray();
        if (scripts.Length == 0)
        {
            throw new InvalidOperationException($"No schema scripts found in {ScriptDirectory(provider)}.");
        }

        await using DbConnection connection = provider == StorageProvider.Postgres
            ? new NpgsqlConnection(connectionString)
            : new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        foreach (var script in scripts)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = await File.ReadAllTextAsync(script, cancellationToken);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return scripts.Length;
    }
}
