using Microsoft.Extensions.FileProviders;

// The local artifact store of ./zlh up: serves runtime and add-on archives from one folder over HTTP,
// as the platform's real artifact server does (plain GET, Content-Length, no directory listing).
var builder = WebApplication.CreateBuilder(args);
var root = Path.GetFullPath(builder.Configuration["Artifacts:Root"] ?? ".zlh/artifacts");
Directory.CreateDirectory(root);
builder.WebHost.UseUrls(builder.Configuration["Artifacts:Url"] ?? "http://127.0.0.1:8090");

var app = builder.Build();
app.UseStaticFiles(new StaticFileOptions
{
    FileProvider = new PhysicalFileProvider(root),
    ServeUnknownFileTypes = true,
    DefaultContentType = "application/octet-stream",
});
app.MapGet("/healthz", () => Results.Text("ok"));
Console.WriteLine($"artifact store: serving {root}");
app.Run();
