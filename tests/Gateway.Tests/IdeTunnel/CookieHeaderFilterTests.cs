using Microsoft.Extensions.Primitives;
using ZlhGrind.Gateway.IdeTunnel;

namespace ZlhGrind.Gateway.Tests.IdeTunnel;

public sealed class CookieHeaderFilterTests
{
    [Theory]
    [InlineData("a=1; zlh_ide=s; b=2", "a=1; b=2")]
    [InlineData("zlh_ide=s; a=1", "a=1")]
    [InlineData("a=1;zlh_ide=s;b=2", "a=1; b=2")]
    [InlineData("a=1; zlh_ide = s", "a=1")]
    [InlineData("zlh_ide2=keep; xzlh_ide=keep", "zlh_ide2=keep; xzlh_ide=keep")]
    [InlineData("a=x=y; flag", "a=x=y; flag")]
    [InlineData("a=1;;  ; b=2", "a=1; b=2")]
    [InlineData("a=1; ZLH_IDE=s; Zlh_Ide=t; b=2", "a=1; b=2")]
    public void WithoutGatewayCookies_IdeCookieAmongOthers_KeepsOthersInOrder(string header, string expected)
    {
        Assert.Equal(expected, CookieHeaderFilter.WithoutGatewayCookies(header));
    }

    [Theory]
    [InlineData("zlh_ide=s")]
    [InlineData("zlh_ide=s; zlh_ide=t")]
    [InlineData(" ; ")]
    public void WithoutGatewayCookies_NothingElseLeft_Null(string header)
    {
        Assert.Null(CookieHeaderFilter.WithoutGatewayCookies(header));
    }

    [Fact]
    public void WithoutGatewayCookies_SeveralHeaderValues_JoinedIntoOne()
    {
        var header = new StringValues(["a=1; zlh_ide=s", "b=2", "zlh_ide=t;c=3"]);

        Assert.Equal("a=1; b=2; c=3", CookieHeaderFilter.WithoutGatewayCookies(header));
    }

    [Fact]
    public void WithoutGatewayCookies_ManyTinyCookiesWithoutSpaces_OutputLongerThanInputStillFits()
    {
        var header = string.Join(";", Enumerable.Range(0, 500).Select(i => "a"));

        Assert.Equal(string.Join("; ", Enumerable.Range(0, 500).Select(i => "a")), CookieHeaderFilter.WithoutGatewayCookies(header));
    }

    [Theory]
    [InlineData("a=1; zlh_ide=good", "good")]
    [InlineData("ZLH_IDE=forged; zlh_ide=good", "good")]
    [InlineData("Zlh_Ide=forged", null)]
    [InlineData("ZLH_IDE=forged; a=1", null)]
    [InlineData("xzlh_ide=no; zlh_ide2=no", null)]
    public void SessionFrom_OnlyTheExactName_CountsAsTheSession(string header, string? expected)
    {
        Assert.Equal(expected, CookieHeaderFilter.SessionFrom(header));
    }
}
