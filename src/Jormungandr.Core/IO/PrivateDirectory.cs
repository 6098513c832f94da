namespace Jormungandr.IO;

/// <summary>A directory only its owner may enter (0700), for state that must not leak to other users.</summary>
internal static class PrivateDirectory
{
    /// <summary>Creates <paramref name="path"/> (and its parents) as 0700 if it does not exist; an existing one is left as it is.</summary>
    public static void Create(string path)
    {
        if (Directory.Exists(path))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
