using System.Management.Automation;
using System.Security;
using Jormungandr.Identity;
using Jormungandr.PowerShell.Runtime;

namespace Jormungandr.PowerShell;

/// <summary>
/// <para type="synopsis">Creates an ML-DSA-65 identity: a private key file and its public key.</para>
/// <para type="description">Writes NAME.priv (mode 0600, optionally passphrase-protected) and NAME.pub
/// into each directory given (or piped) and returns the SnekCertificate describing them. A bad -Name or
/// -Passphrase is terminating; a failure for one directory (files exist, no permission) is a
/// non-terminating error and the next directory is still processed.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "SnekCertificate", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(SnekCertificate))]
public sealed class NewSnekCertificateCommand : SnekCmdlet
{
    /// <summary>Directories for the key files; each created (mode 0700) when missing. Default: the current location.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = ["."];

    /// <summary>Base name of the files (NAME.priv and NAME.pub).</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = SnekIdentity.DefaultName;

    /// <summary>Protects the private key with this passphrase.</summary>
    [Parameter]
    public SecureString? Passphrase { get; set; }

    /// <summary>Overwrites existing key files.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>The command's options from the bound parameters; <paramref name="resolve"/> maps user paths to file system paths.</summary>
    internal NewCertificateOptions CreateOptions(Func<string, string> resolve, string path) =>
        new()
        {
            Path = resolve(path),
            Name = Name,
            Passphrase = Passphrase,
            Force = Force.IsPresent,
        };

    /// <summary>A bad name or passphrase concerns every directory: refused once, before any is touched.</summary>
    protected override void BeginProcessing() =>
        Validate(() => NewCertificateCommand.Validate(CreateOptions(static p => p, ".")));

    /// <summary>Creates a key pair in each directory.</summary>
    protected override void ProcessRecord()
    {
        foreach (string path in Path)
        {
            NewCertificateOptions options = CreateOptions(ResolvePath, path);

            // The command asks ShouldProcess itself (naming both files) before it writes anything.
            Run(new NewCertificateCommand(), options, target: options.Path, terminating: false);
        }
    }
}
