using ZlhGrind.ClusterTls;
using ZlhGrind.Silo.Hosting;

if (args is [CertsCommand.Name, ..])
{
    return CertsCommand.Run(args, Console.Out, Console.Error);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddSiloLogging();
builder.AddZlhSilo();

var app = builder.Build();
app.MapZlhSiloEndpoints();
app.Run();
return 0;
