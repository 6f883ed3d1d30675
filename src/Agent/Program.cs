using Microsoft.Extensions.Hosting;
using ZlhGrind.Agent.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.AddZlhAgent();
return await builder.Build().RunAgentAsync();
