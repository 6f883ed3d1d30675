using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace ZlhGrind.Benchmarks.Consoles;

/// <summary>
/// A browser's side of one game console socket: reads every frame, keeps where the output ends and its last few KiB
/// of text, and completes waits for a marker in the text or for an end offset.
/// </summary>
internal sealed class ConsoleViewer : IAsyncDisposable
{
    private const int TailChars = 8 * 1024;
    private readonly ClientWebSocket _socket;
    private readonly Lock _gate = new();
    private readonly StringBuilder _tail = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<long> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _reader;
    private long _end;
    private long _errors;
    private (string Marker, TaskCompletionSource<long> Seen)? _marker;
    private (long End, TaskCompletionSource<long> Reached)? _until;

    private ConsoleViewer(ClientWebSocket socket)
    {
        _socket = socket;
        _reader = ReadAsync(_stop.Token);
    }

    /// <summary>Where the output received so far ends.</summary>
    public long End
    {
        get
        {
            lock (_gate)
            {
                return _end;
            }
        }
    }

    /// <summary>Completes with the <see cref="Stopwatch"/> timestamp at which the gateway's close frame arrived.</summary>
    public Task<long> Closed => _closed.Task;

    /// <summary>Error frames received (a refused command, an agent that did not answer).</summary>
    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>Takes a ticket with <paramref name="http"/> (the owner's client) and opens the socket from <paramref name="since"/>.</summary>
    public static async Task<ConsoleViewer> OpenAsync(HttpClient http, long id, long? since, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync($"/api/servers/{id}/console/ticket", null, cancellationToken);
        response.EnsureSuccessStatusCode();
        var url = (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("url").GetString();
        var socket = new ClientWebSocket();
        var address = new Uri(http.BaseAddress!.ToString().Replace("http://", "ws://", StringComparison.Ordinal).TrimEnd('/') + url + (since is { } s ? $"&since={s}" : ""));
        await socket.ConnectAsync(address, cancellationToken);
        return new ConsoleViewer(socket);
    }

    public Task SendCommandAsync(string command, CancellationToken cancellationToken) =>
        _socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(new { type = "command", data = command }), WebSocketMessageType.Text, true, cancellationToken);

    /// <summary>Completes with the <see cref="Stopwatch"/> timestamp at which <paramref name="marker"/> arrived (only one wait at a time).</summary>
    public Task<long> WaitForTextAsync(string marker)
    {
        var seen = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _marker = (marker, seen);
            Check();
        }

        return seen.Task;
    }

    /// <summary>Completes with the timestamp at which the output reached <paramref name="end"/>.</summary>
    public Task<long> WaitForEndAsync(long end)
    {
        var reached = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _until = (end, reached);
            Check();
        }

        return reached.Task;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _reader;
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
        }

        _socket.Dispose();
        _stop.Dispose();
    }

    private async Task ReadAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[256 * 1024];
        while (true)
        {
            var length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                if (length == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                result = await _socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
                length += result.Count;
            }
            while (!result.EndOfMessage);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                _closed.TrySetResult(Stopwatch.GetTimestamp());
                return;
            }

            Handle(buffer.AsSpan(0, length));
        }
    }

    private void Handle(ReadOnlySpan<byte> frame)
    {
        using var json = JsonDocument.Parse(frame.ToArray());
        var root = json.RootElement;
        switch (root.GetProperty("type").GetString())
        {
            case "output":
                lock (_gate)
                {
                    _end = root.GetProperty("end").GetInt64();
                    _tail.Append(root.GetProperty("data").GetString());
                    if (_tail.Length > TailChars)
                    {
                        _tail.Remove(0, _tail.Length - TailChars);
                    }

                    Check();
                }

                break;
            case "error":
                Interlocked.Increment(ref _errors);
                break;
        }
    }

    private void Check()
    {
        var now = Stopwatch.GetTimestamp();
        if (_marker is { } marker && _tail.ToString().Contains(marker.Marker, StringComparison.Ordinal))
        {
            _marker = null;
            marker.Seen.TrySetResult(now);
        }

        if (_until is { } until && _end >= until.End)
        {
            _until = null;
            until.Reached.TrySetResult(now);
        }
    }
}
