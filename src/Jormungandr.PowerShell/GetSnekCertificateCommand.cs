using System.Management.Automation;
using Jormungandr.Identity;
using Jormungandr.PowerShell.Runtime;

namespace Jormungandr.PowerShell;

/// <summary>
/// <para type="synopsis">Describes Jormungandr key files: algorithm, fingerprints, protection.</para>
/// <para type="description">For a key file or base name, one SnekCertificate; for a directory, one per
/// key pair in it. Reads no secret, so protected keys need no passphrase.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "SnekCertificate")]
[OutputType(typeof(SnekCertificate))]
public sealed class GetSnekCertificateCommand : SnekCmdlet
{
    /// <summary>Key files (x.pub, x.priv), base names (x) or directories. Default: the current location.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = ["."];

    /// <summary>Describes each path; a bad one is a non-terminating error.</summary>
    protected override void ProcessRecord()
    {
        foreach (string path in Path)
        {
            string resolved = ResolvePath(path);
            WriteVerbose($"Reading key files at '{resolved}'.");
            Run(new GetCertificateCommand(), new GetCertificateOptions { Path = resolved }, target: resolved, terminating: false);
        }
    }
}
