using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Jormungandr.Commands;
using Jormungandr.Crypto;

namespace Jormungandr.Identity;

/// <summary>
/// Creates an ML-DSA-65 identity: <c>&lt;Path&gt;/&lt;Name&gt;.priv</c> (mode 0600, raw or passphrase-armored)
/// and <c>&lt;Name&gt;.pub</c>, then emits a <see cref="SnekCertificate"/>. Refuses to overwrite without
/// <see cref="NewCertificateOptions.Force"/>; asks ShouldProcess before writing anything.
/// </summary>
public sealed class NewCertificateCommand : ISnekCommand<NewCertificateOptions>
{
    /// <summary>The ShouldProcess action text.</summary>
    public const string Action = "Create ML-DSA-65 key pair";

    /// <summary>Progress activity id of the passphrase stretching.</summary>
    public const int ProgressActivityId = 0x5E1D;

    /// <inheritdoc />
    public Task ExecuteAsync(NewCertificateOptions options, ICommandOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        Validate(options);

        string directory = Path.GetFullPath(options.Path);
        string privatePath = Path.Combine(directory, options.Name + KeyFile.PrivateExtension);
        string publicPath = Path.Combine(directory, options.Name + KeyFile.PublicExtension);
        if (File.Exists(directory))
        {
            throw new SnekException(CertificateErrorIds.InvalidPath, ErrorKind.InvalidArgument, $"'{directory}' is a file; give the directory to create the key files in.", directory);
        }

        if (!options.Force)
        {
            foreach (string path in (ReadOnlySpan<string>)[privatePath, publicPath])
            {
                if (File.Exists(path))
                {
                    throw KeyFile.Exists(path);
                }
            }
        }

        if (!output.ShouldProcess($"{publicPath}, {privatePath}", Action))
        {
            return Task.CompletedTask;
        }

        cancellationToken.ThrowIfCancellationRequested();
        output.WriteVerbose($"ML-DSA provider: {MlDsa.Provider.Name}");
        if (!Directory.Exists(directory))
        {
            output.WriteVerbose($"Creating directory '{directory}' (mode 0700).");
            CreateDirectory(directory);
        }

        using SnekIdentity identity = SnekIdentity.Generate();
        output.WriteVerbose($"Generated {SnekIdentity.AlgorithmName} key pair {identity.Fingerprint}.");

        byte[] privateContent;
        if (options.Passphrase is { } passphrase)
        {
            string activity = $"Protecting '{privatePath}'";
            output.WriteProgress(new CommandProgress(ProgressActivityId, activity, string.Create(CultureInfo.InvariantCulture, $"Stretching passphrase (PBKDF2-SHA-256, {ArmoredPrivateKey.DefaultIterations} iterations)")));
            try
            {
                privateContent = Encoding.ASCII.GetBytes(ArmoredPrivateKey.Encrypt(identity.SecretKeySpan, passphrase, SystemRandom.Instance));
            }
            finally
            {
                output.WriteProgress(new CommandProgress(ProgressActivityId, activity, "Done", 100, Completed: true));
            }

            output.WriteVerbose("Private key encrypted with AES-256-GCM under the stretched passphrase.");
        }
        else
        {
            privateContent = identity.SecretKeySpan.ToArray();
        }

        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            KeyFile.WriteAtomic(privatePath, privateContent, KeyFile.PrivateMode, options.Force);
            output.WriteVerbose($"Wrote '{privatePath}' (mode 0600).");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateContent);
        }

        KeyFile.WriteAtomic(publicPath, identity.PublicKeySpan, KeyFile.PublicMode, options.Force);
        output.WriteVerbose($"Wrote '{publicPath}'.");

        output.WriteObject(new SnekCertificate
        {
            Name = options.Name,
            Algorithm = SnekIdentity.AlgorithmName,
            Fingerprint = identity.Fingerprint,
            ShortFingerprint = identity.ShortFingerprint,
            PublicKeyPath = publicPath,
            PrivateKeyPath = privatePath,
            Protected = options.Passphrase is not null,
            Created = CertificateFiles.CreatedTime(publicPath),
        });
        return Task.CompletedTask;
    }

    /// <summary>Checks the options that do not depend on the file system (name, passphrase, a path given).</summary>
    /// <exception cref="SnekException">CertificateInvalidArgument naming the bad value.</exception>
    public static void Validate(NewCertificateOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Path))
        {
            throw Invalid("A directory for the key files is required (Path).", options.Path);
        }

        string name = options.Name ?? string.Empty;
        if (name.Length == 0 || name.Length > 200 || name is "." or ".." || name.AsSpan().IndexOfAny(['/', '\\', '\0']) >= 0 || name.Trim() != name)
        {
            throw Invalid($"'{name}' is not a usable key name: give a plain file name without directories, e.g. '{SnekIdentity.DefaultName}'.", name);
        }

        if (name.EndsWith(KeyFile.PublicExtension, StringComparison.OrdinalIgnoreCase) || name.EndsWith(KeyFile.PrivateExtension, StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid($"Give the key name without extension ('{Path.GetFileNameWithoutExtension(name)}'); .pub and .priv are added.", name);
        }

        if (options.Passphrase is { Length: 0 })
        {
            throw Invalid("The passphrase is empty; omit it for an unprotected key or give a real one.", null);
        }
    }

    private static void CreateDirectory(string directory)
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new SnekException(CertificateErrorIds.AccessDenied, ErrorKind.PermissionDenied, $"Cannot create '{directory}': permission denied.", directory, ex);
        }
        catch (IOException ex)
        {
            throw new SnekException(CertificateErrorIds.IOError, ErrorKind.NotSpecified, $"Cannot create '{directory}': {ex.Message}", directory, ex);
        }
    }

    private static SnekException Invalid(string message, object? target) =>
        new(CertificateErrorIds.InvalidArgument, ErrorKind.InvalidArgument, message, target);
}
