namespace ZlhGrind.Agent.DevContainer;

/// <summary>What the dev workload must remember across agent restarts: the last code-server request it carried out, so it is not repeated.</summary>
internal sealed record DevWorkloadState(long HandledCodeServerRequest);
