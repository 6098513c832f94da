#Requires -Version 7.6
<#
.SYNOPSIS
    Runs the Pester 5 suite against the built module (out/Jormungandr/<version>) and writes NUnit XML.
.DESCRIPTION
    Used by .ci/run and build.ps1. Build first (dotnet build lays out the module). Exits with the number
    of failed tests (0 when all passed).
.EXAMPLE
    pwsh -NoProfile -File tests/pester/Run-Pester.ps1 -ResultPath ./pester.xml
#>
[CmdletBinding()]
param(
    # The Pester files or folders to run; default every *.Tests.ps1 beside this script.
    [string[]] $Path = @($PSScriptRoot),

    # Where to write the NUnit XML results; none when omitted.
    [string] $ResultPath,

    # The module folder to test; default out/Jormungandr/<ModuleVersion> of this repository.
    [string] $ModuleDirectory
)

$ErrorActionPreference = 'Stop'
$pester = Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version -ge [version]'5.0.0' } | Sort-Object Version -Descending | Select-Object -First 1
if (-not $pester) {
    Write-Error 'Pester 5 is required: Install-Module Pester -MinimumVersion 5.0 -Scope CurrentUser'
    exit 1
}

Import-Module $pester.Path
if ($ModuleDirectory) {
    $env:JORMUNGANDR_MODULE = (Resolve-Path $ModuleDirectory).Path
}

$config = New-PesterConfiguration
$config.Run.Path = $Path
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
if ($env:NO_COLOR -or [Console]::IsOutputRedirected) {
    $config.Output.RenderMode = 'Plaintext'
}
if ($ResultPath) {
    $config.TestResult.Enabled = $true
    $config.TestResult.OutputFormat = 'NUnitXml'
    $config.TestResult.OutputPath = $ResultPath
}

$result = Invoke-Pester -Configuration $config
exit [Math]::Min($result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount, 255)
