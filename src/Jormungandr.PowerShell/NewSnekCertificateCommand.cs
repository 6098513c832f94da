using System.Management.Automation;
using System.Security;
using Jormungandr.Identity;
using Jormungandr.PowerShell.Runtime;

namespace Jormungandr.PowerShell;

/// <summary>
/// <para type="synopsis">Creates an ML-DSA-65 identity: a private key file and its public key.</para>
/// <para type="description">Writes NAME.priv (mode 0600, optionally passphrase-protected) and NAME.pub
/// into a directory and returns the SnekCertificate describing them.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "SnekCertificate", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(SnekCertificate))]
public sealed class NewSnekCertificateCommand : SnekCmdlet
{
    /// <summary>Directory for the key files; created (mode 0700) when missing. Default: the current location.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = ".";

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
    internal NewCertificateOptions CreateOptions(Func<string, string> resolve) =>
        new()
        {
            Path = resolve(Path),
            Name = Name,
            Passphrase = Passphrase,
            Force = Force.IsPresent,
        };

    /// <summary>Creates the key pair.</summary>
    protected override void EndProcessing()
    {
        NewCertificateOptions options = CreateOptions(ResolvePath);

        // The command asks ShouldProcess itself (naming both files) before it writes anything.
        Run(new NewCertificateCommand(), options, target: options.Path);
    }
}
