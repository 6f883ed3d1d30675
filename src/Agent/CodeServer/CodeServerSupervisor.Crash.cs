using System.Globalization;
using ZlhGrind.Agent.Supervision;
using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Agent.CodeServer;

/// <summary>Watching the current run for its end, and an unasked exit through the restart policy.</summary>
internal sealed partial class CodeServerSupervisor
{
    private async Task MonitorChildAsync(CodeServerInstance instance)
    {
        try
        {
            await instance.Child!.WaitForExitAsync(_lifetime.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        OnExited(instance, instance.Child.ExitCode);
    }

    private async Task MonitorAdoptedAsync(CodeServerInstance instance)
    {
        // Not our child: no exit status to wait for, so /proc is watched (a zombie counts as gone).
        try
        {
            while (_procFs.IsAlive(instance.Process.Pid, instance.Process.StartTicks))
            {
                await Task.Delay(AdoptedPollInterval, _time, _lifetime.Token);
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }

        OnExited(instance, null);
    }

    private void OnExited(CodeServerInstance instance, int? exitCode)
    {
        instance.Exited.TrySetResult();
        RestartDecision decision;
        lock (_gate)
        {
            if (!ReferenceEquals(_current, instance))
            {
                return;
            }

            _current = null;
            if (instance.Stopping || !_wanted)
            {
                return;
            }

            decision = _policy.OnCrashed();
            if (decision.GiveUp)
            {
                _wanted = false;
            }
            else
            {
                // The timer exists before the state is published, so whoever reacts to the event can move the clock.
                _restarts.Arm(decision.Delay);
            }
        }

        var how = exitCode is { } code ? string.Create(CultureInfo.InvariantCulture, $"exited with code {code}") : "exited";
        var detail = instance.LastLine is { Length: > 0 } last ? $" ({last})" : string.Empty;
        var uptime = decision.Uptime.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);
        if (decision.GiveUp)
        {
            SetState(
                CodeServerState.Failed,
                string.Create(CultureInfo.InvariantCulture, $"{how} after {uptime}s{detail}; {decision.ConsecutiveCrashes} crashes in a row, not restarting until started again"));
            return;
        }

        SetState(
            CodeServerState.Failed,
            string.Create(CultureInfo.InvariantCulture, $"{how} after {uptime}s{detail}; restarting in {decision.Delay.TotalSeconds:0.#}s (crash {decision.ConsecutiveCrashes})"));
    }
}
