using Microsoft.Extensions.Options;
using ZlhGrind.ServiceDefaults;

namespace ZlhGrind.Gateway.Events;

/// <summary>Checks the <c>Events</c> section at start.</summary>
internal sealed class EventsOptionsValidator : IValidateOptions<EventsOptions>
{
    public ValidateOptionsResult Validate(string? name, EventsOptions options) =>
        new OptionsFailures(EventsOptions.SectionName)
            .Positive(nameof(options.HeartbeatInterval), options.HeartbeatInterval)
            .Positive(nameof(options.BufferSize), options.BufferSize)
            .Result;
}
