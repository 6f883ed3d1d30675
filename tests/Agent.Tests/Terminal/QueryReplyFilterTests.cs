using System.Text;
using Microsoft.Extensions.Time.Testing;
using ZlhGrind.Agent.Terminal;

namespace ZlhGrind.Agent.Tests.Terminal;

/// <summary>The rule that keeps a client's answers to replayed queries out of the shell.</summary>
public sealed class QueryReplyFilterTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));

    [Theory]
    [InlineData("\u001b[6n", 1)]
    [InlineData("\u001b[5n", 1)]
    [InlineData("\u001b[?6n", 1)]
    [InlineData("\u001b[c\u001b[0c\u001b[>c\u001b[=c", 4)]
    [InlineData("\u001b[?2004$p\u001b[4$p", 2)]
    [InlineData("\u001b[14t\u001b[18t", 2)]
    [InlineData("\u001b[>q\u001b[?u", 2)]
    [InlineData("\u001b]10;?\u0007\u001b]11;?\u001b\\", 2)]
    [InlineData("\u001bP$qm\u001b\\\u001bP+q544e\u001b\\", 2)]
    [InlineData("plain text, \u001b[1;31mcolour\u001b[0m, \u001b[?2004h, \u001b[2J\u001b[H, \u001b]0;title\u0007, \u001b[8;24;80t", 0)]
    [InlineData("cut at the end \u001b[6", 0)]
    public void CountQueries_Output_CountsWhatAnEmulatorAnswers(string output, int expected) =>
        Assert.Equal(expected, QueryReplyFilter.CountQueries(Encoding.UTF8.GetBytes(output)));

    [Fact]
    public void Filter_AfterReplayOfTwoQueries_DropsTheFirstTwoRepliesOnly()
    {
        var filter = new QueryReplyFilter(_time, Window);
        filter.Replay("prompt$ \u001b[6n ... \u001b[c"u8);

        var first = Filter(filter, "\u001b[12;5Rls\r");
        var second = Filter(filter, "\u001b[?1;2c");
        var third = Filter(filter, "\u001b[3;3R");

        Assert.Equal(("ls\r", string.Empty, "\u001b[3;3R"), (first, second, third));
        Assert.Equal(0, filter.Pending);
    }

    [Theory]
    [InlineData("\u001b[A\u001b[1;5D\u001b[3~\u001bOP\u001b[200~pasted\u001b[201~")]
    [InlineData("\u001b")]
    [InlineData("\u001bP")]
    [InlineData("\u001b]")]
    [InlineData("héllo wörld \u00e9")]
    public void Filter_KeystrokesDuringWindow_Forwarded(string keys)
    {
        var filter = new QueryReplyFilter(_time, Window);
        filter.Replay("\u001b[6n"u8);

        Assert.Equal(keys, Filter(filter, keys));
        Assert.Equal(1, filter.Pending);
    }

    [Theory]
    [InlineData("\u001b[5n", "\u001b[0n")]
    [InlineData("\u001b[>c", "\u001b[>0;276;0c")]
    [InlineData("\u001b[?2004$p", "\u001b[?2004;2$y")]
    [InlineData("\u001b[14t", "\u001b[4;600;800t")]
    [InlineData("\u001b[?u", "\u001b[?0u")]
    [InlineData("\u001b]11;?\u001b\\", "\u001b]11;rgb:0000/0000/0000\u001b\\")]
    [InlineData("\u001bP$qm\u001b\\", "\u001bP1$r0m\u001b\\")]
    public void Filter_EachReplyShape_DroppedWhileItsQueryIsPending(string query, string reply)
    {
        var filter = new QueryReplyFilter(_time, Window);
        filter.Replay(Encoding.UTF8.GetBytes(query));

        Assert.Equal("a", Filter(filter, reply + "a"));
    }

    [Fact]
    public void Filter_WindowPassed_ReplyForwarded()
    {
        var filter = new QueryReplyFilter(_time, Window);
        filter.Replay("\u001b[6n"u8);

        _time.Advance(Window);

        Assert.Equal(0, filter.Pending);
        Assert.Equal("\u001b[12;5R", Filter(filter, "\u001b[12;5R"));
    }

    [Fact]
    public void Filter_NoReplay_ReplyForwarded()
    {
        var filter = new QueryReplyFilter(_time, Window);
        filter.Replay("no queries here\r\n"u8);

        Assert.Equal("\u001b[12;5R", Filter(filter, "\u001b[12;5R"));
    }

    [Fact]
    public void Filter_HostileOutputOfUnansweredQueries_TheUsersKeysAndOtherRepliesStillPass()
    {
        // The dev user prints queries the browser's emulator never answers (window reports, keyboard flags, DA):
        // they must not license dropping what the user types (Shift+F3 is ESC[1;2R) nor a live program's cursor reply.
        var filter = new QueryReplyFilter(_time, Window);
        filter.Replay(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("\u001b[14t\u001b[?u\u001b[c", 100))));

        var shiftF3 = Filter(filter, "\u001b[1;2R");
        var ctrlF3 = Filter(filter, "\u001b[1;5R");
        var typed = Filter(filter, "ls -l\r");

        Assert.Equal(("\u001b[1;2R", "\u001b[1;5R", "ls -l\r"), (shiftF3, ctrlF3, typed));
        Assert.Equal(300, filter.Pending);
    }

    [Fact]
    public void Filter_OneCursorQueryReplayed_DropsOneCursorReplyThenPassesTheNext()
    {
        var filter = new QueryReplyFilter(_time, Window);
        filter.Replay("\u001b[6n\u001b[14t"u8);

        var reply = Filter(filter, "\u001b[24;80R");
        var shiftF3 = Filter(filter, "\u001b[1;2R");

        Assert.Equal((string.Empty, "\u001b[1;2R"), (reply, shiftF3));
        Assert.Equal(1, filter.Pending);
    }

    private static string Filter(QueryReplyFilter filter, string input) =>
        Encoding.UTF8.GetString(filter.Filter(Encoding.UTF8.GetBytes(input)).Span);
}
