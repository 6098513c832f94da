using BenchmarkDotNet.Running;

namespace Jormungandr.Bench;

/// <summary>Entry point: <c>dotnet run -c Release --project bench/Jormungandr.Bench -- --filter '*'</c>.</summary>
public static class Program
{
    /// <summary>Runs the benchmarks selected on the command line.</summary>
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
