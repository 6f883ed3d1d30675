using Npgsql;

namespace ZlhGrind.EndToEnd.Tests.Platform;

/// <summary>A fresh database, with the schema applied, on the throwaway PostgreSQL that <c>./zlh test</c> starts.</summary>
internal sealed class PostgresDatabase
{
    private readonly string _name;

    private PostgresDatabase(string name, string connectionString)
    {
        _name = name;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    private static string Server => Environment.GetEnvironmentVariable("ZLH_TEST_POSTGRES") is { Length: > 0 } server
        ? server
        : throw new InvalidOperationException("ZLH_TEST_POSTGRES is not set: run the suite with ./zlh test, which starts a throwaway PostgreSQL.");

    public static async Task<PostgresDatabase> CreateAsync()
    {
        var name = "zlh_e2e_" + Guid.NewGuid().ToString("N")[..10];
        await ExecuteAsync(Server, $"CREATE DATABASE {name}");
        var connectionString = new NpgsqlConnectionStringBuilder(Server) { Database = name }.ToString();
        foreach (var script in Directory.GetFiles(Path.Combine(Repo.Root, "src", "Silo", "Database", "postgres"), "*.sql").Order(StringComparer.Ordinal))
        {
            await ExecuteAsync(connectionString, await File.ReadAllTextAsync(script));
        }

        return new PostgresDatabase(name, connectionString);
    }

    public async Task DropAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(Server, $"DROP DATABASE IF EXISTS {_name} WITH (FORCE)");
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
