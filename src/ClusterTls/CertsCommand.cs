using System.Globalization;
using System.Net;

namespace ZlhGrind.ClusterTls;

/// <summary>
/// <c>certs ca DIR</c>, <c>certs local DIR</c> and <c>certs issue DIR NAME silo|client [--ip A]... [--dns N]... [--days N]</c>: the platform's CA
/// and its certificates as PEM files in one folder (DIR/ca.pem, DIR/ca.key, DIR/NAME.pem, DIR/NAME.key). Existing
/// files are never overwritten, so a second run changes nothing and a CA is never replaced by accident.
/// </summary>
public static class CertsCommand
{
    public const string Name = "certs";
    private const int DefaultDays = 825;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            return args switch
            {
                [Name, "ca", var directory] => CreateCa(directory, output),
                [Name, "local", var directory] => CreateLocal(directory, output),
                [Name, "issue", var directory, var name, var role, .. var rest] => Issue(directory, name, role, rest, output, error),
                _ => Usage(error),
            };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            error.WriteLine("certs: " + ex.Message);
            return 1;
        }
    }

    private static int CreateCa(string directory, TextWriter output)
    {
        var (certificate, key) = CertificateFolder.Paths(directory, CertificateFolder.Ca);
        output.WriteLine(CertificateFolder.CreateCa(directory, DateTimeOffset.UtcNow)
            ? $"certs: wrote {certificate} and {key}"
            : $"certs: {certificate} exists; kept");
        return 0;
    }

    private static int CreateLocal(string directory, TextWriter output)
    {
        LocalCertificates.Create(directory);
        output.WriteLine($"certs: {directory} holds ca, {LocalCertificates.Silo} (127.0.0.1, localhost) and {LocalCertificates.Client}");
        return 0;
    }

    private static int Issue(string directory, string name, string roleText, string[] rest, TextWriter output, TextWriter error)
    {
        if (name.Length == 0 || name == CertificateFolder.Ca || name.IndexOfAny(['/', '\\']) >= 0 || name.StartsWith('.'))
        {
            error.WriteLine($"certs: '{name}' is not a usable certificate name (a file name other than 'ca').");
            return 2;
        }

        ClusterTlsRole role;
        switch (roleText)
        {
            case "silo":
                role = ClusterTlsRole.Silo;
                break;
            case "client":
                role = ClusterTlsRole.Client;
                break;
            default:
                error.WriteLine($"certs: the role must be silo or client (got '{roleText}').");
                return 2;
        }

        var addresses = new List<IPAddress>();
        var dnsNames = new List<string>();
        var days = DefaultDays;
        for (var i = 0; i < rest.Length; i += 2)
        {
            var value = i + 1 < rest.Length ? rest[i + 1] : null;
            switch (rest[i])
            {
                case "--ip" when value is not null && IPAddress.TryParse(value, out var address):
                    addresses.Add(address);
                    break;
                case "--dns" when !string.IsNullOrWhiteSpace(value):
                    dnsNames.Add(value);
                    break;
                case "--days" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed is > 0 and <= CertificateFolder.CaDays:
                    days = parsed;
                    break;
                default:
                    error.WriteLine($"certs: '{rest[i]} {value}' is not --ip ADDRESS, --dns NAME or --days 1..{CertificateFolder.CaDays}.");
                    return 2;
            }
        }

        if (role == ClusterTlsRole.Silo && addresses.Count + dnsNames.Count == 0)
        {
            error.WriteLine("certs: a silo certificate needs the addresses it is reached at (--ip, --dns): clients check them.");
            return 2;
        }

        var (certificate, key) = CertificateFolder.Paths(directory, name);
        using var issued = CertificateFolder.Issue(directory, name, ca => CertificateAuthority.Issue(ca, name, role, addresses, dnsNames, DateTimeOffset.UtcNow, TimeSpan.FromDays(days)));
        output.WriteLine(issued is null
            ? $"certs: {certificate} exists; kept (remove it and its key to issue a new one)"
            : $"certs: wrote {certificate} and {key} ({roleText}, valid until {issued.NotAfter.ToUniversalTime():u})");
        return 0;
    }

    private static int Usage(TextWriter error)
    {
        error.WriteLine("usage: certs ca DIR");
        error.WriteLine("       certs local DIR     (ca, a silo certificate for 127.0.0.1/localhost, a client certificate)");
        error.WriteLine("       certs issue DIR NAME silo|client [--ip ADDRESS]... [--dns NAME]... [--days N]");
        return 2;
    }
}
