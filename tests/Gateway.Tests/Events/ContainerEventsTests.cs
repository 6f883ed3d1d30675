using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Streams;
using ZlhGrind.Grains.Events;
using System.Text.Json;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Gateway.Tests.Events;

[Collection(GatewayCollection.Name)]
public sealed class ContainerEventsTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Events_StateChange_ReachesOpenStream()
    {
        var (id, agent) = await fixture.ProvisionDevAsync("events-owner");
        using var portal = fixture.CreateClient(TestTokens.For("events-owner"));
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await portal.GetAsync($"/api/servers/{id}/events", HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));

        var first = await ReadEventAsync(reader, cancel.Token);
        await agent.ReportStateAsync(DevContainerState.Installing);
        var next = await ReadUntilAsync(reader, "stateChanged", cancel.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("status", first.Name);
        Assert.Equal("Provisioning", first.Data.GetProperty("state").GetString());
        Assert.Equal("stateChanged", next.Name);
        Assert.Equal(id, next.Data.GetProperty("containerId").GetInt64());
        Assert.Equal("Installing", next.Data.GetProperty("status").GetProperty("state").GetString());
    }

    [Fact]
    public async Task Events_IdleStream_GetsHeartbeatComment()
    {
        var (id, _) = await fixture.ProvisionDevAsync("events-idle");
        using var portal = fixture.CreateClient(TestTokens.For("events-idle"));
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await portal.GetAsync($"/api/servers/{id}/events", HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        await ReadEventAsync(reader, cancel.Token);

        fixture.Clock.Advance(TimeSpan.FromSeconds(10));

        // The provisioning event may still be on its way through the stream (it was published just before
        // the subscription); it is skipped, and the next comment must be the keep-alive.
        string? line;
        while ((line = await reader.ReadLineAsync(cancel.Token)) is not null && !line.StartsWith(':'))
        {
        }

        Assert.Equal(": keep-alive", line);
    }

    [Fact]
    public async Task Events_NonOwner_404BeforeAnyStream()
    {
        var (id, _) = await fixture.ProvisionDevAsync("events-private");
        using var stranger = fixture.CreateClient(TestTokens.For("events-stranger"));

        var response = await stranger.GetAsync($"/api/servers/{id}/events");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Events_ClientDisconnects_GatewayUnsubscribes()
    {
        var (id, _) = await fixture.ProvisionDevAsync("events-bye");
        var stream = fixture.Client.GetStreamProvider(ContainerEvents.StreamProvider)
            .GetStream<ContainerEvent>(StreamId.Create(ContainerEvents.Namespace, id));
        var closed = new SemaphoreSlim(0);
        var meters = fixture.Gateway.Services.GetRequiredService<IMeterFactory>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == meters && instrument.Name == "zlh.gateway.events.open_streams")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, change, _, _) =>
        {
            if (change < 0)
            {
                closed.Release();
            }
        });
        listener.Start();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var portal = fixture.CreateClient(TestTokens.For("events-bye"));
        var response = await portal.GetAsync($"/api/servers/{id}/events", HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        await ReadEventAsync(reader, cancel.Token);
        var whileOpen = (await stream.GetAllSubscriptionHandles()).Count;

        reader.Dispose();
        response.Dispose();
        portal.Dispose();

        // Every closed stream signals; wait until one of them was this container's.
        while ((await stream.GetAllSubscriptionHandles()).Count > 0)
        {
            await closed.WaitAsync(cancel.Token);
        }

        Assert.Equal(1, whileOpen);
    }

    [Fact]
    public async Task Events_ReconnectWithLastEventId_GetsOnlyWhatItMissed()
    {
        var (id, agent) = await fixture.ProvisionDevAsync("events-again");
        using var portal = fixture.CreateClient(TestTokens.For("events-again"));
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        long seen;
        using (var first = await portal.GetAsync($"/api/servers/{id}/events", HttpCompletionOption.ResponseHeadersRead, cancel.Token))
        using (var reader = new StreamReader(await first.Content.ReadAsStreamAsync(cancel.Token)))
        {
            seen = (await ReadWithIdAsync(reader, cancel.Token)).Id!.Value;
        }

        await agent.ReportStateAsync(DevContainerState.Installing);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/servers/{id}/events");
        request.Headers.Add("Last-Event-ID", seen.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var again = await portal.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        using var replayed = new StreamReader(await again.Content.ReadAsStreamAsync(cancel.Token));
        var missed = await ReadWithIdAsync(replayed, cancel.Token);

        Assert.Equal(1, seen);
        Assert.Equal("stateChanged", missed.Name);
        Assert.Equal(2, missed.Id);
        Assert.Equal("Installing", missed.Data.GetProperty("status").GetProperty("state").GetString());
        Assert.Equal(2, missed.Data.GetProperty("sequence").GetInt64());
    }

    [Fact]
    public async Task Events_LastEventIdNotHeld_GetsResyncWithTheStatus()
    {
        var (id, agent) = await fixture.ProvisionDevAsync("events-resync");
        await agent.ReportStateAsync(DevContainerState.Installing);
        using var portal = fixture.CreateClient(TestTokens.For("events-resync"));
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/servers/{id}/events");
        request.Headers.Add("Last-Event-ID", "999999");
        using var response = await portal.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));

        var first = await ReadWithIdAsync(reader, cancel.Token);

        Assert.Equal("resync", first.Name);
        Assert.Equal(2, first.Id);
        Assert.Equal("Installing", first.Data.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Events_SubscriptionLostAsInASiloRestart_NextEventStillArrives()
    {
        var (id, agent) = await fixture.ProvisionDevAsync("events-lost");
        var stream = fixture.Client.GetStreamProvider(ContainerEvents.StreamProvider)
            .GetStream<ContainerEvent>(StreamId.Create(ContainerEvents.Namespace, id));
        using var portal = fixture.CreateClient(TestTokens.For("events-lost"));
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await portal.GetAsync($"/api/servers/{id}/events", HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        await ReadEventAsync(reader, cancel.Token);

        // The pub/sub forgets the gateway's subscription, as a restarted silo's memory streams do.
        foreach (var handle in await stream.GetAllSubscriptionHandles())
        {
            await handle.UnsubscribeAsync();
        }

        await agent.ReportStateAsync(DevContainerState.Installing);
        fixture.Clock.Advance(TimeSpan.FromSeconds(10));
        var next = await ReadUntilAsync(reader, "stateChanged", cancel.Token);

        Assert.Equal("Installing", next.Data.GetProperty("status").GetProperty("state").GetString());
        Assert.Equal(2, next.Data.GetProperty("sequence").GetInt64());
    }

    [Fact]
    public async Task Events_ContainerDeletedThroughAnotherGateway_DeletedEventEndsTheStreamAndTheKindIsForgotten()
    {
        var (id, _) = await fixture.ProvisionDevAsync("events-deleted");
        using var portal = fixture.CreateClient(TestTokens.For("events-deleted"));
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await portal.GetAsync($"/api/servers/{id}/events", HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        await ReadEventAsync(reader, cancel.Token);

        // Deleted by another gateway (the grain directly; no agent ever connected, so it is gone at once).
        var actor = new Actor("events-deleted", IsOperator: false);
        await fixture.Client.GetGrain<IDevContainerGrain>(id).DeleteAsync(actor, keepData: false);
        var deleted = await ReadUntilAsync(reader, "deleted", cancel.Token);

        Assert.Equal("Deleted", deleted.Data.GetProperty("status").GetProperty("state").GetString());
        Assert.Null(await reader.ReadLineAsync(cancel.Token));

        // An operator provisions the id again as a game server: this gateway routes it to its new kind.
        await fixture.Client.GetGrain<IGameServerGrain>(id).ProvisionAsync(actor, new GameServerSpec("generic", "java -jar server.jar nogui", "stop", 2048));
        var status = await portal.GetAsync($"/api/servers/{id}/status", cancel.Token);
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Equal("Game", JsonDocument.Parse(await status.Content.ReadAsStringAsync(cancel.Token)).RootElement.GetProperty("kind").GetString());
    }

    internal static async Task<(string Name, JsonElement Data)> ReadUntilAsync(StreamReader reader, string name, CancellationToken cancellationToken)
    {
        // Events published just before the subscription (provisioned) may still arrive first.
        while (true)
        {
            var item = await ReadEventAsync(reader, cancellationToken);
            if (item.Name == name)
            {
                return item;
            }
        }
    }

    internal static async Task<(string Name, JsonElement Data)> ReadEventAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        var (name, data, _) = await ReadWithIdAsync(reader, cancellationToken);
        return (name, data);
    }

    internal static async Task<(string Name, JsonElement Data, long? Id)> ReadWithIdAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        string? name = null;
        string? data = null;
        long? id = null;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0 && data is not null)
            {
                return (name ?? "message", JsonDocument.Parse(data).RootElement.Clone(), id);
            }

            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = long.Parse(line["id: ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line["data: ".Length..];
            }
        }

        throw new EndOfStreamException("The event stream ended.");
    }
}
