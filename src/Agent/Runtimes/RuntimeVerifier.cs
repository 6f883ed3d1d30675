using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Options;
using ZlhGrind.Agent.DevEnvironment;
using ZlhGrind.Agent.Processes;

namespace ZlhGrind.Agent.Runtimes;

/// <summary>
/// Runs an installed runtime's verify command (e.g. <c>bin/node --version</c>): a runtime that does not run is not
/// installed. It runs as the dev user when there is one: the user who will run the runtime, not root.
/// </summary>
internal sealed class RuntimeVerifier(IOptions<RuntimeInstallOptions> options, TimeProvider timeProvider, DevUserEnvironment? environment = null)
{
    private const int MaxOutputChars = 4096;
    private const string SystemPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public async Task<VerifyResult> VerifyAsync(string installDirectory, string binPath, IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        var executable = Path.Combine(installDirectory, RelativePath.Normalize(command[0], out _) ?? command[0]);
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = installDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        // A clean environment: the agent's own variables (credentials among them) are none of the runtime's business.
        start.Environment.Clear();
        start.Environment["PATH"] = Path.Combine(installDirectory, binPath) + ":" + SystemPath;
        start.Environment["LANG"] = "C.UTF-8";
        var user = environment?.PreparedUser is { IsAgentUser: false } devUser ? devUser : null;
        if (user is not null)
        {
            start.UserName = user.Name;
        }

        // A throwaway HOME outside the install: what a runtime writes there on a version check (code-server writes its
        // config.yaml and ~/.local) must not end up inside the installed tree, nor in the user's real home.
        var home = ThrowawayHome(user);
        start.Environment["HOME"] = home.FullName;
        try
        {
            return await RunAsync(start, command, cancellationToken);
        }
        finally
        {
            await DeleteHomeAsync(home, user);
        }
    }

    /// <summary>
    /// Removes the throwaway HOME. Once the dev user owned it, their processes may still swap its entries for links, so
    /// root never walks it: the dev user removes it (rm does not follow links and cannot reach past what that user may
    /// delete). The agent's own HOME is the agent's to delete.
    /// </summary>
    /// <remarks>
    /// The dev user may signal their own processes, rm among them: a stopped rm must not hold the install (and the
    /// apply behind it) forever, so the wait is bounded by <see cref="RuntimeInstallOptions.VerifyTimeout"/> and a
    /// stuck rm is killed, leaving the HOME in the temp directory.
    /// </remarks>
    private async Task DeleteHomeAsync(DirectoryInfo home, DevUser? user)
    {
        if (user is null)
        {
            home.Delete(recursive: true);
            return;
        }

        var remove = new ProcessStartInfo("rm") { UseShellExecute = false, UserName = user.Name };
        remove.ArgumentList.Add("-rf");
        remove.ArgumentList.Add("--one-file-system");
        remove.ArgumentList.Add("--");
        remove.ArgumentList.Add(home.FullName);
        remove.Environment.Clear();
        remove.Environment["PATH"] = SystemPath;
        // The deadline runs before rm exists, so whoever sees rm stopped may already move the clock past it.
        using var deadline = new CancellationTokenSource(options.Value.VerifyTimeout, timeProvider);
        using var process = Process.Start(remove)!;
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }
    }

    private static DirectoryInfo ThrowawayHome(DevUser? user)
    {
        var home = Directory.CreateTempSubdirectory("zlh-verify-home-");
        if (user is not null)
        {
            // Created 0700 by the agent; the dev user, who runs the check, gets to write in it.
            var fd = Libc.OpenDirectory(home.FullName);
            try
            {
                Libc.ChangeOwner(fd, user.Uid, user.Gid);
            }
            finally
            {
                Libc.Close(fd);
            }
        }

        return home;
    }

    private async Task<VerifyResult> RunAsync(ProcessStartInfo start, IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new RuntimeInstallException(InstallFailure.VerifyFailed, $"verify command '{RelativePath.Printable(command[0])}' could not start: {ex.Message}", ex);
        }

        process.StandardInput.Close();
        var stdout = ReadBoundedAsync(process.StandardOutput);
        var stderr = ReadBoundedAsync(process.StandardError);
        var timeout = options.Value.VerifyTimeout;
        using var deadline = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            await process.WaitForExitAsync(linked.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            throw new RuntimeInstallException(InstallFailure.VerifyFailed, $"verify command '{RelativePath.Printable(command[0])}' did not finish within {timeout}");
        }

        var output = (await stdout).Trim();
        var errors = (await stderr).Trim();
        if (process.ExitCode != 0)
        {
            var detail = errors.Length > 0 ? errors : output;
            throw new RuntimeInstallException(
                InstallFailure.VerifyFailed,
                $"verify command '{RelativePath.Printable(string.Join(' ', command))}' exited with code {process.ExitCode}: {RelativePath.Printable(FirstLine(detail))}");
        }

        return new VerifyResult(output);
    }

    private static string FirstLine(string text)
    {
        var end = text.IndexOf('\n', StringComparison.Ordinal);
        return end < 0 ? text : text[..end];
    }

    private static async Task<string> ReadBoundedAsync(StreamReader reader)
    {
        var kept = new StringBuilder();
        var buffer = new char[1024];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            // Keep reading past the bound so the child never blocks on a full pipe.
            var room = MaxOutputChars - kept.Length;
            if (room > 0)
            {
                kept.Append(buffer, 0, Math.Min(room, read));
            }
        }

        return kept.ToString();
    }
}
