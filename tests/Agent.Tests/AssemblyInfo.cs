using System.Runtime.Versioning;

// The agent under test is Linux-only (/proc, FIFOs, signals).
[assembly: SupportedOSPlatform("linux")]
