using System.CommandLine;
using System.Security;
using Jormungandr.Commands;
using Jormungandr.Identity;

namespace Jormungandr.Cli;

/// <summary><c>snek gencert</c> and <c>snek cert show</c> (the original's <c>-g DIR</c> is rewritten to gencert).</summary>
internal static class CertificateCli
{
    /// <summary>Longest passphrase file read.</summary>

    /// <summary>Creates <c>snek gencert &lt;dir&gt; [--name N] [--passphrase-file F | --passphrase-stdin] [--force]</c>.</summary>
    public static Command CreateGencert()
    {
        Argument<string> directory = new("dir") { Description = "Directory for <name>.pub and <name>.priv (created, mode 0700, if missing)." };
        Option<string> name = new("--name", "-n") { Description = "Base name of the key files.", DefaultValueFactory = _ => SnekIdentity.DefaultName };
        Option<string?> passphraseFile = new("--passphrase-file") { Description = "Protect the private key with the passphrase in the first line of this file." };
        Option<bool> passphraseStdin = new("--passphrase-stdin") { Description = "Protect the private key with a passphrase read as one line from standard input." };
        Option<bool> force = new("--force", "-f") { Description = "Overwrite existing key files." };

        Command command = new("gencert", "Create an ML-DSA-65 identity: <dir>/<name>.priv (mode 0600) and <dir>/<name>.pub.")
        {
            directory, name, passphraseFile, passphraseStdin, force,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(passphraseFile) is not null && result.GetValue(passphraseStdin))
            {
                result.AddError("--passphrase-file and --passphrase-stdin cannot be used together.");
            }
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            using SecureString? passphrase = await ReadPassphraseAsync(parse.GetValue(passphraseFile), parse.GetValue(passphraseStdin), cancellationToken).ConfigureAwait(false);
            NewCertificateOptions options = new()
            {
                Path = parse.GetRequiredValue(directory),
                Name = parse.GetValue(name) ?? SnekIdentity.DefaultName,
                Passphrase = passphrase,
                Force = parse.GetValue(force),
            };
            return await CliRunner.RunAsync(parse, new NewCertificateCommand(), options, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Creates <c>snek cert show &lt;file-or-dir&gt;</c>.</summary>
    public static Command CreateCert()
    {
        Argument<string> path = new("path") { Description = "A .pub or .priv file, a base path, or a directory of key pairs." };
        Command show = new("show", "Show identities: name, fingerprints, files, protection.") { path };
        show.SetAction((parse, cancellationToken) =>
            CliRunner.RunAsync(parse, new GetCertificateCommand(), new GetCertificateOptions { Path = parse.GetRequiredValue(path) }, cancellationToken));

        return new Command("cert", "Inspect identities (ML-DSA-65 key pairs).") { show };
    }

    /// <summary>The passphrase from a file's first line or one stdin line; null when neither was asked for.</summary>
    internal static async Task<SecureString?> ReadPassphraseAsync(string? file, bool fromStdin, CancellationToken cancellationToken)
    {
        string? line;
        string source;
        if (file is not null)
        {
            source = $"passphrase file '{file}'";
            line = PassphraseFile.ReadFirstLine(file);
        }
        else if (fromStdin)
        {
            source = "standard input";
            // Console reads ignore cancellation: wait on them so Ctrl+C still ends a pending read at once.
            TextReader stdin = CliContext.Current.Stdin;
            line = await Task.Run(stdin.ReadLine, CancellationToken.None).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            return null;
        }

        if (string.IsNullOrEmpty(line))
        {
            throw new SnekException("PassphraseEmpty", ErrorKind.InvalidArgument, $"No passphrase in {source}: the first line is empty.", source);
        }

        return SecurePassphrase.From(line);
    }
}
