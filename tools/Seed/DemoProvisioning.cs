using System.Globalization;
using System.Net;
using System.Text.Json;

namespace ZlhGrind.Tools.Seed;

/// <summary>
/// <c>provision</c>: the catalog entries, the game and the dev container of the local stack, each only once. The demo
/// ids are fixed and only operators choose ids, so the operator provisions them for the local user.
/// </summary>
internal static class DemoProvisioning
{
    public const string LocalUser = "local";

    public static async Task<int> RunAsync(SeedArguments arguments, GatewayApi api)
    {
        var token = await api.MintTokenAsync(LocalUser, isOperator: false);
        var operatorToken = await api.MintTokenAsync("operator", isOperator: true);

        foreach (var (name, version) in arguments.Runtimes)
        {
            var entry = CatalogEntry.ForArchive(name, version, Path.Combine(arguments.State, "artifacts"), arguments.ArtifactsUrl!);
            var (status, body) = await api.SendAsync(HttpMethod.Post, "/api/dev/runtimes", operatorToken, entry);
            if (status is not (HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.Conflict))
            {
                throw new SeedException($"adding the catalog entry {name} {version} failed (HTTP {(int)status}): {body?.ToJsonString()}");
            }
        }

        var newGame = await ProvisionAsync(arguments, api, token, operatorToken, arguments.GameId, "/api/servers", new
        {
            id = arguments.GameId,
            ownerId = LocalUser,
            template = "generic",
            startCommand = arguments.GameCommand,
            stopCommand = "stop",
            memoryMb = 1024,
        });
        await ProvisionAsync(arguments, api, token, operatorToken, arguments.DevId, "/api/dev", new
        {
            id = arguments.DevId,
            ownerId = LocalUser,
            runtime = arguments.Runtimes[0].Name,
            enableCodeServer = true,
        });

        // The platform, not the agent, says where the dev container lives (the gateway allows exactly that address).
        var (addressStatus, addressBody) = await api.SendAsync(
            HttpMethod.Put, $"/api/admin/containers/{arguments.DevId}/ide-address", operatorToken, new { address = arguments.IdeAddress });
        if (addressStatus != HttpStatusCode.NoContent)
        {
            throw new SeedException($"setting the dev container's address failed (HTTP {(int)addressStatus}): {addressBody?.ToJsonString()}");
        }

        SecretFile.Write(arguments.SeedFile, JsonSerializer.Serialize(new SeedState(token, operatorToken, newGame)));
        return 0;
    }

    /// <summary>Provisions container <paramref name="id"/> unless it exists; keeps its agent credential in its agent folder.</summary>
    /// <returns>Whether the container was provisioned now.</returns>
    private static async Task<bool> ProvisionAsync(SeedArguments arguments, GatewayApi api, string token, string operatorToken, long id, string path, object body)
    {
        var credential = Path.Combine(arguments.AgentFolder(id), "credential");
        var (existing, _) = await api.SendAsync(HttpMethod.Get, $"/api/servers/{id}/status", token);
        if (existing == HttpStatusCode.OK)
        {
            return File.Exists(credential) && new FileInfo(credential).Length > 0
                ? false
                : throw new SeedException($"container {id} exists but {credential} is gone; remove {arguments.State} to start afresh");
        }

        var (status, answer) = await api.SendAsync(HttpMethod.Post, path, operatorToken, body);
        if (status is not (HttpStatusCode.OK or HttpStatusCode.Created) || answer?["agentCredential"]?.GetValue<string>() is not { Length: > 0 } secret)
        {
            throw new SeedException($"provisioning {id.ToString(CultureInfo.InvariantCulture)} failed (HTTP {(int)status}): {answer?.ToJsonString()}");
        }

        SecretFile.Write(credential, secret);
        return true;
    }
}
