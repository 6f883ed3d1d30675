using ZlhGrind.Agent.Terminal;

namespace ZlhGrind.Agent.Tests.Terminal;

public sealed class TerminalOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeed()
    {
        var result = new TerminalOptionsValidator().Validate(null, new TerminalOptions());

        Assert.True(result.Succeeded);
        Assert.Equal((256 * 1024, TimeSpan.FromMinutes(5), 8), (new TerminalOptions().ScrollbackBytes, new TerminalOptions().DetachedLifetime, new TerminalOptions().MaxSessions));
    }

    [Fact]
    public void Validate_EveryValueOutOfRange_NamesEveryKey()
    {
        var options = new TerminalOptions
        {
            ScrollbackBytes = 100,
            DetachedLifetime = TimeSpan.Zero,
            MaxSessions = 0,
            ReplyWindow = TimeSpan.FromMinutes(2),
            EndTimeout = TimeSpan.FromSeconds(-1),
            MaxInputBytes = 0,
        };

        var result = new TerminalOptionsValidator().Validate(null, options);

        Assert.Equal(
            [
                "Agent:Terminal:ScrollbackBytes must be between 4096 and 67108864 (got 100).",
                "Agent:Terminal:DetachedLifetime must be between 00:00:01 and 1.00:00:00 (got 00:00:00).",
                "Agent:Terminal:MaxSessions must be between 1 and 256 (got 0).",
                "Agent:Terminal:ReplyWindow must be between 00:00:00 and 00:01:00 (got 00:02:00).",
                "Agent:Terminal:EndTimeout must be between 00:00:00 and 00:01:00 (got -00:00:01).",
                "Agent:Terminal:MaxInputBytes must be between 1 and 1048576 (got 0).",
            ],
            result.Failures);
    }
}
