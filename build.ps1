#Requires -Version 7.6
<#
.SYNOPSIS
    Builds Jormungandr, runs the xunit tests, then the Pester tests against the built module.
.DESCRIPTION
    Needs only the .NET 10 SDK: `dotnet tool restore` brings pwsh 7.6.9 (.config/dotnet-tools.json), and
    Pester 5.9.1 comes from the package the Pester test project restores. dotnet test already runs the
    Pester suite in PowerShell hosted by that test project; this script runs it once more in the pwsh
    it runs in. dotnet build lays out the importable module in out/Jormungandr/<version>/ (an MSBuild target in
    src/Jormungandr.PowerShell). Pester runs in a child pwsh so this session never loads (and locks) the
    freshly built Jormungandr.dll.
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1
.EXAMPLE
    ./build.ps1 -ArtifactsPath /tmp/art -SkipUnitTests
.EXAMPLE
    ./build.ps1 -Configuration Release -NativeAot -SkipUnitTests -SkipPester
    Also publishes snek compiled ahead of time to out/snek/snek (needs clang and zlib1g-dev): one file,
    no JIT, and about a third less CPU per round trip of a lone packet (bench/README.md).
#>
[CmdletBinding()]
param(
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug',

    # Passed to dotnet as --artifacts-path (keeps parallel builds apart).
    [string] $ArtifactsPath,

    [switch] $SkipUnitTests,

    [switch] $SkipPester,

    # Also publish snek compiled ahead of time (NativeAOT) to out/snek/.
    [switch] $NativeAot
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$modules = $null

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

if ($NativeAot) {
    if (-not (Get-Command clang -ErrorAction SilentlyContinue)) {
        throw 'NativeAot needs clang (and zlib1g-dev): apt-get install clang zlib1g-dev'
    }
    $rid = [System.Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier
    $snekDir = Join-Path $root 'out' 'snek'
    Write-Host "==> snek ahead of time ($rid) to $snekDir"
    dotnet publish (Join-Path $root 'src' 'Jormungandr.Cli') @dotnetArgs -r $rid -p:PublishAot=true -o $snekDir
    if ($LASTEXITCODE -ne 0) { throw "dotnet publish -p:PublishAot=true failed with exit code $LASTEXITCODE" }
}

if (-not $SkipUnitTests) {
    Write-Host '==> dotnet test'
    # The Pester suite runs below in this pwsh, so not also through its xunit host here.
    dotnet test $solution @dotnetArgs --no-build --filter 'FullyQualifiedName!~Jormungandr.Tests.PesterSuiteTests'
    if ($LASTEXITCODE -ne 0) { throw "dotnet test failed with exit code $LASTEXITCODE" }
}

if ($SkipPester) {
    return
}

# Pester: an installed Pester 5, else the package the Pester test project restores (its tools/ folder is
# the module). The suite runs in a child of this same PowerShell, so this session never loads (and locks)
# the freshly built Jormungandr.dll.
$pesterVersion = '5.9.1'
$pester = Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version -ge [version]'5.0.0' } | Sort-Object Version -Descending | Select-Object -First 1
$modulePath = $env:PSModulePath
if (-not $pester) {
    $packages = (dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    $restored = Join-Path $packages.Trim() 'pester' $pesterVersion 'tools'
    if (-not (Test-Path -LiteralPath (Join-Path $restored 'Pester.psd1'))) {
        throw "Pester $pesterVersion is neither installed nor restored in $restored (dotnet restore restores it)"
    }
    # PSModulePath wants <folder>/Pester/<version>/Pester.psd1: lay the package's tools/ out that way.
    $modules = Join-Path ([IO.Path]::GetTempPath()) "jormungandr-pester-$PID"
    $null = New-Item -ItemType Directory -Force (Join-Path $modules 'Pester')
    Copy-Item -Recurse -Force $restored (Join-Path $modules 'Pester' $pesterVersion)
    $modulePath = $modules + [IO.Path]::PathSeparator + $env:PSModulePath
}

$powershell = [Environment]::ProcessPath
$prefix = @()
if ([IO.Path]::GetFileNameWithoutExtension($powershell) -eq 'dotnet') {
    $prefix = @([Environment]::GetCommandLineArgs()[0])   # pwsh as a .NET tool: dotnet pwsh.dll
}

Write-Host "==> Pester $pesterVersion against $moduleDir in PowerShell $($PSVersionTable.PSVersion)"
$saved = $env:PSModulePath
try {
    $env:PSModulePath = $modulePath
    & $powershell @prefix -NoProfile -NonInteractive -File (Join-Path $root 'tests' 'pester' 'Run-Pester.ps1') -ModuleDirectory $moduleDir
    $failed = $LASTEXITCODE
}
finally {
    $env:PSModulePath = $saved
    if ($modules) { Remove-Item -Recurse -Force $modules -ErrorAction SilentlyContinue }
}
if ($failed -ne 0) { throw "$failed Pester test(s) failed" }
Write-Host '==> all tests passed'
