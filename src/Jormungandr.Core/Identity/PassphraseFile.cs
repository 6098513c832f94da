using Jormungandr.Commands;

namespace Jormungandr.Identity;

/// <summary>A passphrase kept in a file: its first line (at most 4096 bytes), as <c>--passphrase-file</c> and configuration files give it.</summary>
public static class PassphraseFile
{
    /// <summary>Largest passphrase file read.</summary>
    public const int MaxSize = 4096;

    /// <summary>The first line of <paramref name="file"/>; null when the file is empty.</summary>
    /// <exception cref="SnekException">PassphraseFileNotFound, PassphraseFileTooLarge, PassphraseFileAccessDenied, PassphraseFileUnreadable.</exception>
    public static string? ReadFirstLine(string file)
    {
        ArgumentNullException.ThrowIfNull(file);
        try
        {
            FileInfo info = new(file);
            if (!info.Exists)
            {
                throw new SnekException("PassphraseFileNotFound", ErrorKind.ObjectNotFound, $"The passphrase file '{file}' does not exist.", file);
            }

            if (info.Length > MaxSize)
            {
                throw new SnekException("PassphraseFileTooLarge", ErrorKind.InvalidArgument, $"The passphrase file '{file}' is larger than {MaxSize} bytes.", file);
            }

            using StreamReader reader = new(file);
            return reader.ReadLine();
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new SnekException("PassphraseFileAccessDenied", ErrorKind.PermissionDenied, $"Cannot read the passphrase file '{file}': permission denied.", file, ex);
        }
        catch (IOException ex)
        {
            throw new SnekException("PassphraseFileUnreadable", ErrorKind.NotSpecified, $"Cannot read the passphrase file '{file}': {ex.Message}", file, ex);
        }
    }

    /// <summary>The passphrase in <paramref name="file"/>; refuses an empty first line (PassphraseEmpty).</summary>
    public static string Read(string file)
    {
        string? line = ReadFirstLine(file);
        if (string.IsNullOrEmpty(line))
        {
            throw new SnekException("PassphraseEmpty", ErrorKind.InvalidArgument, $"No passphrase in '{file}': the first line is empty.", file);
        }

        return line;
    }
}
