using System.Globalization;
using ZlhGrind.Agent.Processes;

namespace ZlhGrind.Agent.Tests.TestSupport;

/// <summary>A real user account made for one test (needs root) and deleted with its home afterwards.</summary>
internal sealed class ThrowawayUser : IAsyncDisposable
{
    private ThrowawayUser(string name, int uid)
    {
        Name = name;
        Uid = uid;
    }

    public string Name { get; }

    public int Uid { get; }

    /// <summary>A fresh name in the form tests use (zlhtest + 8 hex digits), so a leftover is recognisable.</summary>
    public static string NewName() => "zlhtest" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Creates the user with its own group; with <paramref name="home"/> its home is created there, else it has none.</summary>
    public static async Task<ThrowawayUser> CreateAsync(string? home = null, string? name = null)
    {
        name ??= NewName();
        string[] homeArguments = home is null ? ["--no-create-home", "--home-dir", "/nonexistent"] : ["--create-home", "--home-dir", home];
        await ProcessRunner.RunAsync("useradd", [.. homeArguments, "--shell", "/bin/sh", "--user-group", name], environment: null);
        return new ThrowawayUser(name, int.Parse(await ProcessRunner.RunAsync("id", "-u", name), CultureInfo.InvariantCulture));
    }

    /// <summary>Runs a command as this user, as someone with a shell in the container would.</summary>
    public Task<string> RunAsync(string command, params string[] arguments) =>
        ProcessRunner.RunAsync("runuser", ["-u", Name, "--", command, .. arguments], environment: null);

    public async ValueTask DisposeAsync() =>
        await CommandRunner.RunAsync("userdel", ["--remove", Name], TimeSpan.FromSeconds(30), CancellationToken.None);
}
