using System.Text.Json;
using ZlhGrind.Agent.Processes;

namespace ZlhGrind.Agent.Consoles;

/// <summary>
/// Where the two console log files sit in the console's absolute numbering, kept in the run directory so offsets
/// survive an agent restart. The agent rotates by copy-and-truncate when the log grows over its limit (agents before
/// issue 15 also moved <c>console.log</c> to <c>console.log.1</c> at each launch); neither tells this ledger, so each file is known by its
/// identity (inode and birth time) and every rotation is recognised afterwards from the identities alone (<see cref="Reconcile"/>).
/// </summary>
internal sealed record ConsoleLedger(long CurrentBase, long CurrentFile, long PreviousBase, long PreviousFile, long Watermark)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The ledger file's name inside the run directory.</summary>
    public const string FileName = "console.offsets";

    public static ConsoleLedger? Load(RunDirectory run) => AtomicFile.TryReadJson<ConsoleLedger>(Path(run), Json);

    public void Save(RunDirectory run) => AtomicFile.WriteJson(Path(run), this, Json);

    /// <summary>
    /// The ledger that numbers the files as they are now: <paramref name="current"/> and <paramref name="previous"/> are
    /// the stats of <c>console.log</c> and <c>console.log.1</c> (null: absent). Offsets only ever grow: files this ledger
    /// cannot place (two rotations while nobody looked) are numbered past everything handed out before, so a client
    /// holding an old offset is told its history is truncated instead of being shown other bytes under it.
    /// </summary>
    public static ConsoleLedger Reconcile(ConsoleLedger? ledger, FileStatus? current, FileStatus? previous)
    {
        var i = current?.Identity ?? 0;
        var s = current?.Size ?? 0;
        var j = previous?.Identity ?? 0;
        var t = previous?.Size ?? 0;
        if (ledger is null)
        {
            return new ConsoleLedger(t, i, 0, j, t + s);
        }

        var result = ledger;
        if (i != 0 && i == ledger.CurrentFile && j != 0 && j != ledger.PreviousFile)
        {
            // Copy and truncate: console.log.1 is a fresh copy of what the current file held.
            result = new ConsoleLedger(ledger.CurrentBase + t, i, ledger.CurrentBase, j, ledger.Watermark);
        }
        else if (j != 0 && j == ledger.CurrentFile)
        {
            // A launch moved the current file aside; the shim appends to a new one (not created yet when i is 0).
            result = new ConsoleLedger(ledger.CurrentBase + t, i, ledger.CurrentBase, j, ledger.Watermark);
        }
        else if (i != 0 && ledger.CurrentFile == 0 && (j == 0 || j == ledger.PreviousFile))
        {
            // The new current file appeared after a launch's move.
            result = ledger with { CurrentFile = i };
        }
        else if ((i != 0 && i != ledger.CurrentFile) || (j != 0 && j != ledger.PreviousFile))
        {
            var fresh = Math.Max(ledger.Watermark, ledger.CurrentBase + (i == ledger.CurrentFile ? s : 0));
            result = new ConsoleLedger(fresh + t, i, fresh, j, ledger.Watermark);
        }

        return result with { Watermark = Math.Max(result.Watermark, result.CurrentBase + s) };
    }

    private static string Path(RunDirectory run) => System.IO.Path.Combine(run.Path, FileName);
}
