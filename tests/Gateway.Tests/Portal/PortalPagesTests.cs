using System.Net;
using ZlhGrind.Gateway.Tests.TestSupport;

namespace ZlhGrind.Gateway.Tests.Portal;

/// <summary>The portal's own URLs answer with the page (a bookmark or a reload lands where it was); nothing else does.</summary>
[Collection(GatewayCollection.Name)]
public sealed class PortalPagesTests(GatewayFixture fixture)
{
    [Theory]
    [InlineData("/containers/1001")]
    [InlineData("/containers/1001/overview")]
    [InlineData("/containers/1001/console")]
    [InlineData("/containers/1001/files")]
    [InlineData("/containers/1001/mods")]
    [InlineData("/containers/1001/crashes")]
    [InlineData("/containers/999999999/settings")]
    [InlineData("/Containers/1001/Crashes")]
    [InlineData("/provision")]
    public async Task PortalUrl_PageOrTab_ServesThePortalPageWithoutAuth(string path)
    {
        using var http = fixture.CreateClient();

        var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<script type=\"module\" src=\"/js/main.js\"></script>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/lib/xterm.mjs", "text/javascript", " as Terminal}")]
    [InlineData("/lib/addon-fit.mjs", "text/javascript", " as FitAddon}")]
    [InlineData("/lib/xterm.css", "text/css", ".xterm")]
    public async Task PortalLibrary_InstalledByTheBuildFromNpm_ServedUnderLib(string path, string mediaType, string marker)
    {
        using var http = fixture.CreateClient();

        var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(marker, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/containers/1001/bogus")]
    [InlineData("/containers/abc")]
    [InlineData("/containers/99")]
    [InlineData("/containers/1000000000")]
    [InlineData("/containers/1001/crashes/more")]
    [InlineData("/containers")]
    [InlineData("/provision/x")]
    public async Task PortalUrl_UnknownTabOrNoVmid_404(string path)
    {
        using var http = fixture.CreateClient();

        var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("/js/main.js", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiPath_ShapedLikeAPortalUrl_StaysAProblem404()
    {
        using var http = fixture.CreateClient(TestTokens.For("portal-pages"));

        var response = await http.GetAsync("/api/containers/1001/crashes");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task PortalModules_ServedAsJavaScript()
    {
        using var http = fixture.CreateClient();

        foreach (var module in new[] { "main.js", "api.js", "events.js", "format.js", "dom.js", "router.js", "agent-command.js", "pages/list.js", "pages/container.js", "pages/provision.js", "pages/files.js", "sha256.js" })
        {
            var response = await http.GetAsync("/js/" + module);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        }
    }
}
