namespace ZlhGrind.Tools.Seed;

/// <summary>What <c>provision</c> hands to <c>ready</c>: the local tokens, and whether the game container is new this run.</summary>
internal sealed record SeedState(string Token, string OperatorToken, bool StartGame);
