using System.Globalization;

namespace ZlhGrind.Tools.StandInIde;

/// <summary>
/// The subset of code-server's command line the stand-in understands; the rest is accepted and ignored, as code-server's
/// own flags would be. Like code-server (<c>code-server [options] &lt;path&gt;</c>), a last argument that is not a flag is
/// the folder to open.
/// </summary>
internal sealed record StandInArguments(string Host, int Port, string Auth, bool ShowVersion, string? Folder, IReadOnlyList<string> Ignored)
{
    public const string Version = "4.0.0-zlh-standin";

    public static StandInArguments Parse(IReadOnlyList<string> args)
    {
        // code-server's own default when no --bind-addr is given.
        var host = "127.0.0.1";
        var port = 8080;
        var auth = "password";
        var showVersion = false;
        string? folder = null;
        var ignored = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var (name, inlineValue) = Split(args[i]);
            switch (name)
            {
                case "--bind-addr":
                    (host, port) = ParseBindAddress(inlineValue ?? Next(args, ref i, name));
                    break;
                case "--auth":
                    auth = inlineValue ?? Next(args, ref i, name);
                    break;
                case "--version":
                case "-v":
                    showVersion = true;
                    break;
                default:
                    if (i == args.Count - 1 && !args[i].StartsWith('-'))
                    {
                        folder = args[i];
                        break;
                    }

                    ignored.Add(args[i]);
                    break;
            }
        }

        if (auth is not "none" and not "password")
        {
            throw new ArgumentException($"--auth must be 'none' or 'password', not '{auth}'");
        }

        return new StandInArguments(host, port, auth, showVersion, folder, ignored);
    }

    private static (string Name, string? Value) Split(string arg)
    {
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        return arg.StartsWith("--", StringComparison.Ordinal) && equals > 0
            ? (arg[..equals], arg[(equals + 1)..])
            : (arg, null);
    }

    private static string Next(IReadOnlyList<string> args, ref int i, string name)
    {
        if (i + 1 >= args.Count)
        {
            throw new ArgumentException($"{name} needs a value");
        }

        i++;
        return args[i];
    }

    private static (string Host, int Port) ParseBindAddress(string value)
    {
        var colon = value.LastIndexOf(':');
        if (colon <= 0
            || !int.TryParse(value[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port is < 0 or > 65535)
        {
            throw new ArgumentException($"--bind-addr must be host:port, not '{value}'");
        }

        return (value[..colon].Trim('[', ']'), port);
    }
}
