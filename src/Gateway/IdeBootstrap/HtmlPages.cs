using System.Text.Encodings.Web;

namespace ZlhGrind.Gateway.IdeBootstrap;

/// <summary>The small HTML pages a browser tab sees when the IDE cannot be opened.</summary>
internal static class HtmlPages
{
    public static Task WriteAsync(HttpContext http, int status, string title, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/html; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        var html = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>"
            + HtmlEncoder.Default.Encode(title)
            + "</title></head><body style=\"font-family:sans-serif;max-width:40em;margin:4em auto\"><h1>"
            + HtmlEncoder.Default.Encode(title)
            + "</h1><p>"
            + HtmlEncoder.Default.Encode(message)
            + "</p></body></html>";
        return http.Response.WriteAsync(html);
    }

    public static Task IdeLinkRefusedAsync(HttpContext http, string reason) => WriteAsync(
        http,
        StatusCodes.Status401Unauthorized,
        "This IDE link cannot be used",
        reason + " Open the IDE again from the portal.");
}
