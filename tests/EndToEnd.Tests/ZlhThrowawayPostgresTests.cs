using System.Diagnostics;
using System.Globalization;
using Npgsql;
using ZlhGrind.EndToEnd.Tests.Platform;

namespace ZlhGrind.EndToEnd.Tests;

/// <summary>
/// The throwaway PostgreSQL of <c>./zlh test</c> and <c>./zlh bench</c> (<c>./zlh db throwaway</c> runs only that part)
/// from a clone inside a folder of mode 0700, as a new user's clone under root's home is: as root the cluster runs as
/// the <c>postgres</c> user, who cannot enter such a folder, so the cluster must live elsewhere and still be removed.
/// </summary>
public sealed class ZlhThrowawayPostgresTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("zlh-0700-");

    public void Dispose() => _home.Delete(recursive: true);

    [Fact]
    public async Task DbThrowaway_CloneInsideMode0700Folder_StartsServesAndRemovesItsCluster()
    {
        File.SetUnixFileMode(_home.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var clone = Path.Combine(_home.FullName, "zlhgrind");
        await RunAsync("git", "clone", "--quiet", Repo.Root, clone);
        var port = FreePorts.Next();

        var info = new ProcessStartInfo("bash") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = clone };
        foreach (var argument in new[] { Path.Combine(clone, "zlh"), "db", "throwaway", "bash", "-c", "printf '%s\\n' \"$ZLH_POSTGRES\"; read -r _" })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["ZLH_PG_PORT"] = port.ToString(CultureInfo.InvariantCulture);
        using var zlh = Process.Start(info)!;
        var stderr = zlh.StandardError.ReadToEndAsync();
        using var bound = new CancellationTokenSource(Bound);
        string dataDirectory;
        try
        {
            var connectionString = await zlh.StandardOutput.ReadLineAsync(bound.Token);
            if (connectionString is null)
            {
                Assert.Fail("./zlh db throwaway ran no command: " + await stderr);
            }

            Assert.Equal($"Host=127.0.0.1;Port={port};Username=postgres;Database=zlhgrind", connectionString);
            await using (var connection = new NpgsqlConnection(connectionString))
            {
                await connection.OpenAsync(bound.Token);
                Assert.Equal(42, await ScalarAsync<int>(connection, "SELECT 41 + 1", bound.Token));
                dataDirectory = await ScalarAsync<string>(connection, "SELECT current_setting('data_directory')", bound.Token);
            }

            NpgsqlConnection.ClearAllPools();
            await zlh.StandardInput.WriteLineAsync();
            zlh.StandardInput.Close();
            await zlh.WaitForExitAsync(bound.Token);
        }
        catch
        {
            zlh.Kill(entireProcessTree: true);
            throw;
        }

        Assert.True(zlh.ExitCode == 0, $"./zlh db throwaway exited {zlh.ExitCode}: {await stderr}");
        var cluster = Path.GetDirectoryName(dataDirectory)!;
        Assert.StartsWith("/tmp/zlh-postgres.", cluster, StringComparison.Ordinal);
        Assert.False(Directory.Exists(cluster), $"{cluster} was left behind");
        await using var after = new NpgsqlConnection($"Host=127.0.0.1;Port={port};Username=postgres;Database=zlhgrind;Timeout=5");
        await Assert.ThrowsAsync<NpgsqlException>(() => after.OpenAsync());
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task RunAsync(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await stderr}");
    }
}
