namespace Jormungandr.IO;

/// <summary>
/// A path named a FIFO, device, socket or directory where a regular file was expected; it was refused
/// without reading from it (reading a FIFO blocks, a device yields endless or garbage bytes).
/// </summary>
internal sealed class NotRegularFileException(string path, FileKind kind)
    : IOException($"'{path}' is {FileStatus.Describe(kind)}, not a regular file.")
{
    /// <summary>The path refused.</summary>
    public string Path { get; } = path;

    /// <summary>What the path turned out to be.</summary>
    public FileKind Kind { get; } = kind;
}
