namespace ZlhGrind.Benchmarks.Scenarios;
