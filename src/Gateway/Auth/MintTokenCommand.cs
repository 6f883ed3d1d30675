using System.Globalization;
using Microsoft.Extensions.Options;

namespace ZlhGrind.Gateway.Auth;

/// <summary>
/// <c>ZlhGrind.Gateway mint-token USER [--operator] [--lifetime HH:MM:SS]</c>: prints a portal token signed with the
/// configured key, for local stacks and scripts (<c>./zlh up</c> writes one to <c>.zlh/run/env</c>). Printing it is
/// the point; it is never logged.
/// </summary>
internal static class MintTokenCommand
{
    public const string Name = "mint-token";

    public static int Run(string[] args, TextWriter output, TextWriter error, IConfiguration? overrides = null)
    {
        if (args.Length < 2 || string.IsNullOrWhiteSpace(args[1]) || args[1].StartsWith("--", StringComparison.Ordinal))
        {
            error.WriteLine("usage: mint-token USER [--operator] [--lifetime HH:MM:SS]");
            return 2;
        }

        var isOperator = false;
        TimeSpan? lifetime = null;
        for (var i = 2; i < args.Length; i++)
        {
            if (args[i] == "--operator")
            {
                isOperator = true;
            }
            else if (args[i] == "--lifetime" && i + 1 < args.Length && TimeSpan.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var parsed) && parsed > TimeSpan.Zero)
            {
                lifetime = parsed;
                i++;
            }
            else
            {
                error.WriteLine("unknown or incomplete option: " + args[i]);
                return 2;
            }
        }

        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddConfiguration(overrides ?? new ConfigurationBuilder().Build())
            .Build();
        var settings = configuration.GetSection(JwtOptions.SectionName).Get<JwtOptions>() ?? new JwtOptions();
        if (new JwtOptionsValidator().Validate(null, settings) is { Failed: true } invalid)
        {
            foreach (var failure in invalid.Failures)
            {
                error.WriteLine(failure);
            }

            return 1;
        }

        var issuer = new TokenIssuer(Options.Create(settings), TimeProvider.System);
        output.WriteLine(issuer.Issue(args[1], isOperator, lifetime ?? settings.DevTokenLifetime));
        return 0;
    }
}
