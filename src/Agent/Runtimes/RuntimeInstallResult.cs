namespace ZlhGrind.Agent.Runtimes;

/// <summary>What an install request did.</summary>
internal enum InstallOutcome
{
    /// <summary>Downloaded, unpacked, verified and made active.</summary>
    Installed,

    /// <summary>Already installed; it is now the active version (a switch, no download).</summary>
    Activated,

    /// <summary>Already installed and active: nothing was done.</summary>
    AlreadyActive,
}

/// <summary>The result of an install, upgrade or rollback.</summary>
internal sealed record RuntimeInstallResult(string Name, string Version, InstallOutcome Outcome, string VerifyOutput);
