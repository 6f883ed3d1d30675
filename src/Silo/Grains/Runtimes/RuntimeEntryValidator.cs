using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Runtimes;

namespace ZlhGrind.Silo.Grains.Runtimes;

/// <summary>The catalog's door: an entry an agent will download, verify and run meets <see cref="RuntimeEntryRules"/>.</summary>
internal static class RuntimeEntryValidator
{
    /// <summary>Throws <see cref="InvalidRequestException"/> with the first rule the entry breaks.</summary>
    public static void Validate(RuntimeEntry? entry)
    {
        if (entry is null)
        {
            throw new InvalidRequestException("A runtime entry is required.");
        }

        if (RuntimeEntryRules.Problems(entry) is [var first, ..])
        {
            throw new InvalidRequestException(first);
        }
    }
}
