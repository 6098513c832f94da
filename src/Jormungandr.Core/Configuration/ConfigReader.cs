using Jormungandr.Commands;
using Jormungandr.Identity;
using Jormungandr.Toml;

namespace Jormungandr.Configuration;

/// <summary>
/// Reads option values from a configuration file's table: paths relative to the file's directory,
/// ports and ranges checked, and every value check of the options records (<see cref="Tunnel.OptionChecks"/>)
/// re-thrown at the value's <c>file:line:column</c>.
/// </summary>
internal sealed class ConfigReader(TomlSection section, string baseDirectory)
{
    public TomlSection Section => section;

    /// <summary>A path, made absolute against the file's directory; null when absent.</summary>
    public string? Path(string key)
    {
        string? value = section.String(key);
        if (value is null)
        {
            return null;
        }

        if (value.Trim().Length == 0)
        {
            throw section.Error(section.LocationOf(key), $"'{key}' is empty");
        }

        return System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDirectory, value));
    }

    /// <summary>A TCP/UDP port; null when absent.</summary>
    public int? Port(string key) => (int?)section.Integer(key, 1, 65535);

    /// <summary>A whole number of seconds from <paramref name="min"/> to <paramref name="max"/>; null when absent.</summary>
    public TimeSpan? Seconds(string key, int min, int max) => section.Integer(key, min, max) is long s ? TimeSpan.FromSeconds(s) : null;

    /// <summary>A string that <paramref name="check"/> accepts; null when absent.</summary>
    public string? Checked(string key, Action<string> check)
    {
        string? value = section.String(key);
        if (value is not null)
        {
            At(key, () => check(value));
        }

        return value;
    }

    /// <summary>The passphrase in the file a key names; null when absent.</summary>
    public string? PassphraseFrom(string key)
    {
        string? file = Path(key);
        string? passphrase = null;
        if (file is not null)
        {
            At(key, () => passphrase = PassphraseFile.Read(file));
        }

        return passphrase;
    }

    /// <summary>Runs a check; its error is reported at the key's value.</summary>
    public void At(string key, Action check)
    {
        try
        {
            check();
        }
        catch (SnekException e) when (e is not TomlFileException)
        {
            throw section.Error(section.LocationOf(key), e.Message);
        }
    }
}
