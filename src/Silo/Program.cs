using ZlhGrind.ClusterTls;
using ZlhGrind.Silo.Hosting;
using ZlhGrind.Silo.Storage;

if (args is [CertsCommand.Name, ..])
{
    return CertsCommand.Run(args, Console.Out, Console.Error);
}

if (args is [SchemaCommand.Name, ..])
{
    return await SchemaCommand.RunAsync(args, Environment.GetEnvironmentVariable(SchemaCommand.ConnectionVariable), Console.Out, Console.Error);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddSiloLogging();
builder.AddZlhSilo();

var app = builder.Build();
app.MapZlhSiloEndpoints();
app.Run();
return 0;
