namespace ZlhGrind.Tools.StandInIde;

/// <summary>
/// The page a browser sees: it opens the echo WebSocket relative to its own URL, so it works behind a path prefix, and
/// reloads itself when that socket closes.
/// </summary>
internal static class StandInPage
{
    public const string Html = """
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>Stand-in IDE</title></head>
        <body>
          <h1>Stand-in IDE</h1>
          <p>WebSocket: <strong id="status">connecting</strong></p>
          <p>Echo: <span id="echo"></span></p>
          <script>
            const reloadDelayMs = 1000;
            const url = new URL('echo', window.location.href);
            url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
            const socket = new WebSocket(url);
            const status = document.getElementById('status');
            socket.onopen = () => { status.textContent = 'connected'; socket.send('hello'); };
            socket.onmessage = (message) => { document.getElementById('echo').textContent = message.data; };
            // Like code-server after a lost connection: reload the window, so whatever the gateway now answers for
            // this URL (e.g. its "IDE session ended" page after revocation) is what the user sees.
            socket.onclose = () => {
              status.textContent = 'disconnected, reloading';
              setTimeout(() => window.location.reload(), reloadDelayMs);
            };
            socket.onerror = () => { status.textContent = 'error'; };
          </script>
        </body>
        </html>
        """;
}
