using System.Runtime.Versioning;

// A tool of ./zlh up, which runs on Linux: its secret files are created owner-only through Unix file modes.
[assembly: SupportedOSPlatform("linux")]
