using System.Reflection;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using ZlhGrind.Agent.Consoles;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Grains.Consoles;

namespace ZlhGrind.Agent.Tests.Consoles;

public sealed class ConsoleRelayTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly GameConsoleRig _rig = new();

    private RunDirectory Run => _rig.Run;

    public void Dispose() => _rig.Dispose();

    [Fact]
    public async Task Push_SmallWritesQueuedWhileAPushIsUnderWay_PushedTogetherAsOneChunkAtTheirOffset()
    {
        File.WriteAllText(Run.ConsoleLog, "0123456789");
        using var console = _rig.Open();
        var grain = DispatchProxy.Create<IConsoleGrain, PushRecorder>();
        var recorder = (PushRecorder)(object)grain;
        await using var relay = new ConsoleRelay(console, grain, queuedSlices: 256, NullLogger.Instance);

        // Streaming starts with an empty chunk saying where the output ends; the grain holds that push.
        await relay.StreamAsync(true);
        await recorder.FirstPushEntered.Task.WaitAsync(Bound);
        var expected = new StringBuilder();
        for (var i = 0; i < 10; i++)
        {
            var piece = FormattableString.Invariant($"piece {i}\n");
            File.AppendAllText(Run.ConsoleLog, piece);
            expected.Append(piece);
            console.Pump();
        }

        recorder.ReleaseFirstPush.SetResult();
        var marker = await recorder.Pushed.Reader.ReadAsync().AsTask().WaitAsync(Bound);
        var batch = await recorder.Pushed.Reader.ReadAsync().AsTask().WaitAsync(Bound);

        Assert.Equal((10L, 0), (marker.Offset, marker.Data.Length));
        Assert.Equal((10L, expected.ToString()), (batch.Offset, Encoding.UTF8.GetString(batch.Data)));
        Assert.False(recorder.Pushed.Reader.TryRead(out _));
    }

    /// <summary>The console grain as the relay sees it: records pushes and holds the first until released.</summary>
    public class PushRecorder : DispatchProxy
    {
        private int _pushes;

        public Channel<ConsoleChunk> Pushed { get; } = Channel.CreateUnbounded<ConsoleChunk>();

        public TaskCompletionSource FirstPushEntered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource ReleaseFirstPush { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod?.Name != nameof(IConsoleGrain.PushOutputAsync) || args is not [ConsoleChunk chunk])
            {
                throw new NotSupportedException(targetMethod?.Name);
            }

            Pushed.Writer.TryWrite(chunk);
            if (Interlocked.Increment(ref _pushes) == 1)
            {
                FirstPushEntered.SetResult();
                return ReleaseFirstPush.Task;
            }

            return Task.CompletedTask;
        }
    }
}
