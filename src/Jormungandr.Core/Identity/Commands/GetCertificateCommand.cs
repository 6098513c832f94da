using Jormungandr.Commands;

namespace Jormungandr.Identity;

/// <summary>
/// Describes identities on disk: for a file (or base path), one <see cref="SnekCertificate"/> or a
/// terminating error; for a directory, one object per <c>*.pub</c>/<c>*.priv</c> pair and a
/// non-terminating error for each bad one. Reads no secret: a protected key needs no passphrase.
/// </summary>
public sealed class GetCertificateCommand : ISnekCommand<GetCertificateOptions>
{
    /// <summary>Most key pairs described from one directory (bounds work on a hostile directory).</summary>
    public const int MaxPerDirectory = 10_000;

    /// <inheritdoc />
    public Task ExecuteAsync(GetCertificateOptions options, ICommandOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        if (string.IsNullOrWhiteSpace(options.Path))
        {
            throw new SnekException(CertificateErrorIds.InvalidArgument, ErrorKind.InvalidArgument, "A key file or directory is required (Path).", options.Path);
        }

        string full = Path.GetFullPath(options.Path);
        if (Directory.Exists(full))
        {
            DescribeDirectory(full, output, cancellationToken);
            return Task.CompletedTask;
        }

        string basePath = CertificateFiles.BasePathOf(full);
        if (!File.Exists(full) && !File.Exists(basePath + KeyFile.PublicExtension) && !File.Exists(basePath + KeyFile.PrivateExtension))
        {
            throw new SnekException(CertificateErrorIds.NotFound, ErrorKind.ObjectNotFound, $"No key file or directory '{full}'.", full);
        }

        output.WriteObject(CertificateFiles.Describe(basePath, output));
        return Task.CompletedTask;
    }

    private static void DescribeDirectory(string directory, ICommandOutput output, CancellationToken cancellationToken)
    {
        SortedSet<string> bases = new(StringComparer.Ordinal);
        try
        {
            foreach (string file in Directory.EnumerateFiles(directory))
            {
                if (file.EndsWith(KeyFile.PublicExtension, StringComparison.Ordinal) || file.EndsWith(KeyFile.PrivateExtension, StringComparison.Ordinal))
                {
                    bases.Add(CertificateFiles.BasePathOf(file));
                    if (bases.Count > MaxPerDirectory)
                    {
                        throw new SnekException(CertificateErrorIds.InvalidPath, ErrorKind.InvalidArgument, $"'{directory}' holds more than {MaxPerDirectory} key files.", directory);
                    }
                }
            }
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new SnekException(CertificateErrorIds.AccessDenied, ErrorKind.PermissionDenied, $"Cannot list '{directory}': permission denied.", directory, ex);
        }
        catch (IOException ex)
        {
            throw new SnekException(CertificateErrorIds.IOError, ErrorKind.NotSpecified, $"Cannot list '{directory}': {ex.Message}", directory, ex);
        }

        output.WriteVerbose($"{bases.Count} key name(s) in '{directory}'.");
        foreach (string basePath in bases)
        {
            cancellationToken.ThrowIfCancellationRequested();
            SnekCertificate certificate;
            try
            {
                certificate = CertificateFiles.Describe(basePath, output);
            }
            catch (SnekException ex)
            {
                output.WriteError(ex.ToCommandError());
                continue;
            }

            output.WriteObject(certificate);
        }
    }
}
