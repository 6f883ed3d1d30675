using ZlhGrind.Gateway.Auth;

namespace ZlhGrind.Gateway;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is [MintTokenCommand.Name, ..])
        {
            return MintTokenCommand.Run(args, Console.Out, Console.Error);
        }

        var app = GatewayApp.Build(args);
        await app.RunAsync();
        return 0;
    }
}
