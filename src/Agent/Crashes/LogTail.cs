using System.Text;

namespace ZlhGrind.Agent.Crashes;

/// <summary>Reads the end of a server's console log: at most N lines and at most B bytes (UTF-8), whole lines only.</summary>
internal static class LogTail
{
    /// <summary>The tail of the run that began at <paramref name="from"/>: runs share one log, and earlier runs' lines are not its tail.</summary>
    public static string Read(string path, int maxLines, int maxBytes, long from = 0)
    {
        byte[] buffer;
        bool fromStart;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var length = file.Length;

            // A log shorter than the run's start was rotated by size since: all of it is the run's.
            var first = from <= length ? from : 0;
            var take = (int)Math.Min(length - first, maxBytes);
            fromStart = take == length - first;
            file.Seek(length - take, SeekOrigin.Begin);
            buffer = new byte[take];
            file.ReadExactly(buffer);
        }
        catch (FileNotFoundException)
        {
            return "";
        }
        catch (DirectoryNotFoundException)
        {
            return "";
        }

        var text = Encoding.UTF8.GetString(buffer);
        var lines = text.Split('\n').ToList();
        if (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        // The first line is cut when the window did not start at the beginning of the file (unless it is
        // all there is: then the end of one very long line is the best tail there is).
        if (!fromStart && lines.Count > 1)
        {
            lines.RemoveAt(0);
        }

        var kept = lines.Skip(Math.Max(0, lines.Count - maxLines)).Select(l => l.TrimEnd('\r'));
        return string.Join('\n', kept);
    }
}
