using Npgsql;

namespace ZlhGrind.Silo.Storage;

/// <summary>
/// <c>db migrate</c>: applies the project's PostgreSQL schema with <see cref="SchemaMigrator"/>, the same code a silo
/// runs with <c>Storage:MigrateOnStart</c>, so there is one way the schema is applied. The connection string comes
/// from <c>ZLH_POSTGRES</c>, never from the command line, where every user of the machine could read its password.
/// </summary>
internal static class SchemaCommand
{
    public const string Name = "db";
    public const string ConnectionVariable = "ZLH_POSTGRES";

    public static async Task<int> RunAsync(string[] args, string? connectionString, TextWriter output, TextWriter error)
    {
        if (args is not [Name, "migrate"])
        {
            await error.WriteLineAsync($"usage: ZlhGrind.Silo db migrate   (applies the PostgreSQL schema to the database named by {ConnectionVariable})");
            return 2;
        }

        if (string.IsNullOrWhiteSpace(connectionString))
        {
            await error.WriteLineAsync($"db migrate: set {ConnectionVariable} to the connection string (e.g. Host=127.0.0.1;Port=5432;Username=postgres;Database=zlhgrind)");
            return 2;
        }

        try
        {
            var target = new NpgsqlConnectionStringBuilder(connectionString);
            var applied = await SchemaMigrator.ApplyAsync(StorageProvider.Postgres, connectionString);
            await output.WriteLineAsync($"db migrate: schema applied to {target.Host}:{target.Port}/{target.Database} ({applied} files)");
            return 0;
        }
        catch (Exception ex) when (ex is ArgumentException or NpgsqlException or IOException or InvalidOperationException)
        {
            await error.WriteLineAsync("db migrate: " + ex.Message);
            return 1;
        }
    }
}
