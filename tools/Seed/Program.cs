using ZlhGrind.Tools.Seed;

// The demo data of `./zlh up`, put in through the gateway's API as a user would:
//   provision  mint local tokens, add the catalog entries, provision the demo containers (operator), set the IDE address
//   ready      wait for the demo containers, start the game server the first time, write .zlh/run/env
try
{
    var arguments = SeedArguments.Parse(args);
    using var api = new GatewayApi(arguments.Gateway);
    return arguments.Verb switch
    {
        SeedArguments.Provision => await DemoProvisioning.RunAsync(arguments, api),
        _ => await DemoReadiness.RunAsync(arguments, api),
    };
}
catch (SeedException ex)
{
    await Console.Error.WriteLineAsync("seed: error: " + ex.Message);
    return 1;
}
