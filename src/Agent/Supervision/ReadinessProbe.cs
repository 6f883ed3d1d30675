using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace ZlhGrind.Agent.Supervision;

/// <summary>
/// Whether a starting server is ready: a console line matching the template's pattern in the output of this run, and/or
/// its port accepting a TCP connection on loopback — or, with a UDP payload, answering that datagram with any reply (an
/// ICMP port-unreachable or silence is "not yet"). Checked every poll interval (real time: it watches an outside
/// process); the start timeout is the caller's. Runs share one log: the scan begins at the run's own start
/// (<c>consoleStart</c>), as an earlier run's ready line is not this run's.
/// </summary>
internal sealed class ReadinessProbe(string consoleLog, long consoleStart, Regex? pattern, int? port, TimeSpan pollInterval, byte[]? udpPayload = null)
{
    // Any reply counts, so only its first bytes are read.
    private const int UdpReplyBuffer = 2048;

    // A line longer than this is not a readiness line; only its end is kept while waiting for the newline.
    private const int MaxCarry = 8 * 1024;


    private long _offset = consoleStart;
    private string _carry = "";
    private bool _patternSeen = pattern is null;

    /// <summary>Completes once every configured check holds; cancelled by <paramref name="cancellationToken"/>.</summary>
    public async Task WaitAsync(Func<bool> stillStarting, CancellationToken cancellationToken)
    {
        while (stillStarting())
        {
            _patternSeen = _patternSeen || ScanNewOutput();
            if (_patternSeen && (port is not { } p || await (udpPayload is null ? AcceptsAsync(p, cancellationToken) : AnswersUdpAsync(p, udpPayload, cancellationToken))))
            {
                return;
            }

            await Task.Delay(pollInterval, cancellationToken);
        }

        throw new OperationCanceledException("The server is no longer starting.");
    }

    private bool ScanNewOutput()
    {
        string text;
        try
        {
            using var log = new FileStream(consoleLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (log.Length < _offset)
            {
                // Rotated (Agent:Game:MaxConsoleLogBytes): what is there now is all new.
                _offset = 0;
                _carry = "";
            }

            log.Seek(_offset, SeekOrigin.Begin);
            using var reader = new StreamReader(log, Encoding.UTF8, detectEncodingFromByteOrderMarks: false);
            text = reader.ReadToEnd();
            _offset = log.Position;
        }
        catch (IOException)
        {
            // Not there yet, or not readable this time: the next poll reads from the same offset.
            return false;
        }

        var lines = (_carry + text).Split('\n');
        _carry = lines[^1].Length <= MaxCarry ? lines[^1] : lines[^1][^MaxCarry..];
        foreach (var line in lines.AsSpan(0, lines.Length - 1))
        {
            try
            {
                if (pattern!.IsMatch(line))
                {
                    return true;
                }
            }
            catch (RegexMatchTimeoutException)
            {
                // Only a backtracking pattern can time out (LaunchPlan.Pattern matches the silo's non-backtracking
                // ones without a timeout): a pathological line for such a pattern is not the readiness line.
            }
        }

        return false;
    }

    private async Task<bool> AcceptsAsync(int tcpPort, CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(pollInterval);
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, tcpPort, attempt.Token);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task<bool> AnswersUdpAsync(int udpPort, byte[] payload, CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(pollInterval);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            // Connected, so the kernel hands an ICMP port-unreachable back as a refused receive instead of dropping it.
            await socket.ConnectAsync(IPAddress.Loopback, udpPort, attempt.Token);
            await socket.SendAsync(payload, SocketFlags.None, attempt.Token);
            var buffer = new byte[UdpReplyBuffer];
            await socket.ReceiveAsync(buffer, SocketFlags.None, attempt.Token);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
