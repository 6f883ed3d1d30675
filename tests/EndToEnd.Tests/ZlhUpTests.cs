using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ZlhGrind.EndToEnd.Tests.Platform;

namespace ZlhGrind.EndToEnd.Tests;

/// <summary><c>./zlh up</c> exactly as the README tells a new user, twice, on ports and a state folder of its own.</summary>
[Collection(PlatformCollection.Name)]
public sealed class ZlhUpTests : IAsyncLifetime
{
    private readonly string _state = Directory.CreateTempSubdirectory("zlh-up-").FullName;
    private readonly Dictionary<string, string> _environment;

    public ZlhUpTests()
    {
        _environment = new Dictionary<string, string>
        {
            ["ZLH_STATE_DIR"] = _state,
            ["ZLH_NO_BUILD"] = "1",
            ["ZLH_CONFIGURATION"] = Repo.Configuration,
        };
        foreach (var port in new[] { "ZLH_GATEWAY_PORT", "ZLH_DASHBOARD_PORT", "ZLH_SILO_PORT", "ZLH_SILO_GATEWAY_PORT", "ZLH_ARTIFACT_PORT", "ZLH_IDE_PORT" })
        {
            _environment[port] = FreePorts.Next().ToString(CultureInfo.InvariantCulture);
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>
    /// Whatever happened in the test, the run leaves nothing: a game server an agent left running (an agent killed
    /// after its grace period leaves it for a reattachment) is ended by its launch record, then nothing may remain.
    /// </summary>
    public async Task DisposeAsync()
    {
        RunProcesses.StopGameServers(_state);
        var leftOver = await RunProcesses.LeftOverAsync(_state);
        Directory.Delete(_state, recursive: true);
        Assert.Empty(leftOver);
    }

    [Fact]
    public async Task Up_TwiceWithCtrlCBetween_WritesEnvStopsEverythingAndKeepsState()
    {
        long gameId;
        await using (var first = await UpAsync())
        {
            var env = first.Env;
            gameId = long.Parse(env["ZLH_GAME_ID"], CultureInfo.InvariantCulture);
            var dev = await GetAsync(env, $"/api/servers/{env["ZLH_DEV_ID"]}/status");
            Assert.True(dev.GetProperty("dev").GetProperty("provisioningComplete").GetBoolean());
            Assert.Equal(HttpStatusCode.OK, await OpenIdeAsync(env));
            await Wait.UntilAsync<object>(async () => (await GetAsync(env, $"/api/servers/{gameId}/status")).GetProperty("state").GetString() == "Running" ? true : null, TimeSpan.FromSeconds(60), "the demo game server running");
            await File.AppendAllTextAsync(Path.Combine(_state, "agents", env["ZLH_GAME_ID"], "game", "run", "console.in"), "crash exit 5\n");
            await Wait.UntilAsync<object>(async () => (await GetAsync(env, $"/api/servers/{gameId}/crashes")).GetArrayLength() == 1 ? true : null, TimeSpan.FromSeconds(60), "the crash recorded");

            var started = first.StartedPids();
            await first.CtrlCAsync();

            Assert.False(File.Exists(Path.Combine(_state, "run", "env")));
            Assert.All(started, pid => Assert.False(IsAlive(pid), $"pid {pid} survived Ctrl-C"));
            Assert.Empty(RunProcesses.Under(_state));
        }

        await using var second = await UpAsync();
        var crashes = await GetAsync(second.Env, $"/api/servers/{gameId}/crashes");
        Assert.Equal(5, crashes[0].GetProperty("exitCode").GetInt32());
        await second.CtrlCAsync();
        Assert.Empty(RunProcesses.Under(_state));
    }

    private async Task<Stack> UpAsync()
    {
        // A shell cannot trap a signal that was ignored when it started, and a suite launched as a background job (`&`)
        // starts with SIGINT ignored; `env --default-signal` gives ./zlh up the disposition a terminal would.
        var info = new ProcessStartInfo("env") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = Repo.Root };
        info.ArgumentList.Add("--default-signal=INT");
        info.ArgumentList.Add("bash");
        info.ArgumentList.Add(Path.Combine(Repo.Root, "zlh"));
        info.ArgumentList.Add("up");
        foreach (var (key, value) in _environment)
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info)!;
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // The file appears before its last line is written: wait for that line.
        var envFile = Path.Combine(_state, "run", "env");
        try
        {
            await Wait.UntilAsync<object>(
                () => process.HasExited ? throw new InvalidOperationException("./zlh up exited:\n" + output) : Task.FromResult<object?>(File.Exists(envFile) && File.ReadAllText(envFile).Contains("ZLH_DEV_ID=", StringComparison.Ordinal) ? true : null),
                TimeSpan.FromMinutes(4),
                ".zlh/run/env");
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var env = File.ReadAllLines(envFile).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        return new Stack(process, env, _state);
    }

    /// <summary>
    /// Opens the dev container's IDE through the gateway as a browser would: the stack set the container's address
    /// and allows exactly its IDE port on loopback, so the tunnel reaches the stand-in IDE.
    /// </summary>
    private static async Task<HttpStatusCode> OpenIdeAsync(Dictionary<string, string> env)
    {
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        using var issue = new HttpRequestMessage(HttpMethod.Post, $"{env["ZLH_GATEWAY_URL"]}/api/dev/{env["ZLH_DEV_ID"]}/ide-token");
        issue.Headers.Authorization = new AuthenticationHeaderValue("Bearer", env["ZLH_TOKEN"]);
        using var grant = await http.SendAsync(issue);
        var url = JsonDocument.Parse(await grant.EnsureSuccessStatusCode().Content.ReadAsStringAsync()).RootElement.GetProperty("url").GetString();
        using var bootstrap = await http.GetAsync(env["ZLH_GATEWAY_URL"] + url);
        using var page = new HttpRequestMessage(HttpMethod.Get, env["ZLH_GATEWAY_URL"] + bootstrap.Headers.Location!.OriginalString);
        page.Headers.Add("Cookie", bootstrap.Headers.GetValues("Set-Cookie").Single().Split(';')[0]);
        using var ide = await http.SendAsync(page);
        return ide.StatusCode;
    }

    private static async Task<JsonElement> GetAsync(Dictionary<string, string> env, string path)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, env["ZLH_GATEWAY_URL"] + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", env["ZLH_TOKEN"]);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}");

    private sealed class Stack(Process process, Dictionary<string, string> env, string state) : IAsyncDisposable
    {
        public Dictionary<string, string> Env { get; } = env;

        public int[] StartedPids() => Directory.GetFiles(Path.Combine(state, "run"), "*.pid")
            .Select(f => int.Parse(File.ReadAllText(f).Trim(), CultureInfo.InvariantCulture)).ToArray();

        /// <summary>What Ctrl-C in the terminal sends to ./zlh up.</summary>
        public async Task CtrlCAsync()
        {
            using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await process.WaitForExitAsync(timeout.Token);
        }

        public async ValueTask DisposeAsync()
        {
            // Cleanup after a failure inside the test: a Ctrl-C that does not finish must not hide that failure, so the
            // stack we started is then ended by its PID. The test itself asserts the Ctrl-C path.
            if (!process.HasExited)
            {
                try
                {
                    await CtrlCAsync();
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                }
            }

            process.Dispose();
        }
    }
}
