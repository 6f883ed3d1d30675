using System.Buffers;
using Microsoft.Extensions.Primitives;
using ZlhGrind.Gateway.IdeBootstrap;

namespace ZlhGrind.Gateway.IdeTunnel;

/// <summary>Reads the session from a Cookie header and rebuilds the header without the gateway's cookies, keeping every other cookie in order.</summary>
internal static class CookieHeaderFilter
{
    /// <summary>
    /// The value of the first cookie named exactly <see cref="IdeCookie.Name"/>. ASP.NET's cookie collection matches
    /// names in any case; a "ZLH_IDE" cookie the gateway never set must not count as the session.
    /// </summary>
    public static string? SessionFrom(StringValues header)
    {
        for (var i = 0; i < header.Count; i++)
        {
            var remaining = (header[i] ?? "").AsSpan();
            while (NextPair(ref remaining, out var pair))
            {
                var equals = pair.IndexOf('=');
                if (equals > 0 && pair[..equals].TrimEnd(' ').SequenceEqual(IdeCookie.Name))
                {
                    return pair[(equals + 1)..].Trim(' ').Trim('"').ToString();
                }
            }
        }

        return null;
    }

    /// <summary>The header value without any gateway cookie (names compared in any case), or null when no other cookie remains.</summary>
    public static string? WithoutGatewayCookies(StringValues header)
    {
        var total = 0;
        for (var i = 0; i < header.Count; i++)
        {
            total += (header[i]?.Length ?? 0) + 2;
        }

        if (total == 0)
        {
            return null;
        }

        // "a=1;b=2" becomes "a=1; b=2": the output can outgrow the input, never by more than half.
        var buffer = ArrayPool<char>.Shared.Rent(total * 2);
        try
        {
            var length = 0;
            for (var i = 0; i < header.Count; i++)
            {
                var remaining = (header[i] ?? "").AsSpan();
                while (NextPair(ref remaining, out var pair))
                {
                    if (pair.IsEmpty || IsGatewayCookie(pair))
                    {
                        continue;
                    }

                    if (length > 0)
                    {
                        buffer[length++] = ';';
                        buffer[length++] = ' ';
                    }

                    pair.CopyTo(buffer.AsSpan(length));
                    length += pair.Length;
                }
            }

            return length == 0 ? null : new string(buffer, 0, length);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    /// <summary>Takes the next "name=value" off <paramref name="remaining"/> (trimmed, possibly empty); false at the end.</summary>
    private static bool NextPair(ref ReadOnlySpan<char> remaining, out ReadOnlySpan<char> pair)
    {
        if (remaining.IsEmpty)
        {
            pair = default;
            return false;
        }

        var end = remaining.IndexOf(';');
        pair = (end < 0 ? remaining : remaining[..end]).Trim(' ');
        remaining = end < 0 ? default : remaining[(end + 1)..];
        return true;
    }

    private static bool IsGatewayCookie(ReadOnlySpan<char> pair)
    {
        var equals = pair.IndexOf('=');
        return IdeCookie.IsGatewayName((equals < 0 ? pair : pair[..equals]).TrimEnd(' '));
    }
}
