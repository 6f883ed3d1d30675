using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ZlhGrind.Tools.Seed;

/// <summary>
/// <c>ready</c>: waits until the game server has installed and the dev container is ready, starts a game server
/// provisioned in this run once it stands installed, then writes <c>run/env</c> and tells the user where things are.
/// </summary>
internal static class DemoReadiness
{
    private static readonly TimeSpan PollPeriod = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    public static async Task<int> RunAsync(SeedArguments arguments, GatewayApi api)
    {
        var seed = ReadSeed(arguments.SeedFile);
        var startGame = seed.StartGame;
        string? gameState = null;
        var devReady = false;
        using var timer = new PeriodicTimer(PollPeriod);
        var deadline = DateTime.UtcNow + Patience;
        do
        {
            gameState = (await StatusAsync(api, arguments.GameId, seed.Token))?["state"]?.GetValue<string>();
            devReady = (await StatusAsync(api, arguments.DevId, seed.Token))?["dev"]?["provisioningComplete"]?.GetValue<bool>() == true;
            if (startGame && gameState == "Stopped")
            {
                await api.SendAsync(HttpMethod.Post, $"/api/servers/{arguments.GameId}/power", seed.Token, new { action = "start" });
                startGame = false;
            }

            if (!startGame && gameState is not ("Provisioning" or "Installing") && devReady)
            {
                break;
            }
        }
        while (DateTime.UtcNow < deadline && await timer.WaitForNextTickAsync());

        if (!devReady)
        {
            throw new SeedException($"the dev container did not become ready (see the log of agent-{arguments.DevId})");
        }

        var env = new StringBuilder()
            .Append("ZLH_GATEWAY_URL=").AppendLine(arguments.Gateway.GetLeftPart(UriPartial.Authority))
            .Append("ZLH_TOKEN=").AppendLine(seed.Token)
            .Append("ZLH_OPERATOR_TOKEN=").AppendLine(seed.OperatorToken)
            .Append("ZLH_GAME_ID=").AppendLine(arguments.GameId.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Append("ZLH_DEV_ID=").AppendLine(arguments.DevId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        SecretFile.Write(Path.Combine(arguments.State, "run", "env"), env.ToString().Replace("\r\n", "\n", StringComparison.Ordinal));
        File.Delete(arguments.SeedFile);

        await Console.Error.WriteLineAsync($"""

              ZlhGrind is up.
                portal     {arguments.Gateway.GetLeftPart(UriPartial.Authority)}/#token={seed.Token}
                dashboard  {arguments.DashboardUrl!.GetLeftPart(UriPartial.Authority)}/dashboard
                game       container {arguments.GameId} ({gameState}) · dev container {arguments.DevId} (ready, IDE via "Open IDE")
                settings   .zlh/run/env · logs in .zlh/logs/ · Ctrl-C stops everything

            """);
        return 0;
    }

    private static async Task<JsonNode?> StatusAsync(GatewayApi api, long id, string token)
    {
        var (status, body) = await api.SendAsync(HttpMethod.Get, $"/api/servers/{id}/status", token);
        return status == HttpStatusCode.OK ? body : null;
    }

    private static SeedState ReadSeed(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<SeedState>(File.ReadAllText(path)) ?? throw new SeedException($"{path} is empty");
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            throw new SeedException($"{path} could not be read ({ex.Message}); run 'provision' first");
        }
    }
}
