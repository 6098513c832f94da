using System.Security.Cryptography;
using Jormungandr.Commands;
using Jormungandr.Identity;
using Jormungandr.Protocol;
using Microsoft.Extensions.Logging;

namespace Jormungandr.Engine;

/// <summary>
/// Which server keys a client accepts: exactly the pinned key (<c>--server-key</c>), else any
/// <c>*.pub</c> in the trusted-servers directory. With trust on first use (explicit switch only), an
/// unknown key is accepted when nothing is recorded for this server name yet, and then recorded as
/// <c>&lt;dir&gt;/&lt;server&gt;.pub</c>; a different key for an already recorded name is refused.
/// </summary>
internal sealed class ServerKeyPolicy : IPeerKeyPolicy
{
    private readonly byte[]? _pinned;
    private readonly string? _directory;
    private readonly string _serverName;
    private readonly bool _tofu;
    private readonly ILogger _logger;
    private byte[]? _acceptedOnFirstUse;

    public ServerKeyPolicy(string? pinnedPath, string? trustedDirectory, string serverName, bool trustOnFirstUse, ILogger logger)
    {
        _logger = logger;
        _serverName = serverName;
        _tofu = trustOnFirstUse;
        if (pinnedPath is not null)
        {
            using SnekIdentity pinned = SnekIdentity.LoadPublic(pinnedPath);
            _pinned = pinned.PublicKey;
            return;
        }

        _directory = trustedDirectory ?? Tunnel.TunnelDefaults.TrustedServersPath;
        if (!trustOnFirstUse && !Directory.Exists(_directory))
        {
            throw new SnekException("ServerKeyNotPinned", ErrorKind.SecurityError,
                $"No server key to trust: give --server-key, put the server's .pub in {_directory}, or allow --trust-on-first-use.", _directory);
        }
    }

    /// <summary>Accepts exactly <paramref name="pinnedKey"/> (a key given inline, as in a profile).</summary>
    public ServerKeyPolicy(byte[] pinnedKey, ILogger logger)
    {
        _pinned = pinnedKey;
        _serverName = "";
        _logger = logger;
    }

    /// <summary>The file the first-use key was recorded in, once recorded.</summary>
    public string? RecordedPath { get; private set; }

    private string RecordPath => Path.Combine(_directory!, SafeName(_serverName) + ".pub");

    public bool IsAcceptable(ReadOnlySpan<byte> publicKey)
    {
        // Only the key of the handshake that succeeds may be recorded: a key offered by an earlier,
        // failed handshake (say an impostor that never sent a Confirmation) must not linger here.
        _acceptedOnFirstUse = null;
        if (_pinned is not null)
        {
            return CryptographicOperations.FixedTimeEquals(_pinned, publicKey);
        }

        if (Directory.Exists(_directory))
        {
            foreach (string file in Directory.EnumerateFiles(_directory, "*.pub"))
            {
                try
                {
                    using SnekIdentity id = SnekIdentity.LoadPublic(file);
                    if (CryptographicOperations.FixedTimeEquals(id.PublicKey, publicKey))
                    {
                        return true;
                    }
                }
                catch (SnekException e)
                {
                    _logger.LogWarning("Skipping trusted server key {File}: {Reason}", file, e.Message);
                }
            }
        }

        if (_tofu && !File.Exists(RecordPath))
        {
            _acceptedOnFirstUse = publicKey.ToArray();
            return true;
        }

        return false;
    }

    /// <summary>After a successful handshake: records a key accepted on first use.</summary>
    public void RecordIfFirstUse()
    {
        if (_acceptedOnFirstUse is null)
        {
            return;
        }

        Directory.CreateDirectory(_directory!);
        using SnekIdentity id = SnekIdentity.FromPublicKey(_acceptedOnFirstUse);
        id.SavePublic(RecordPath);
        RecordedPath = RecordPath;
        _logger.LogWarning("Trusted server key {Fingerprint} on first use; recorded in {Path}", id.Fingerprint, RecordPath);
        _acceptedOnFirstUse = null;
    }

    private static string SafeName(string name)
    {
        var chars = name.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (!(char.IsAsciiLetterOrDigit(chars[i]) || chars[i] is '.' or '-' or '_'))
            {
                chars[i] = '_';
            }
        }

        return new string(chars);
    }
}
