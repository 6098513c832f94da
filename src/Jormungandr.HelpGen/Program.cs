using Jormungandr.HelpGen;

// Usage: Jormungandr.HelpGen <docs/cmdlets> <output en-US folder>
if (args.Length != 2 || !Directory.Exists(args[0]))
{
    Console.Error.WriteLine("usage: Jormungandr.HelpGen <docs/cmdlets directory> <output directory>");
    return 2;
}

try
{
    foreach (string path in HelpBuild.Run(args[0], args[1]))
    {
        Console.WriteLine($"HelpGen: wrote {path}");
    }

    return 0;
}
catch (HelpFormatException ex)
{
    // MSBuild recognises "error XX:" lines and fails the build with the message.
    Console.Error.WriteLine($"error HELPGEN1: {ex.Message}");
    return 1;
}
