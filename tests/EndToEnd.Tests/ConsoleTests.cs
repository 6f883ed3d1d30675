using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ZlhGrind.EndToEnd.Tests.Platform;

namespace ZlhGrind.EndToEnd.Tests;

/// <summary>The game console with every part a real process: a browser-side WebSocket client, the gateway, the silo, the agent and its server.</summary>
[Collection(PlatformCollection.Name)]
public sealed class ConsoleTests(PlatformFixture shared)
{
    private static string State(JsonElement s) => s.GetProperty("state").GetString()!;

    private static string Type(JsonElement frame) => frame.GetProperty("type").GetString()!;

    [Fact]
    public async Task Console_ServerLifecycleAgentKilledAndRestarted_StateFramesInOrderResumeWithoutGapOrDuplicateAndHistoryKept()
    {
        var platform = await shared.GetAsync();
        var (id, credential) = await platform.ProvisionGameAsync();
        var settings = new Dictionary<string, string> { ["Agent__Supervision__Backoff__0"] = "00:00:01" };
        platform.StartAgent(id, "game", credential, settings);
        await platform.WaitForStatusAsync(id, s => State(s) == "Stopped", "installed and stopped");

        // A socket open while the server is started: its state on connect, then every change, then its output.
        using var first = await OpenAsync(platform, id, since: null);
        await first.ReadUntilAsync("state");
        await platform.SendAsync(HttpMethod.Post, $"/api/servers/{id}/power", platform.Token, new { action = "start" });
        await first.ReadUntilAsync("state", f => f.GetProperty("state").GetString() == "Running");
        await first.OutputContainingAsync("Done (");
        await first.SendAsync(new { type = "command", data = "say before the agent dies" });
        await first.OutputContainingAsync("[Server] before the agent dies");
        Assert.Equal(["Stopped", "Starting", "Running"], first.States);
        var resumeAt = first.Next;
        var before = first.Bytes;

        // The agent dies and a new one takes over the running server; the browser resumes from the last byte it has.
        await platform.Process($"agent-{id}").KillAsync();
        first.Socket.Abort();
        await using var agent = platform.StartAgent(id, "game", credential, settings);
        var second = await Wait.UntilAsync<ConsoleSocketClient>(
            async () =>
            {
                ConsoleSocketClient client;
                try
                {
                    client = await OpenAsync(platform, id, resumeAt);
                }
                catch (WebSocketException)
                {
                    // Refused at the upgrade (503) until the new agent has registered its console: the same wait as below.
                    return null;
                }

                try
                {
                    await client.SendAsync(new { type = "command", data = "say after the agent came back" });
                    var answer = await client.ReadUntilAsync(null, f => Type(f) is "error" or "closed" || client.Text.Contains("[Server] after the agent came back", StringComparison.Ordinal));
                    if (Type(answer) is not ("error" or "closed"))
                    {
                        return client;
                    }
                }
                catch (WebSocketException)
                {
                }

                // The new agent has not registered its console yet (the dead one's reference did not answer).
                client.Dispose();
                return null;
            },
            TimeSpan.FromSeconds(60),
            "the new agent's console");
        using (second)
        {
            // A crash and a stop while watching: the states in order, and the history survives both.
            await second.SendAsync(new { type = "command", data = "crash exit 3" });
            await second.ReadUntilAsync("state", f => f.GetProperty("state").GetString() == "Running");
            await second.OutputContainingAsync("Done (");
            await platform.SendAsync(HttpMethod.Post, $"/api/servers/{id}/power", platform.Token, new { action = "stop" });
            await second.ReadUntilAsync("state", f => f.GetProperty("state").GetString() == "Stopped");

            Assert.Equal(resumeAt, second.Output[0].Offset);
            second.AssertContiguousFrom(resumeAt);
            // The grain publishes the changes of one agent report with the status after all of them, so a crash and
            // the restart after a 1 s backoff that travel in one report arrive as one change (to Starting).
            string[] expected = second.States.Contains("Crashed")
                ? ["Running", "Crashed", "Starting", "Running", "Stopping", "Stopped"]
                : ["Running", "Starting", "Running", "Stopping", "Stopped"];
            Assert.True(expected.SequenceEqual(second.States), string.Join(", ", second.States));
        }

        var log = await File.ReadAllBytesAsync(Path.Combine(platform.AgentData(id), "game", "run", "console.log"));
        using var history = await OpenAsync(platform, id, since: 0);
        await history.ReadUntilAsync(null, _ => history.Next == log.Length);

        Assert.Equal(log.AsSpan(0, before.Length).ToArray(), before);
        Assert.Equal(log, history.Bytes);
        history.AssertContiguousFrom(0);
        Assert.Equal(2, CountOccurrences(Encoding.UTF8.GetString(log), "Done ("));
        Assert.Contains("Stopping with exit code 3", Encoding.UTF8.GetString(log), StringComparison.Ordinal);
        Assert.Contains("All dimensions are saved", Encoding.UTF8.GetString(log), StringComparison.Ordinal);
        Assert.Equal(["Stopped"], history.States);
    }

