#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# A realistic provisioning script: ten clients provisioned by name with New-SnekClient (an identity, its
# authorization and a one-file profile each), each connected from its own "laptop" (a network namespace
# running snek connect --config PROFILE), listed with Get-SnekSession, disconnected from the pipeline and
# revoked with Remove-SnekClient.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Manifest = Import-JormungandrModule
}

Describe 'Provisioning ten clients' {
    BeforeAll {
        $script:Why = Get-WhyNoNetworkLab
        $script:Count = 10
        $script:Suffix = Get-Random -Minimum 1000 -Maximum 9999
        $script:NsServer = "jpv$Suffix-s"
        $script:Processes = [System.Collections.Generic.List[System.Diagnostics.Process]]::new()
        $script:Namespaces = [System.Collections.Generic.List[string]]::new()
        $script:Lab = Join-Path $TestDrive 'lab'
        $script:Server = "snkpv$Suffix"
        if ($Why) { return }

        ip netns add $NsServer
        $Namespaces.Add($NsServer)
        ip -n $NsServer link set lo up
        # One veth link per laptop: server 198.18.(100+i).1, laptop i 198.18.(100+i).2.
        for ($i = 1; $i -le $Count; $i++) {
            $ns = "jpv$Suffix-c$i"
            ip netns add $ns
            $Namespaces.Add($ns)
            ip link add "vp$Suffix-s$i" netns $NsServer type veth peer name "vp$Suffix-c$i" netns $ns
            ip -n $NsServer addr add "198.18.$(100 + $i).1/24" dev "vp$Suffix-s$i"
            ip -n $ns addr add "198.18.$(100 + $i).2/24" dev "vp$Suffix-c$i"
            ip -n $NsServer link set "vp$Suffix-s$i" up
            ip -n $ns link set "vp$Suffix-c$i" up
            ip -n $ns link set lo up
        }

        # The script an administrator runs: one named client and one profile per laptop.
        $script:Authorized = (New-Item -ItemType Directory (Join-Path $Lab 'authorized') -Force).FullName
        $authorized = $Authorized
        $script:ServerCert = New-SnekCertificate -Path (Join-Path $Lab 'server') -Name server
        $script:Names = 1..$Count | ForEach-Object { "laptop$_" }
        $script:Clients = for ($i = 1; $i -le $Count; $i++) {
            New-SnekClient -Name "laptop$i" -AuthorizedKeys $authorized -ServerAddress "198.18.$(100 + $i).1" -ServerKey $ServerCert.PublicKeyPath `
                -KeyPort 8443 -DataPort 18666 -OutFile (Join-Path $Lab "laptop$i.toml") -Confirm:$false
        }

        $pwsh = Get-PowerShellCommand
        $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes(
            "Import-Module '$Manifest'; Start-SnekServer -AuthorizedKeys '$authorized' -Certificate '$($ServerCert.PrivateKeyPath)' -KeyPort 8443 -DataPort 18666 -Pool 198.19.100.0/24 -InterfaceName $Server -Confirm:`$false | ForEach-Object { `$_.ToString() }"))
        $Processes.Add((Start-Process -FilePath ip -ArgumentList (@('netns', 'exec', $NsServer) + $pwsh + @('-NoProfile', '-NonInteractive', '-EncodedCommand', $encoded)) -RedirectStandardOutput (Join-Path $Lab 'server.log') -RedirectStandardError (Join-Path $Lab 'server.err') -PassThru))
        Wait-Until { ip netns exec $NsServer ss -ltn 2>$null | Select-String ':8443' } 'the server to listen on port 8443' 60

        $snek = Get-SnekCommand
        # The laptops' status sockets live in the test's own directory (0700, as snek requires), not /run.
        $script:ClientStatus = (New-Item -ItemType Directory (Join-Path $Lab 'status') -Force).FullName
        chmod 700 $ClientStatus
        for ($i = 1; $i -le $Count; $i++) {
            # The laptop has only its profile; -i names the interface so the test can find and remove it.
            $arguments = @('netns', 'exec', "jpv$Suffix-c$i") + $snek + @('connect', '--config', $Clients[$i - 1].ProfilePath, '-i', "snkpc$i", '--status-dir', $ClientStatus)
            $Processes.Add((Start-Process -FilePath ip -ArgumentList $arguments -RedirectStandardOutput (Join-Path $Lab "laptop$i.log") -RedirectStandardError (Join-Path $Lab "laptop$i.err") -PassThru))
        }
    }

    AfterAll {
        # The server stopped through its status socket and the laptops by SIGTERM, so every tunnel removes
        # its interface and status socket; then force what is left.
        if (-not $Why) { Stop-SnekTunnel -InterfaceName $Server -Confirm:$false -ErrorAction SilentlyContinue }
        foreach ($p in $Processes) {
            if ($p -and -not $p.HasExited) { kill -TERM $p.Id 2>$null }
        }
        foreach ($p in $Processes) {
            if ($p -and -not $p.HasExited) { $p.WaitForExit(10000) | Out-Null }
        }
        foreach ($p in $Processes) {
            if ($p -and -not $p.HasExited) {
                Stop-Process -Id $p.Id -ErrorAction SilentlyContinue   # by PID: only what this test started
                $p.WaitForExit(10000) | Out-Null
            }
        }

        foreach ($ns in $Namespaces) { ip netns del $ns 2>$null }
    }

    It 'connects all ten laptops, and Get-SnekSession lists each by its name' {
        if ($Why) { Set-ItResult -Skipped -Because $Why; return }
        Wait-Until { @(Get-SnekSession -InterfaceName $Server -ErrorAction SilentlyContinue | Where-Object State -eq 'Established').Count -eq $Count } 'all ten sessions to be established' 120
        $sessions = Get-SnekSession -InterfaceName $Server
        ($sessions.PeerName | Sort-Object) | Should -Be ($Names | Sort-Object)
        ($sessions.PeerFingerprint | Sort-Object) | Should -Be ($Clients.Fingerprint | Sort-Object)
        @($sessions.TunnelAddresses | Sort-Object -Unique).Count | Should -Be $Count
        $text = $sessions | Format-Table | Out-String -Width 120
        foreach ($name in $Names) { $text | Should -Match "\b$name\b" }
    }

    It 'disconnects them from the pipeline, and revokes them so none comes back' {
        if ($Why) { Set-ItResult -Skipped -Because $Why; return }
        Get-SnekSession -InterfaceName $Server | Disconnect-SnekPeer -Confirm:$false -ErrorVariable disconnectErrors
        $disconnectErrors | Should -BeNullOrEmpty
        Get-SnekClient -AuthorizedKeys $Authorized | Remove-SnekClient -Confirm:$false
        @(Get-SnekClient -AuthorizedKeys $Authorized).Count | Should -Be 0
        Wait-Until { @(Get-SnekSession -InterfaceName $Server -ErrorAction SilentlyContinue).Count -eq 0 } 'every session to be gone (the keys are revoked, so none comes back)' 60
        Start-Sleep -Seconds 2
        @(Get-SnekSession -InterfaceName $Server).Count | Should -Be 0
    }
}
