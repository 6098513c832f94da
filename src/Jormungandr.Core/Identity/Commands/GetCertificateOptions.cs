namespace Jormungandr.Identity;

/// <summary>Options of <see cref="GetCertificateCommand"/> (<c>snek cert show</c>, <c>Get-SnekCertificate</c>).</summary>
public sealed record GetCertificateOptions
{
    /// <summary>
    /// A key file (<c>x.pub</c> or <c>x.priv</c>), a base path (<c>x</c>), or a directory (every
    /// <c>*.pub</c>/<c>*.priv</c> pair in it). Required.
    /// </summary>
    public string Path { get; init; } = string.Empty;
}