    private static int CountOccurrences(string text, string what)
    {
        var count = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static async Task<ConsoleSocketClient> OpenAsync(Platform.Platform platform, long id, long? since)
    {
        var ticket = await platform.SendAsync(HttpMethod.Post, $"/api/servers/{id}/console/ticket", platform.Token);
        var url = ticket.GetProperty("url").GetString()! + (since is { } s ? $"&since={s}" : "");
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(platform.GatewayUrl.Replace("http://", "ws://", StringComparison.Ordinal) + url), CancellationToken.None);
        return new ConsoleSocketClient(socket);
    }

    /// <summary>A browser's side of the console socket: output bytes by offset (the frames' <c>end</c>), states in order.</summary>
    private sealed class ConsoleSocketClient(ClientWebSocket socket) : IDisposable
    {
        public ClientWebSocket Socket => socket;

        public List<(long Offset, byte[] Data)> Output { get; } = [];

        public List<string> States { get; } = [];

        public byte[] Bytes => Output.SelectMany(o => o.Data).ToArray();

        public string Text => Encoding.UTF8.GetString(Bytes);

        public long Next => Output.Count == 0 ? 0 : Output[^1].Offset + Output[^1].Data.Length;

        public Task SendAsync(object frame) =>
            socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(frame), WebSocketMessageType.Text, true, CancellationToken.None);

        /// <summary>Returns once the output read so far contains <paramref name="text"/>; it may have come with frames read while waiting for another (a state).</summary>
        public async Task OutputContainingAsync(string text)
        {
            if (!Text.Contains(text, StringComparison.Ordinal))
            {
                await ReadUntilAsync("output", _ => Text.Contains(text, StringComparison.Ordinal));
            }
        }

        /// <summary>Reads frames until one of <paramref name="type"/> (null: any) satisfies <paramref name="until"/>; a close is a frame of type "closed".</summary>
        public async Task<JsonElement> ReadUntilAsync(string? type, Func<JsonElement, bool>? until = null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var buffer = new byte[1 << 20];
            while (true)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    try
                    {
                        result = await socket.ReceiveAsync(buffer.AsMemory(length), timeout.Token);
                    }
                    catch (OperationCanceledException) when (timeout.IsCancellationRequested)
                    {
                        throw new TimeoutException($"no {type ?? "frame"} frame matched within 60 s; states so far [{string.Join(", ", States)}], output up to {Next}: {Text[Math.Max(0, Text.Length - 400)..]}");
                    }

                    length += result.Count;
                }
                while (!result.EndOfMessage);

                var frame = result.MessageType == WebSocketMessageType.Close
                    ? JsonDocument.Parse("{\"type\":\"closed\"}").RootElement.Clone()
                    : JsonDocument.Parse(buffer.AsMemory(0, length)).RootElement.Clone();
                var frameType = Type(frame);
                if (frameType == "output")
                {
                    // The stand-in server writes ASCII, so the text is the bytes; the frame's end says where they stop.
                    var data = Encoding.UTF8.GetBytes(frame.GetProperty("data").GetString()!);
                    var offset = frame.GetProperty("offset").GetInt64();
                    Assert.Equal(offset + data.Length, frame.GetProperty("end").GetInt64());
                    Output.Add((offset, data));
                }
                else if (frameType == "state")
                {
                    States.Add(frame.GetProperty("state").GetString()!);
                }

                if ((type is null || frameType == type) && (until is null || until(frame)))
                {
                    return frame;
                }

                Assert.NotEqual("closed", frameType);
            }
        }

        public void AssertContiguousFrom(long start)
        {
            var expected = start;
            foreach (var (offset, data) in Output)
            {
                Assert.Equal(expected, offset);
                expected += data.Length;
            }
        }

        public void Dispose() => socket.Dispose();
    }
}
