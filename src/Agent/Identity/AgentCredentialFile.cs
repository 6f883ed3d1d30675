namespace ZlhGrind.Agent.Identity;

/// <summary>
/// Reads the agent credential from its file. The secret is never logged; a file others can read is
/// refused, as ssh refuses a readable private key.
/// </summary>
internal static class AgentCredentialFile
{
    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>What is wrong with the file, or null when it holds a usable credential.</summary>
    public static string? Check(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return "Agent:CredentialFile must name the file holding the agent credential.";
        }

        if (!File.Exists(path))
        {
            return $"Agent:CredentialFile '{path}' does not exist.";
        }

        if ((File.GetUnixFileMode(path) & GroupOrOther) != 0)
        {
            return $"Agent:CredentialFile '{path}' must be readable by its owner only (chmod 600).";
        }

        try
        {
            return TryRead(path) is null ? $"Agent:CredentialFile '{path}' is empty." : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"Agent:CredentialFile '{path}' cannot be read: {ex.Message}";
        }
    }

    /// <summary>The credential (first non-empty line, trimmed), or null when the file has none.</summary>
    public static string? TryRead(string path)
    {
        foreach (var line in File.ReadLines(path))
        {
            var trimmed = line.Trim();
            if (trimmed.Length > 0)
            {
                return trimmed;
            }
        }

        return null;
    }
}
