using System.Text.RegularExpressions;
using Jormungandr.Commands;

namespace Jormungandr.Service;

/// <summary>
/// The shipped systemd units (<c>packaging/systemd/</c>, embedded in this assembly) and the names
/// around them: the template file, the instance for a tunnel name, its configuration file.
/// </summary>
public static partial class ServiceUnit
{
    /// <summary>Where units are installed by default.</summary>
    public const string DefaultUnitDirectory = "/etc/systemd/system";

    /// <summary>The program path written in the shipped units; <see cref="Render"/> replaces it.</summary>
    public const string ShippedExecutable = "/usr/local/bin/snek";

    /// <summary>Directory of the tunnels' configuration files (<c>&lt;name&gt;.toml</c>) the units read.</summary>
    public const string ConfigDirectory = "/etc/jormungandr";

    /// <summary>The target whose <c>.wants</c> directory <c>systemctl enable</c> links instances into.</summary>
    public const string WantedBy = "multi-user.target";

    /// <summary>Template unit file name, e.g. <c>jormungandr-server@.service</c>.</summary>
    public static string TemplateName(ServiceRole role) => $"jormungandr-{RoleWord(role)}@.service";

    /// <summary>Instance unit name, e.g. <c>jormungandr-server@office.service</c>.</summary>
    public static string InstanceName(ServiceRole role, string name) => $"jormungandr-{RoleWord(role)}@{name}.service";

    /// <summary>The configuration file the instance reads.</summary>
    public static string ConfigPath(string name) => $"{ConfigDirectory}/{name}.toml";

    /// <summary>The shipped template text for <paramref name="role"/>, running <paramref name="executable"/>.</summary>
    public static string Render(ServiceRole role, string executable)
    {
        CheckExecutable(executable);
        string resource = "systemd/" + TemplateName(role);
        using Stream stream = typeof(ServiceUnit).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The unit {resource} is not embedded in {typeof(ServiceUnit).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Replace(ShippedExecutable + " ", executable + " ", StringComparison.Ordinal);
    }

    /// <summary>Refuses a tunnel name that is not a plain instance and file name (letters, digits, <c>_ . -</c>; 1 to 64).</summary>
    public static void CheckName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!NamePattern().IsMatch(name))
        {
            throw new SnekException("ServiceNameInvalid", ErrorKind.InvalidArgument,
                $"Service name '{name}' must be 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit.", name);
        }
    }

    /// <summary>Refuses a program path systemd would split or expand (it is written into ExecStart= unquoted).</summary>
    public static void CheckExecutable(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!path.StartsWith('/') || !ExecutablePattern().IsMatch(path))
        {
            throw new SnekException("ServiceExecutableInvalid", ErrorKind.InvalidArgument,
                $"The snek path '{path}' must be absolute and use only letters, digits and '/ _ . + -' (it goes into ExecStart= as is).", path);
        }
    }

    /// <summary>The snek to put in ExecStart=: this process when it is snek, else <see cref="ShippedExecutable"/>.</summary>
    public static string DefaultExecutable()
    {
        string? self = Environment.ProcessPath;
        return self is not null && Path.GetFileName(self) == "snek" && ExecutablePattern().IsMatch(self) ? self : ShippedExecutable;
    }

    private static string RoleWord(ServiceRole role) => role switch
    {
        ServiceRole.Server => "server",
        ServiceRole.Client => "client",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex("^/[A-Za-z0-9/_.+-]{1,4095}$", RegexOptions.CultureInvariant)]
    private static partial Regex ExecutablePattern();
}
