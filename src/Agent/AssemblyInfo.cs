using System.Runtime.Versioning;

// The agent runs inside Linux containers: /proc, FIFOs, signals and setsid are part of its job.
[assembly: SupportedOSPlatform("linux")]
