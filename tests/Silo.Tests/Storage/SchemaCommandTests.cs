using ZlhGrind.Silo.Storage;

namespace ZlhGrind.Silo.Tests.Storage;

/// <summary><c>db migrate</c> takes its connection string from <c>ZLH_POSTGRES</c> only: a command line is readable by every user of the machine.</summary>
public sealed class SchemaCommandTests
{
    private const string Usage = "usage: ZlhGrind.Silo db migrate   (applies the PostgreSQL schema to the database named by ZLH_POSTGRES)";

    [Fact]
    public async Task RunAsync_ConnectionStringOnTheCommandLine_RefusedWithTheUsageAndNeverEchoed()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await SchemaCommand.RunAsync(["db", "migrate", "Host=127.0.0.1;Username=postgres;Password=hunter2"], null, output, error);

        Assert.Equal(2, exit);
        Assert.Equal(Usage + Environment.NewLine, error.ToString());
        Assert.Equal("", output.ToString());
    }

    [Fact]
    public async Task RunAsync_NoConnectionVariable_RefusedNamingTheVariable()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await SchemaCommand.RunAsync(["db", "migrate"], " ", output, error);

        Assert.Equal(2, exit);
        Assert.Equal("db migrate: set ZLH_POSTGRES to the connection string (e.g. Host=127.0.0.1;Port=5432;Username=postgres;Database=zlhgrind)" + Environment.NewLine, error.ToString());
        Assert.Equal("", output.ToString());
    }
}
