using Jormungandr.HelpGen;

// Usage: Jormungandr.HelpGen <docs/cmdlets> <output en-US folder>
//        Jormungandr.HelpGen format <output .ps1xml file>
if (args is ["format", string formatFile])
{
    try
    {
        File.WriteAllText(formatFile, FormatFileWriter.Write(Jormungandr.Commands.DefaultTableViews.All), new System.Text.UTF8Encoding(false));
        Console.WriteLine($"HelpGen: wrote {formatFile}");
        return 0;
    }
    catch (HelpFormatException ex)
    {
        Console.Error.WriteLine($"error HELPGEN1: {ex.Message}");
        return 1;
    }
}

if (args.Length != 2 || !Directory.Exists(args[0]))
{
    Console.Error.WriteLine("usage: Jormungandr.HelpGen <docs/cmdlets directory> <output directory> | format <output .ps1xml file>");
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
