namespace ZlhGrind.Gateway.IdeBootstrap;

/// <summary>The IDE session cookie: its name and how to scope it to one container's tunnel.</summary>
internal static class IdeCookie
{
    public const string Name = "zlh_ide";

    /// <summary>Longest session id accepted from a cookie; longer values are refused without a grain call.</summary>
    public const int MaxValueLength = 128;

    /// <summary>True for a name a browser could confuse with the gateway's cookie (compared in any case).</summary>
    public static bool IsGatewayName(ReadOnlySpan<char> name) => name.Equals(Name, StringComparison.OrdinalIgnoreCase);

    public static string PathFor(long containerId) => "/__ide/" + containerId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/";

    /// <summary>Sets the session cookie on <paramref name="path"/> of the request's host only (never a Domain).</summary>
    public static void Append(HttpContext http, string path, string sessionId, TimeSpan maxAge) =>
        http.Response.Cookies.Append(Name, sessionId, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = http.Request.IsHttps,
            Path = path,
            MaxAge = maxAge,
            IsEssential = true,
        });

    /// <summary>True for values that could be a session id (base64url, bounded); anything else is refused early.</summary>
    public static bool IsPlausible(ReadOnlySpan<char> value)
    {
        if (value.Length is 0 or > MaxValueLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
