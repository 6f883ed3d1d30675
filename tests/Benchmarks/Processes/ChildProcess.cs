using System.Diagnostics;

namespace ZlhGrind.Benchmarks.Processes;

/// <summary>A started child whose stdout and stderr go to a log file; lines can be awaited (readiness).</summary>
internal sealed class ChildProcess
{
    private readonly ChildProcesses _owner;
    private readonly Process _process;
    private readonly string _logPath;
    private readonly Lock _gate = new();
    private readonly List<(string Text, TaskCompletionSource<string> Seen)> _awaited = [];

    // The first lines, kept so a readiness line printed before anyone waits for it is not missed.
    private readonly List<string> _firstLines = [];

    public ChildProcess(ChildProcesses owner, Process process, string logPath)
    {
        _owner = owner;
        _process = process;
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        _logPath = logPath;
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Completes with the first line containing <paramref name="text"/>; fails if the process exits first.</summary>
    public async Task<string> WaitForLineAsync(string text, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_firstLines.Find(line => line.Contains(text, StringComparison.Ordinal)) is { } printed)
            {
                return printed;
            }

            _awaited.Add((text, seen));
        }

        var exited = _process.WaitForExitAsync(cancellationToken);
        var finished = await Task.WhenAny(seen.Task, exited, Task.Delay(timeout, cancellationToken));
        if (finished == seen.Task)
        {
            return await seen.Task;
        }

        throw new InvalidOperationException(finished == exited
            ? $"process {Pid} exited before printing '{text}' (see its log)"
            : $"process {Pid} did not print '{text}' within {timeout.TotalSeconds:0} s (see its log)");
    }

    /// <summary>Writes one line to the child's standard input (started with it redirected).</summary>
    public void WriteLine(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    /// <summary>Closes the child's standard input: a child reading commands takes it as the end.</summary>
    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>Waits until the child exits by itself; false when it did not within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var bounded = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(bounded.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGKILL, as a crash would.</summary>
    public void Kill() => _owner.Kill(this);

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            // Silos log warnings only, so opening the file per line costs nothing that matters.
            File.AppendAllText(_logPath, line + Environment.NewLine);
            if (_firstLines.Count < 200)
            {
                _firstLines.Add(line);
            }

            for (var i = _awaited.Count - 1; i >= 0; i--)
            {
                if (line.Contains(_awaited[i].Text, StringComparison.Ordinal))
                {
                    _awaited[i].Seen.TrySetResult(line);
                    _awaited.RemoveAt(i);
                }
            }
        }
    }
}
