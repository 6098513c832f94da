namespace Jormungandr.Service;

/// <summary>Writes a unit file the way systemd should find it: whole (temporary file and rename), mode 0644.</summary>
internal static class UnitFileWriter
{
    public static void Write(string path, string text)
    {
        string temporary = path + ".snek-tmp";
        try
        {
            File.WriteAllText(temporary, text);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(temporary);
            }
            catch (Exception inner) when (inner is IOException or UnauthorizedAccessException)
            {
            }

            throw new Commands.SnekException("UnitFileWriteFailed", Commands.ErrorKind.PermissionDenied, $"Cannot write {path}: {e.Message}", path, e);
        }
    }
}
