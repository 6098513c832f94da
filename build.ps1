#Requires -Version 7.6
<#
.SYNOPSIS
    Builds Jormungandr, runs the xunit tests, then the Pester tests against the built module.
.DESCRIPTION
    dotnet build lays out the importable module in out/Jormungandr/<version>/ (an MSBuild target in
    src/Jormungandr.PowerShell). Pester runs in a child pwsh so this session never loads (and locks) the
    freshly built Jormungandr.dll.
.EXAMPLE
    ./build.ps1
.EXAMPLE
    ./build.ps1 -ArtifactsPath /tmp/art -SkipUnitTests
#>
[CmdletBinding()]
param(
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug',

    # Passed to dotnet as --artifacts-path (keeps parallel builds apart).
    [string] $ArtifactsPath,

    [switch] $SkipUnitTests,

    [switch] $SkipPester
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$root = $PSScriptRoot
$solution = Join-Path $root 'Jormungandr.sln'
$dotnetArgs = @('-c', $Configuration)
if ($ArtifactsPath) {
    $dotnetArgs += @('--artifacts-path', $ArtifactsPath)
}

Write-Host "==> dotnet build ($Configuration)"
dotnet build $solution @dotnetArgs
if ($LASTEXITCODE -ne 0) { throw "dotnet build failed with exit code $LASTEXITCODE" }

$version = (Import-PowerShellDataFile (Join-Path $root 'Jormungandr.psd1')).ModuleVersion
$moduleDir = Join-Path $root 'out' 'Jormungandr' $version
foreach ($file in 'Jormungandr.psd1', 'Jormungandr.dll', 'Jormungandr.Core.dll', 'Jormungandr.Format.ps1xml', 'en-US/Jormungandr.dll-Help.xml', 'en-US/about_Jormungandr.help.txt') {
    if (-not (Test-Path -LiteralPath (Join-Path $moduleDir $file))) {
        throw "The build did not lay out $file in $moduleDir"
    }
}
Write-Host "==> module laid out in $moduleDir"

if (-not $SkipUnitTests) {
    Write-Host '==> dotnet test'
    dotnet test $solution @dotnetArgs --no-build
    if ($LASTEXITCODE -ne 0) { throw "dotnet test failed with exit code $LASTEXITCODE" }
}

if ($SkipPester) {
    return
}

$pester = Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version -ge [version]'5.0.0' } | Sort-Object Version -Descending | Select-Object -First 1
if (-not $pester) {
    Write-Warning 'Pester 5 is not installed (Install-Module Pester -MinimumVersion 5.0 -Scope CurrentUser); skipping the Pester tests.'
    return
}

Write-Host "==> Pester $($pester.Version) against $moduleDir"
# A child pwsh, so this session never loads (and locks) the freshly built Jormungandr.dll.
pwsh -NoProfile -NonInteractive -File (Join-Path $root 'tests' 'pester' 'Run-Pester.ps1') -ModuleDirectory $moduleDir
if ($LASTEXITCODE -ne 0) { throw "$LASTEXITCODE Pester test(s) failed" }
Write-Host '==> all tests passed'
