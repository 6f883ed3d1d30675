using Orleans.Streams;
using ZlhGrind.Grains.Events;

namespace ZlhGrind.Gateway.Events;

/// <summary>
/// The gateway's one way onto a container's live events (the <c>container-events</c> stream keyed by container id):
/// the events endpoint and the console's state frames subscribe through it.
/// </summary>
internal static class ContainerEventStream
{
    public static IAsyncStream<ContainerEvent> Of(IClusterClient client, long id) =>
        client.GetStreamProvider(ContainerEvents.StreamProvider).GetStream<ContainerEvent>(StreamId.Create(ContainerEvents.Namespace, id));

    /// <summary>Subscribes <paramref name="onEvent"/>, which must not block (it runs on the stream's delivery).</summary>
    public static Task<StreamSubscriptionHandle<ContainerEvent>> SubscribeAsync(IAsyncStream<ContainerEvent> stream, Action<ContainerEvent> onEvent) =>
        stream.SubscribeAsync((item, _) =>
        {
            onEvent(item);
            return Task.CompletedTask;
        });

    /// <summary>Ends a subscription; a failure (the cluster may be restarting) is logged, the subscription dies with its silo anyway.</summary>
    public static async Task UnsubscribeAsync(StreamSubscriptionHandle<ContainerEvent> subscription, ILogger logger, long id)
    {
        try
        {
            await subscription.UnsubscribeAsync();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogWarning("Unsubscribing the events of {ContainerId} failed: {Reason}", id, exception.Message);
        }
    }
}
