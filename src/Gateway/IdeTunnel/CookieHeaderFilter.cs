using System.Buffers;
using Microsoft.Extensions.Primitives;

namespace ZlhGrind.Gateway.IdeTunnel;

/// <summary>Rebuilds a Cookie header without one cookie, keeping every other cookie in order.</summary>
internal static class CookieHeaderFilter
{
    /// <summary>The header value without <paramref name="name"/>, or null when no other cookie remains.</summary>
    public static string? Without(StringValues header, string name)
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
                while (!remaining.IsEmpty)
                {
                    var end = remaining.IndexOf(';');
                    var pair = (end < 0 ? remaining : remaining[..end]).Trim(' ');
                    remaining = end < 0 ? default : remaining[(end + 1)..];
                    if (pair.IsEmpty || IsNamed(pair, name))
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

    private static bool IsNamed(ReadOnlySpan<char> pair, string name)
    {
        var equals = pair.IndexOf('=');
        var pairName = (equals < 0 ? pair : pair[..equals]).TrimEnd(' ');
        return pairName.SequenceEqual(name);
    }
}
