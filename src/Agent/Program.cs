using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using ZlhGrind.Agent.Hosting;

// The agent reads its settings once, at start: watching appsettings.json for changes would cost a thread (and an
// inotify watch) in every container for nothing.
var configuration = new ConfigurationManager();
configuration.AddInMemoryCollection([new("hostBuilder:reloadConfigOnChange", "false")]);
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, Configuration = configuration });
builder.AddZlhAgent();
return await builder.Build().RunAgentAsync();
