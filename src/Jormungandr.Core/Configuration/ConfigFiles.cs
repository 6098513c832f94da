namespace Jormungandr.Configuration;

/// <summary>What the configuration files share.</summary>
internal static class ConfigFiles
{
    /// <summary>The directory relative paths in <paramref name="path"/> are taken from.</summary>
    public static string DirectoryOf(string path) => Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
}
