namespace Jormungandr.Cli;

/// <summary>The <c>snek</c> entry point.</summary>
public static class Program
{
    /// <summary>Runs snek.</summary>
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("snek: not wired yet");
        return args.Length == 0 ? 0 : 1;
    }
}
