using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Configuration;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Silo.Hosting;

namespace ZlhGrind.Gateway.Tests.Cluster;

/// <summary>
/// A silo whose membership lives in a fresh database on the throwaway PostgreSQL of <c>./zlh test</c>
/// (ZLH_TEST_POSTGRES), the production clustering; the silo applies the project's schema at start.
/// </summary>
public sealed class PostgresSiloFixture : IAsyncLifetime
{
    public const string ServerVariable = "ZLH_TEST_POSTGRES";

    private string _database = "";
    private IHost _silo = null!;

    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var server = Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{ServerVariable} is not set: run the suite with ./zlh test, which starts a throwaway PostgreSQL.");
        _database = "zlh_gw_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync(server, $"CREATE DATABASE {_database}");
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = _database }.ToString();

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cluster:ServiceKey"] = GatewayFixture.ServiceKey,
            ["Storage:Provider"] = "Postgres",
            ["Storage:ConnectionString"] = ConnectionString,
            ["Storage:MigrateOnStart"] = "true",
        }.With(TestTls.Silo(requireClientCertificate: true))).Build();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = "zlhgrind";
                o.ServiceId = "zlhgrind";
            });
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = ConnectionString;
            });
            silo.ConfigureEndpoints(IPAddress.Loopback, FreePorts.Next(), FreePorts.Next(), listenOnAnyHostAddress: false);
            silo.AddZlhGrind(configuration);
        });
        _silo = builder.Build();
        await _silo.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _silo.StopAsync();
        _silo.Dispose();
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(Environment.GetEnvironmentVariable(ServerVariable)!, $"DROP DATABASE IF EXISTS {_database} WITH (FORCE)");
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

public sealed class PostgresClusterTests(PostgresSiloFixture silo) : IClassFixture<PostgresSiloFixture>
{
    [Fact]
    public async Task Gateway_PostgresMode_FindsSiloThroughMembershipTableAndServesApi()
    {
        var app = GatewayApp.Build([], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Auth:Issuer"] = TestTokens.Issuer,
            ["Auth:Audience"] = TestTokens.Audience,
            ["Auth:SigningKey"] = TestTokens.SigningKey,
            ["Cluster:Mode"] = "Postgres",
            ["Cluster:ConnectionString"] = silo.ConnectionString,
            ["Cluster:ServiceKey"] = GatewayFixture.ServiceKey,
        }.With(TestTls.Gateway())));
        await app.StartAsync();
        await using var gateway = app;
        using var http = new HttpClient { BaseAddress = new Uri(gateway.Urls.First()) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.For("pg-user"));

        var ready = await http.GetAsync("/readyz");
        var created = await http.PostAsync("/api/servers", System.Net.Http.Json.JsonContent.Create(new { template = "generic", startCommand = "java -jar server.jar", memoryMb = 1024 }));

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }
}
