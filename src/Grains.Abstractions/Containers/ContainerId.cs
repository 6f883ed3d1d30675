using System.Globalization;

namespace ZlhGrind.Grains.Containers;

/// <summary>Rules for container ids: Proxmox-style vmids from 100 to 999,999,999.</summary>
public static class ContainerId
{
    public const long Min = 100;
    public const long Max = 999_999_999;

    /// <summary>True when <paramref name="id"/> is a valid vmid.</summary>
    public static bool IsValid(long id) => id is >= Min and <= Max;

    /// <summary>Parses a URL segment; anything but a plain in-range decimal number is rejected.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out long id)
    {
        id = 0;
        if (text.Length is 0 or > 9 || text[0] == '0')
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id) && IsValid(id);
    }
}
