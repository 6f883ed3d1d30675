namespace ZlhGrind.Gateway.Events;

/// <summary>Checks the <c>Events</c> section at start.</summary>
internal sealed class EventsOptionsValidator() : SectionValidator<EventsOptions>(EventsOptions.SectionName, static (options, failures) => failures
    .Positive(nameof(options.HeartbeatInterval), options.HeartbeatInterval)
    .Positive(nameof(options.BufferSize), options.BufferSize));
