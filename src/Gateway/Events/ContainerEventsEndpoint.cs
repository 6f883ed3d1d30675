using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using ZlhGrind.Gateway.Auth;
using ZlhGrind.Gateway.Cluster;
using ZlhGrind.Gateway.Hosting;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Events;

namespace ZlhGrind.Gateway.Events;

/// <summary>
/// <c>GET /api/servers/{id}/events</c>: server-sent events fed by the container's <c>container-events</c> stream.
/// Ownership is checked (by reading the status) before subscribing. Every event carries its container sequence
/// number as <c>id:</c>. A fresh stream starts with the status (so the portal has a baseline); a client that
/// reconnects with <c>Last-Event-ID</c> gets what it missed from the grain's bounded buffer, or a <c>resync</c> event
/// carrying the current status when the gap is older than the buffer. Every keep-alive tick the stream compares
/// notes with the grain: events the subscription did not bring (a silo restart drops it) are sent from the buffer
/// (or a <c>resync</c>) and the stream subscribes again (<see cref="ContainerEventSubscription"/>, shared with the consoles), so an open stream never goes silent for good. An event
/// whose number skips one (its predecessor died in flight with a silo) is preceded by the same comparison, so a
/// lost event is never silently jumped over.
/// </summary>
internal static partial class ContainerEventsEndpoint
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
        var channel = Channel.CreateBounded<ContainerEvent?>(new BoundedChannelOptions(settings.BufferSize)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });

        var logger = loggers.CreateLogger(typeof(ContainerEventsEndpoint));
        var subscription = new ContainerEventSubscription(ContainerEventStream.Of(client, id), item => channel.Writer.TryWrite(item), logger, id);
        await subscription.SubscribeAsync();

        metrics.OpenEventStreams.Add(1);

        // A null item is the heartbeat tick.
        using var heartbeat = timeProvider.CreateTimer(static state => ((ChannelWriter<ContainerEvent?>)state!).TryWrite(null), channel.Writer, settings.HeartbeatInterval, settings.HeartbeatInterval);
        var writer = new EventWriter(http.Response, json.Value.SerializerOptions, http.RequestAborted);
        try
        {
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            http.Response.Headers["X-Accel-Buffering"] = "no";
            http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

            // The baseline is read after subscribing, so no change can fall between it and the first event; events
            // the subscription brings again are skipped by their number.
            var lastEventId = LastEventId(http.Request);
            var replay = await ReplayAsync(grain, actor, lastEventId);
            if (lastEventId is null)
            {
                await writer.WriteAsync("status", replay.LastSequence, replay.Status);
                writer.Delivered = replay.LastSequence;
            }
            else
            {
                await writer.CatchUpAsync(replay);
            }

            await foreach (var item in channel.Reader.ReadAllAsync(http.RequestAborted))
            {
                if (item is not null)
                {
                    // A skipped number: the event before this one was lost in flight (a silo died with it queued) or
                    // the grain came back above its reserved numbers. The grain knows which: its buffer or a resync.
                    // When it cannot be asked, nothing is written and the next keep-alive compares notes again.
                    if (item.Sequence <= writer.Delivered + 1 || await CompareNotesAsync(writer, grain, actor, logger, id, http.RequestAborted) is not null)
                    {
                        await writer.WriteAsync(item);
                    }

                    if (item.Kind == ContainerEventKind.Deleted)
                    {
                        // Deleted, perhaps through another gateway: this one forgets the kind (the id may come back as
                        // the other kind) and ends the stream, which has nothing more to say.
                        containers.Kinds.Forget(id);
                        break;
                    }

                    continue;
                }

                await http.Response.WriteAsync(": keep-alive\n\n", http.RequestAborted);
                await http.Response.Body.FlushAsync(http.RequestAborted);
                if (await CompareNotesAsync(writer, grain, actor, logger, id, http.RequestAborted) == true)
                {
                    // The subscription missed events (it is gone after a silo restart): take a fresh one. A failure (the
                    // cluster may be restarting) is logged; the next keep-alive finds the gap and subscribes again.
                    await subscription.RenewAsync();
                }
            }
        }
        catch (Exception) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client closed the stream (a cancelled read or a failed write): the normal way for it to end.
        }
        finally
        {
            channel.Writer.TryComplete();
            await subscription.DisposeAsync();
            metrics.OpenEventStreams.Add(-1);
        }
    }

    /// <summary>
    /// Sends what the client misses according to the grain: true when something was missing, false when nothing was,
    /// null when the grain could not be asked (the cluster may be restarting; the caller tries again later).
    /// </summary>
    private static async Task<bool?> CompareNotesAsync(EventWriter writer, IContainerGrain grain, Actor actor, ILogger logger, long id, CancellationToken aborted)
    {
        try
        {
            return await writer.CatchUpAsync(await ReplayAsync(grain, actor, writer.Delivered));
        }
        catch (Exception exception) when (!aborted.IsCancellationRequested)
        {
            LogCatchUpFailed(logger, id, exception.Message);
            return null;
        }
    }

    private static async Task<EventReplay> ReplayAsync(IContainerGrain grain, Actor actor, long? afterSequence)
    {
        using (ContainerGrains.ScopeFor(actor))
        {
            return await grain.GetEventsSinceAsync(actor, afterSequence);
        }
    }

    /// <summary>The client's <c>Last-Event-ID</c> when it is a number we could have sent; anything else starts afresh.</summary>
    private static long? LastEventId(HttpRequest request) =>
        long.TryParse(request.Headers["Last-Event-ID"].ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
            ? id
            : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "The event stream of {ContainerId} could not compare notes with its container; the next keep-alive retries: {Reason}")]
    private static partial void LogCatchUpFailed(ILogger logger, long containerId, string reason);

    /// <summary>Writes events in order of their numbers, each once.</summary>
    private sealed class EventWriter(HttpResponse response, JsonSerializerOptions serializer, CancellationToken cancellationToken)
    {
        /// <summary>The number of the last event the client has.</summary>
        public long Delivered { get; set; }

        public async Task WriteAsync(ContainerEvent item)
        {
            if (item.Sequence <= Delivered)
            {
                return;
            }

            await WriteAsync(JsonNamingPolicy.CamelCase.ConvertName(item.Kind.ToString()), item.Sequence, item);
            Delivered = item.Sequence;
        }

        /// <summary>Sends what the client misses after <see cref="Delivered"/>; true when anything was missing.</summary>
        public async Task<bool> CatchUpAsync(EventReplay replay)
        {
            if (replay.Events is null)
            {
                await WriteAsync("resync", replay.LastSequence, replay.Status);
                Delivered = replay.LastSequence;
                return true;
            }

            var missed = false;
            foreach (var item in replay.Events)
            {
                missed |= item.Sequence > Delivered;
                await WriteAsync(item);
            }

            Delivered = Math.Max(Delivered, replay.LastSequence);
            return missed;
        }

        public async Task WriteAsync<T>(string eventName, long sequence, T data)
        {
            // Serialized JSON has no raw newlines, so one data line carries the whole document.
            var text = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"id: {sequence}\nevent: {eventName}\ndata: {JsonSerializer.Serialize(data, serializer)}\n\n");
            await response.WriteAsync(text, cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
        }
    }
}
