using System.Diagnostics;

namespace ZlhGrind.Agent.ClusterLink;

/// <summary>CPU (percent of one core since the last sample, like top) and resident memory of the supervised process.</summary>
internal sealed class ProcessSampler(TimeProvider time)
{
    private int? _pid;
    private TimeSpan _cpu;
    private long _at;

    public (double CpuPercent, long RssBytes) Sample(int? pid)
    {
        if (pid is not { } id)
        {
            _pid = null;
            return (0, 0);
        }

        try
        {
            using var process = Process.GetProcessById(id);
            var cpu = process.TotalProcessorTime;
            var rss = process.WorkingSet64;
            var now = time.GetTimestamp();
            double percent = 0;
            if (_pid == id)
            {
                var wall = time.GetElapsedTime(_at, now);
                percent = wall > TimeSpan.Zero ? Math.Round((cpu - _cpu) / wall * 100, 1) : 0;
            }

            (_pid, _cpu, _at) = (id, cpu, now);
            return (Math.Max(0, percent), rss);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // The process ended between the snapshot and the sample, or between finding it and reading its /proc
            // stat (Win32Exception): a heartbeat then reports nothing for it, and the agent carries on.
            _pid = null;
            return (0, 0);
        }
    }
}
