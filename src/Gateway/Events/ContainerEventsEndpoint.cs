using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Orleans.Streams;
using ZlhGrind.Gateway.Auth;
using ZlhGrind.Gateway.Cluster;
using ZlhGrind.Gateway.Hosting;
using ZlhGrind.Grains.Events;

namespace ZlhGrind.Gateway.Events;

/// <summary>
/// <c>GET /api/servers/{id}/events</c>: server-sent events fed by the container's <c>container-events</c> stream.
/// Ownership is checked (by reading the status) before subscribing; the first event is that status, so the portal
/// has a baseline; idle streams get heartbeat comments; the subscription ends when the client goes away.
/// </summary>
internal static class ContainerEventsEndpoint
{
    public static RouteGroupBuilder MapContainerEvents(this RouteGroupBuilder api)
    {
        api.MapGet("/servers/{id:vmid}/events", StreamAsync);
        return api;
    }

    private static async Task StreamAsync(
        HttpContext http,
        ContainerGrains containers,
        IClusterClient client,
        TimeProvider timeProvider,
        IOptions<EventsOptions> options,
        IOptions<JsonOptions> json,
        ILoggerFactory loggers,
        GatewayMetrics metrics,
        long id)
    {
        var actor = http.User.ToActor();
        var grain = await containers.AnyAsync(id);
        using (ContainerGrains.ScopeFor(actor))
        {
            // Ownership first: a stranger gets the 404 before anything is subscribed.
            await grain.GetStatusAsync(actor);
        }

        var settings = options.Value;
        var serializer = json.Value.SerializerOptions;
        var channel = Channel.CreateBounded<ContainerEvent?>(new BoundedChannelOptions(settings.BufferSize)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });

        var stream = client.GetStreamProvider(ContainerEvents.StreamProvider)
            .GetStream<ContainerEvent>(StreamId.Create(ContainerEvents.Namespace, id));
        var subscription = await stream.SubscribeAsync((item, _) =>
        {
            channel.Writer.TryWrite(item);
            return Task.CompletedTask;
        });

        metrics.OpenEventStreams.Add(1);

        // A null item is the heartbeat tick.
        using var heartbeat = timeProvider.CreateTimer(static state => ((ChannelWriter<ContainerEvent?>)state!).TryWrite(null), channel.Writer, settings.HeartbeatInterval, settings.HeartbeatInterval);
        var logger = loggers.CreateLogger(typeof(ContainerEventsEndpoint));
        try
        {
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            http.Response.Headers["X-Accel-Buffering"] = "no";
            http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

            // The baseline is read after subscribing, so no change can fall between it and the first event.
            Grains.Containers.ContainerStatus status;
            using (ContainerGrains.ScopeFor(actor))
            {
                status = await grain.GetStatusAsync(actor);
            }

            var cancel = http.RequestAborted;
            await WriteEventAsync(http.Response, "status", JsonSerializer.Serialize(status, serializer), cancel);
            await foreach (var item in channel.Reader.ReadAllAsync(cancel))
            {
                if (item is null)
                {
                    await http.Response.WriteAsync(": keep-alive\n\n", cancel);
                }
                else
                {
                    await WriteEventAsync(http.Response, JsonNamingPolicy.CamelCase.ConvertName(item.Kind.ToString()), JsonSerializer.Serialize(item, serializer), cancel);
                }

                await http.Response.Body.FlushAsync(cancel);
            }
        }
        catch (Exception) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client closed the stream (a cancelled read or a failed write): the normal way for it to end.
        }
        finally
        {
            channel.Writer.TryComplete();
            try
            {
                await subscription.UnsubscribeAsync();
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogWarning("Unsubscribing the events of {ContainerId} failed: {Reason}", id, exception.Message);
            }

            metrics.OpenEventStreams.Add(-1);
        }
    }

    private static async Task WriteEventAsync(HttpResponse response, string eventName, string data, CancellationToken cancellationToken)
    {
        // Serialized JSON has no raw newlines, so one data line carries the whole document.
        await response.WriteAsync("event: " + eventName + "\ndata: " + data + "\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
