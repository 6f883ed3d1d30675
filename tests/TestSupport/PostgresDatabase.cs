using System.Security.Cryptography;
using Npgsql;
using Xunit;
using ZlhGrind.Silo.Storage;

namespace ZlhGrind.Testing;

/// <summary>
/// A database of its own on a PostgreSQL server — by default the throwaway one <c>./zlh test</c> starts
/// (ZLH_TEST_POSTGRES) — with the project's schema applied by the silo's own migrator unless asked not to, dropped at the
/// end. As a class fixture (<see cref="IAsyncLifetime"/>) it is created before the class's first test.
/// </summary>
public sealed class PostgresDatabase : IAsyncLifetime
{
    public const string ServerVariable = "ZLH_TEST_POSTGRES";

    private readonly string? _server;
    private readonly string _prefix;
    private readonly bool _applySchema;
    private string _name = "";

    public PostgresDatabase()
        : this(server: null, prefix: "zlh_", applySchema: true)
    {
    }

    private PostgresDatabase(string? server, string prefix, bool applySchema)
    {
        _server = server;
        _prefix = prefix;
        _applySchema = applySchema;
    }

    public string ConnectionString { get; private set; } = "";

    /// <summary>The test server's connection string (ZLH_TEST_POSTGRES), with a clear message when it is missing.</summary>
    public static string Server => Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } server
        ? server
        : throw new InvalidOperationException($"{ServerVariable} is not set: run the suite with ./zlh test, which starts a throwaway PostgreSQL.");

    /// <summary>
    /// Creates a database named <paramref name="prefix"/> and a random suffix on <paramref name="server"/> (the test
    /// server when null); <paramref name="applySchema"/> false leaves it empty, for a silo that applies the schema itself.
    /// </summary>
    public static async Task<PostgresDatabase> CreateAsync(string? server = null, string prefix = "zlh_", bool applySchema = true, CancellationToken cancellationToken = default)
    {
        var database = new PostgresDatabase(server, prefix, applySchema);
        await database.CreateAsync(cancellationToken);
        return database;
    }

    public Task InitializeAsync() => CreateAsync(CancellationToken.None);

    public Task DisposeAsync() => DropAsync();

    public async Task DropAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteOnServerAsync($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)", CancellationToken.None);
    }

    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The silo's storage settings for this database, plus <paramref name="extra"/>.</summary>
    public IDictionary<string, string?> SiloConfiguration(IDictionary<string, string?>? extra = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Postgres",
            ["Storage:ConnectionString"] = ConnectionString,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        return values;
    }

    private async Task CreateAsync(CancellationToken cancellationToken)
    {
        _name = _prefix + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();
        await ExecuteOnServerAsync($"CREATE DATABASE {_name}", cancellationToken);
        ConnectionString = new NpgsqlConnectionStringBuilder(_server ?? Server) { Database = _name }.ToString();
        if (_applySchema)
        {
            await SchemaMigrator.ApplyAsync(StorageProvider.Postgres, ConnectionString, cancellationToken);
        }
    }

    private async Task ExecuteOnServerAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(_server ?? Server);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
