using System.Diagnostics;

using ZlhGrind.Silo.Storage;

namespace ZlhGrind.Testing;

/// <summary>
/// A PostgreSQL server of the test's own (scripts/postgres.sh on a free loopback port, in a temporary directory), for
/// tests that stop and start the database; the shared test server is never touched.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly string _directory;
    private readonly int _port;

    private PrivatePostgres(string directory, int port, string connectionString)
    {
        _directory = directory;
        _port = port;
        ConnectionString = connectionString;
    }

    /// <summary>The server's <c>zlhgrind</c> database (no schema yet).</summary>
    public string ConnectionString { get; }

    public static async Task<PrivatePostgres> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("zlh-pg-").FullName;
        var port = FreePorts.Next();
        var connectionString = (await ScriptAsync("start", directory, port.ToString(System.Globalization.CultureInfo.InvariantCulture))).Trim();
        return new PrivatePostgres(directory, port, connectionString);
    }

    /// <summary>Applies the silo's schema (as <c>./zlh db migrate</c> does).</summary>
    public Task ApplySchemaAsync() => SchemaMigrator.ApplyAsync(StorageProvider.Postgres, ConnectionString);

    /// <summary>Stops the server (pg_ctl stop, fast mode: open connections are cut).</summary>
    public Task StopAsync() => ScriptAsync("stop", _directory);

    /// <summary>Starts the stopped server again on the same port and data.</summary>
    public Task StartAgainAsync() => ScriptAsync("start", _directory, _port.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static async Task<string> ScriptAsync(params string[] args)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(Repo.Root, "scripts", "postgres.sh"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0
            ? stdout
            : throw new InvalidOperationException($"postgres.sh {string.Join(' ', args)} exited {process.ExitCode}: {await stderr}");
    }
}
