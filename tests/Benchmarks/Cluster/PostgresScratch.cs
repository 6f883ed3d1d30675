using System.Security.Cryptography;
using Npgsql;

namespace ZlhGrind.Benchmarks.Cluster;

/// <summary>A database of its own on the given PostgreSQL server, dropped when the scenario ends.</summary>
internal sealed class PostgresScratch : IAsyncDisposable
{
    private readonly string _server;
    private readonly string _name;

    private PostgresScratch(string server, string name)
    {
        _server = server;
        _name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ToString();
    }

    /// <summary>The scratch database's connection string (the schema is applied by the first silo at start).</summary>
    public string ConnectionString { get; }

    public static async Task<PostgresScratch> CreateAsync(string server, CancellationToken cancellationToken)
    {
        var name = "zlh_bench_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();
        await ExecuteAsync(server, $"CREATE DATABASE {name}", cancellationToken);
        return new PostgresScratch(server, name);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(_server, $"DROP DATABASE IF EXISTS {_name} WITH (FORCE)", CancellationToken.None);
    }

    private static async Task ExecuteAsync(string server, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
