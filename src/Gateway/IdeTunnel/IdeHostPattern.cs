using System.Globalization;
using Microsoft.Extensions.Options;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Gateway.IdeTunnel;

/// <summary>
/// The separate IDE origin (<see cref="IdeTunnelOptions.Host"/>, e.g. <c>{id}.ide.example.com</c>): which container a
/// request's Host names, and the URL of a container's IDE there. Disabled (path mode) when the option is empty.
/// </summary>
internal sealed class IdeHostPattern
{
    /// <summary>The bootstrap path on an IDE host: the only path the gateway answers itself there.</summary>
    public const string BootstrapPath = "/__zlh/ide-bootstrap";

    private const string IdHole = "{id}";

    private readonly string _prefix = "";
    private readonly string _suffix = "";

    public IdeHostPattern(IOptions<IdeTunnelOptions> options)
    {
        var host = options.Value.Host;
        if (string.IsNullOrEmpty(host))
        {
            return;
        }

        var hole = host.IndexOf(IdHole, StringComparison.Ordinal);
        _prefix = host[..hole].ToLowerInvariant();
        _suffix = host[(hole + IdHole.Length)..].ToLowerInvariant();
        IsEnabled = true;
    }

    public bool IsEnabled { get; }

    /// <summary>True when <paramref name="host"/> (port ignored, any case) is a container's IDE host.</summary>
    public bool TryMatch(HostString host, out long id)
    {
        id = 0;
        var name = host.Host.AsSpan();
        return IsEnabled
            && name.Length > _prefix.Length + _suffix.Length
            && name.StartsWith(_prefix, StringComparison.OrdinalIgnoreCase)
            && name.EndsWith(_suffix, StringComparison.OrdinalIgnoreCase)
            && ContainerId.TryParse(name[_prefix.Length..^_suffix.Length], out id);
    }

    /// <summary>The absolute URL of <paramref name="pathAndQuery"/> on container <paramref name="id"/>'s IDE host, same scheme and port as <paramref name="request"/>.</summary>
    public string UrlFor(HttpRequest request, long id, string pathAndQuery)
    {
        var port = request.Host.Port is { } p ? ":" + p.ToString(CultureInfo.InvariantCulture) : "";
        return request.Scheme + "://" + _prefix + id.ToString(CultureInfo.InvariantCulture) + _suffix + port + pathAndQuery;
    }

    /// <summary>A valid pattern: one <c>{id}</c> among host-name characters.</summary>
    internal static bool IsValid(string? host)
    {
        if (string.IsNullOrEmpty(host))
        {
            return true;
        }

        var hole = host.IndexOf(IdHole, StringComparison.Ordinal);
        if (hole < 0 || host.IndexOf(IdHole, hole + 1, StringComparison.Ordinal) >= 0)
        {
            return false;
        }

        var rest = host.Replace(IdHole, "0", StringComparison.Ordinal);
        return Uri.CheckHostName(rest) == UriHostNameType.Dns;
    }
}
