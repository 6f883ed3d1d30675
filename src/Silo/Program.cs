using ZlhGrind.Silo.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddZlhLogging();
builder.AddZlhSilo();

var app = builder.Build();
app.MapZlhSiloEndpoints();
app.Run();
