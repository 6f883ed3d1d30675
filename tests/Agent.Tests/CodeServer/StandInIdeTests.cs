using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Tools.StandInIde;

namespace ZlhGrind.Agent.Tests.CodeServer;

[Collection(CodeServerCollection.Name)]
public sealed class StandInIdeTests
{
    [Fact]
    public async Task Package_Launcher_ServesPageEchoesTextAndBinaryAndRecordsHeaders()
    {
        using var root = new TempDirectory();
        var archive = root.Combine("ide.tar.gz");
        await File.WriteAllBytesAsync(archive, StandInIdeArtifact.Bytes);
        await ProcessRunner.RunAsync("tar", "-xzf", archive, "-C", root.Path);
        var port = FreePorts.Next();
        using var process = Process.Start(new ProcessStartInfo(root.Combine("bin", "code-server"), ["--bind-addr", $"127.0.0.1:{port}", "--auth", "none", "--disable-telemetry"])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        try
        {
            var ignored = await process.StandardOutput.ReadLineAsync();
            var listening = await process.StandardOutput.ReadLineAsync();
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

            var page = await http.GetStringAsync(new Uri("/", UriKind.Relative));
            var health = await http.GetFromJsonAsync<JsonElement>(new Uri("/healthz", UriKind.Relative));
            using var socket = new ClientWebSocket();
            socket.Options.SetRequestHeader("X-Test-Header", "seen-by-upstream");
            await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/echo"), CancellationToken.None);
            var text = await EchoAsync(socket, Encoding.UTF8.GetBytes("hello ide"), WebSocketMessageType.Text);
            var binary = await EchoAsync(socket, [0, 1, 2, 255], WebSocketMessageType.Binary);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
            var requests = await http.GetFromJsonAsync<JsonElement>(new Uri("/__standin/requests", UriKind.Relative));

            Assert.Equal("ignoring arguments: --disable-telemetry", ignored);
            Assert.Equal($"HTTP server listening on http://127.0.0.1:{port}/", listening);
            Assert.Contains("new WebSocket(url)", page, StringComparison.Ordinal);
            Assert.Equal("alive", health.GetProperty("status").GetString());
            Assert.Equal(("hello ide", WebSocketMessageType.Text), (Encoding.UTF8.GetString(text.Payload), text.Type));
            Assert.Equal([0, 1, 2, 255], binary.Payload);
            Assert.Equal(WebSocketMessageType.Binary, binary.Type);
            var upgrade = requests.EnumerateArray().Single(request => request.GetProperty("webSocket").GetBoolean());
            Assert.Equal("/echo", upgrade.GetProperty("path").GetString());
            Assert.Equal("seen-by-upstream", upgrade.GetProperty("headers").GetProperty("X-Test-Header")[0].GetString());
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Package_VersionFlag_PrintsVersionAndExits()
    {
        using var root = new TempDirectory();
        var archive = root.Combine("ide.tar.gz");
        await File.WriteAllBytesAsync(archive, StandInIdeArtifact.Bytes);
        await ProcessRunner.RunAsync("tar", "-xzf", archive, "-C", root.Path);

        var version = await ProcessRunner.RunAsync(root.Combine("bin", "code-server"), "--version");

        Assert.Equal("4.0.0-zlh-standin", version);
        Assert.Equal(StandInIdePackage.EntryPoint, "bin/code-server");
    }

    private static async Task<(byte[] Payload, WebSocketMessageType Type)> EchoAsync(ClientWebSocket socket, byte[] payload, WebSocketMessageType type)
    {
        await socket.SendAsync(payload, type, endOfMessage: true, CancellationToken.None);
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = await socket.ReceiveAsync(buffer, timeout.Token);
        return (buffer[..received.Count], received.MessageType);
    }
}
