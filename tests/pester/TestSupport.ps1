# Shared by the Pester tests: finds and imports the built module (never the sources).
$script:RepositoryRoot = (Resolve-Path (Join-Path $PSScriptRoot '..' '..')).Path

function Get-JormungandrModuleDirectory {
    if ($env:JORMUNGANDR_MODULE) {
        return $env:JORMUNGANDR_MODULE
    }

    $version = (Import-PowerShellDataFile (Join-Path $script:RepositoryRoot 'Jormungandr.psd1')).ModuleVersion
    return Join-Path $script:RepositoryRoot 'out' 'Jormungandr' $version
}

function Import-JormungandrModule {
    $manifest = Join-Path (Get-JormungandrModuleDirectory) 'Jormungandr.psd1'
    if (-not (Test-Path -LiteralPath $manifest)) {
        throw "Build first (dotnet build or ./build.ps1): $manifest does not exist."
    }

    Import-Module $manifest -Force -ErrorAction Stop
    return $manifest
}

# The command line that starts this same PowerShell again: pwsh itself, or dotnet and the entry assembly
# when the engine is hosted by dotnet (the .NET tool, or the test suite's own host).
function Get-PowerShellCommand {
    $process = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') {
        return @($process, [Environment]::GetCommandLineArgs()[0])
    }
    return @($process)
}

# A free loopback TCP port (bound and released; a race with other processes is possible but unlikely).
function Get-FreeTcpPort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { return $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

# Null when root, /dev/net/tun and ip are usable; otherwise the reason a network-lab test skips.
function Get-WhyNoNetworkLab {
    if (-not $IsLinux) { return 'needs Linux (TUN and network namespaces)' }
    if ((id -u) -ne '0') { return 'needs root to create network namespaces and TUN devices' }
    if (-not (Test-Path /dev/net/tun)) { return 'needs /dev/net/tun' }
    if (-not (Get-Command ip -ErrorAction SilentlyContinue)) { return "needs the 'ip' command (iproute2)" }
    return $null
}

# Waits (bounded) until the condition holds; throws with the message otherwise.
function Wait-Until([scriptblock] $Condition, [string] $Message, [int] $TimeoutSeconds = 20) {
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while (-not (& $Condition)) {
        if ([DateTime]::UtcNow -gt $deadline) { throw "Timed out after $TimeoutSeconds s: $Message" }
        Start-Sleep -Milliseconds 100
    }
}

# A [powershell] on its own runspace with the built module already imported, so the command under test
# runs alone (not as a batch: a batch's work item reads session variables after a stop, and a runspace
# closed at that moment takes the whole process down inside PowerShell).
function New-ModuleShell([string] $Manifest) {
    $ps = [powershell]::Create()
    $null = $ps.AddCommand('Import-Module').AddArgument($Manifest).AddParameter('ErrorAction', 'Stop').Invoke()
    $ps.Commands.Clear()
    return $ps
}

# Stops an asynchronous invocation and waits (bounded) for it to end before its runspace is disposed.
function Stop-ModuleShell([powershell] $Shell, [System.IAsyncResult] $Handle) {
    $Shell.Stop()
    if ($Handle -and -not $Handle.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(15))) {
        throw 'The stopped invocation did not end within 15 s'
    }
    if ($Handle) {
        try { $null = $Shell.EndInvoke($Handle) } catch [System.Management.Automation.PipelineStoppedException] { }
    }
}

# snek (the CLI twin) as built beside the module: $env:JORMUNGANDR_SNEK, else the newest build output.
function Get-SnekCommand {
    $dll = $env:JORMUNGANDR_SNEK
    if (-not $dll) {
        $dll = (Get-ChildItem (Join-Path $script:RepositoryRoot 'src' 'Jormungandr.Cli' 'bin') -Recurse -Filter snek.dll -ErrorAction SilentlyContinue |
            Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1).FullName
    }
    if (-not $dll) { throw 'Build first: snek.dll not found under src/Jormungandr.Cli/bin' }
    $dotnet = if ($env:DOTNET_HOST_PATH) { $env:DOTNET_HOST_PATH } else { 'dotnet' }
    return @($dotnet, $dll)
}
