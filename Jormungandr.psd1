# Module manifest of Jormungandr, a post-quantum VPN for Linux (binary module, PowerShell 7.6 on .NET 10).
# Kept to literal values only: tests/unit/Jormungandr.PowerShell.Tests parse it without PowerShell.
@{
    RootModule           = 'Jormungandr.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '13b4fe89-0ecd-43c3-84a2-6bd29db91173'
    Author               = 'Jormungandr'
    CompanyName          = 'Jormungandr'
    Copyright            = '(c) Jormungandr contributors.'
    Description          = 'Jormungandr: a post-quantum (ML-KEM-1024 + P-384, ML-DSA-65) VPN for Linux, driven by cmdlets and PowerShell jobs; also the legacy echo protocol.'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.6'
    FormatsToProcess     = @('Jormungandr.Format.ps1xml')
    CmdletsToExport      = @(
        'New-SnekCertificate'
        'Get-SnekCertificate'
        'Start-SnekServer'
        'Connect-SnekPeer'
        'Get-SnekSession'
        'Disconnect-SnekPeer'
        'Stop-SnekTunnel'
        'Install-SnekService'
        'Uninstall-SnekService'
        'Get-SnekService'
        'Invoke-LegacyEcho'
        'Start-LegacyEchoServer'
        'New-SnekClient'
        'Remove-SnekClient'
        'Get-SnekClient'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags = @('VPN', 'PostQuantum', 'Linux', 'ML-KEM', 'ML-DSA')
        }
    }
}
