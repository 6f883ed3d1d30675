using System.Globalization;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Silo.Grains.GameServers;

/// <summary>Checks an agent's usage report before anything of it is kept: counts, ranges, finite numbers; every refusal names the field.</summary>
internal static class UsageInput
{
    public static void Check(UsageReport? report, UsageOptions options)
    {
        if (report is null)
        {
            throw new InvalidRequestException("usage report is required.");
        }

        Check(report.Minute, "usage.minute", options);
        Check(report.Fast, "usage.fast", options);
    }

    private static void Check(IReadOnlyList<UsagePoint>? points, string field, UsageOptions options)
    {
        if (points is null)
        {
            throw new InvalidRequestException($"{field} is required.");
        }

        if (points.Count > options.MaxPointsPerReport)
        {
            throw new InvalidRequestException($"{field} must hold at most {options.MaxPointsPerReport.ToString(CultureInfo.InvariantCulture)} points.");
        }

        for (var i = 0; i < points.Count; i++)
        {
            var point = points[i];
            var name = $"{field}[{i.ToString(CultureInfo.InvariantCulture)}]";
            if (point is null)
            {
                throw new InvalidRequestException($"{name} is required.");
            }

            if (!double.IsFinite(point.CpuPercent) || point.CpuPercent < 0 || point.CpuPercent > options.MaxCpuPercent)
            {
                throw new InvalidRequestException($"{name}.cpuPercent must be a number between 0 and {options.MaxCpuPercent.ToString(CultureInfo.InvariantCulture)}.");
            }

            if (point.RssBytes < 0 || point.RssBytes > options.MaxBytes)
            {
                throw new InvalidRequestException($"{name}.rssBytes must be between 0 and {options.MaxBytes.ToString(CultureInfo.InvariantCulture)}.");
            }

            if (point.DiskBytes < 0 || point.DiskBytes > options.MaxBytes)
            {
                throw new InvalidRequestException($"{name}.diskBytes must be between 0 and {options.MaxBytes.ToString(CultureInfo.InvariantCulture)}.");
            }
        }
    }
}
