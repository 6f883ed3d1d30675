namespace ZlhGrind.Gateway;

internal static class Program
{
    public static async Task Main(string[] args)
    {
        var app = GatewayApp.Build(args);
        await app.RunAsync();
    }
}
