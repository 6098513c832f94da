#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Tunnel cmdlets: parameter sets, pipeline binding, -WhatIf, errors; and a real tunnel between two
# network namespaces when root (skipped with the reason otherwise). Underlay 198.18.0.0/16, inner 198.19.0.0/16.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Manifest = Import-JormungandrModule
    $script:Fingerprint = 'SHA256:' + ('A' * 43)
}

Describe 'Connect-SnekPeer parameter sets' {
    BeforeAll { $script:Command = Get-Command Connect-SnekPeer }

    It 'defaults to TrustedServers and pins with ServerKey' {
        $Command.DefaultParameterSet | Should -Be 'TrustedServers'
        ($Command.ParameterSets.Name | Sort-Object) | Should -Be @('Config', 'ServerKey', 'TrustedServers')
        $serverKey = $Command.ParameterSets | Where-Object Name -eq 'ServerKey'
        ($serverKey.Parameters | Where-Object Name -eq 'ServerKey').IsMandatory | Should -BeTrue
        $serverKey.Parameters.Name | Should -Not -Contain 'TrustOnFirstUse'
    }

    It 'takes Address and Certificate by position in every set, optional only with -ConfigPath' {
        foreach ($set in $Command.ParameterSets) {
            ($set.Parameters | Where-Object Name -eq 'Address').IsMandatory | Should -Be ($set.Name -ne 'Config')
            ($set.Parameters | Where-Object Name -eq 'Address').Position | Should -Be 0
            ($set.Parameters | Where-Object Name -eq 'Certificate').Position | Should -Be 1
        }
    }

    It 'cannot combine -ServerKey with -TrustOnFirstUse' {
        { Connect-SnekPeer 198.18.0.1 ./c.priv -ServerKey ./s.pub -TrustOnFirstUse -WhatIf } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,Jormungandr.PowerShell.ConnectSnekPeerCommand'
    }

    It 'creates nothing with -WhatIf' {
        $before = @(Get-Job).Count
        Connect-SnekPeer -Address 198.18.0.1 -Certificate ./none.priv -ServerKey ./none.pub -AsJob -WhatIf | Should -BeNullOrEmpty
        @(Get-Job).Count | Should -Be $before
    }

    It 'validates ports at binding' {
        { Connect-SnekPeer 198.18.0.1 ./c.priv -KeyPort 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Jormungandr.PowerShell.ConnectSnekPeerCommand'
    }
}

Describe 'Start-SnekServer' {
    It 'creates no job and no interface with -WhatIf' {
        $before = @(Get-Job).Count
        Start-SnekServer -AuthorizedKeys $TestDrive -InterfaceName snkwhatif -AsJob -WhatIf | Should -BeNullOrEmpty
        @(Get-Job).Count | Should -Be $before
        Test-Path /sys/class/net/snkwhatif | Should -BeFalse
    }

    It 'needs -AuthorizedKeys unless -ConfigPath gives it' {
        $sets = (Get-Command Start-SnekServer).ParameterSets
        (($sets | Where-Object Name -eq 'Parameters').Parameters | Where-Object Name -eq 'AuthorizedKeys').IsMandatory | Should -BeTrue
        (($sets | Where-Object Name -eq 'Config').Parameters | Where-Object Name -eq 'AuthorizedKeys').IsMandatory | Should -BeFalse
    }

    It 'reports a bad configuration file with file:line:column' {
        $file = Join-Path $TestDrive 'server.toml'
        Set-Content -LiteralPath $file -Value "authorized_keys = 'clients'`nkey_port = 70000"
        $err = { Start-SnekServer -ConfigPath $file -Confirm:$false } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'ConfigInvalid,*'
        $err.Exception.Message | Should -BeLike "$($file):2:12: *"
    }

    It 'reports a bad pool as a terminating InvalidArgument error' {
        $err = { Start-SnekServer -AuthorizedKeys $TestDrive -Pool 'not-a-cidr' -Confirm:$false } | Should -Throw -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }
}

Describe 'Get-SnekSession | Disconnect-SnekPeer' {
    It 'binds PeerFingerprint and InterfaceName from SnekSession objects (with -WhatIf nothing happens)' {
        $session = [Jormungandr.Tunnel.SnekSession]@{ InterfaceName = 'snk97'; PeerFingerprint = $Fingerprint }
        { $session | Disconnect-SnekPeer -WhatIf -ErrorAction Stop } | Should -Not -Throw
    }

    It 'fails to bind an object without a fingerprint' {
        { [pscustomobject]@{ Name = 'x' } | Disconnect-SnekPeer -WhatIf -ErrorAction Stop } | Should -Throw -ErrorId 'InputObjectNotBound,Jormungandr.PowerShell.DisconnectSnekPeerCommand'
    }

    It 'accepts whatever Get-SnekSession writes' {
        { Get-SnekSession -ErrorAction SilentlyContinue | Disconnect-SnekPeer -WhatIf -ErrorAction Stop } | Should -Not -Throw
    }

    It 'writes SnekSession objects only' {
        foreach ($s in @(Get-SnekSession -ErrorAction SilentlyContinue)) {
            $s | Should -BeOfType ([Jormungandr.Tunnel.SnekSession])
        }
    }

    It 'reports a tunnel that does not run as a non-terminating error' {
        $out = Get-SnekSession -InterfaceName snk96 -ErrorVariable errs -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $errs.Count | Should -BeGreaterThan 0
        $errs[0].CategoryInfo.Category | Should -BeIn @('ObjectNotFound', 'ResourceUnavailable')
    }

    It 'stops nothing with Stop-SnekTunnel -WhatIf' {
        { Stop-SnekTunnel -InterfaceName snk95 -WhatIf -ErrorAction Stop } | Should -Not -Throw
    }
}

Describe 'A tunnel between two network namespaces' {
    BeforeAll {
        $script:Why = Get-WhyNoNetworkLab
        $script:Suffix = Get-Random -Minimum 1000 -Maximum 9999
        $script:NsServer = "jps$Suffix-s"
        $script:NsClient = "jps$Suffix-c"
        $script:Processes = @()
        $script:Lab = Join-Path $TestDrive 'lab'
        if ($Why) { return }

        # Two namespaces joined by a veth pair: server 198.18.71.1, client 198.18.71.2.
        ip netns add $NsServer
        ip netns add $NsClient
        ip link add "v$Suffix-s" netns $NsServer type veth peer name "v$Suffix-c" netns $NsClient
        ip -n $NsServer addr add 198.18.71.1/24 dev "v$Suffix-s"
        ip -n $NsClient addr add 198.18.71.2/24 dev "v$Suffix-c"
        ip -n $NsServer link set "v$Suffix-s" up
        ip -n $NsClient link set "v$Suffix-c" up
        ip -n $NsServer link set lo up
        ip -n $NsClient link set lo up

        New-Item -ItemType Directory (Join-Path $Lab 'authorized') -Force | Out-Null
        $script:ServerCert = New-SnekCertificate -Path $Lab -Name server
        $script:ClientCert = New-SnekCertificate -Path $Lab -Name client
        Copy-Item $ClientCert.PublicKeyPath (Join-Path $Lab 'authorized')

        # Each end is a pwsh in its namespace running the cmdlet in the foreground; output goes to a file.
        function Start-InNamespace([string] $Namespace, [string] $Script, [string] $Log) {
            $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes("Import-Module '$Manifest'; $Script"))
            $pwsh = Get-PowerShellCommand
            Start-Process -FilePath ip -ArgumentList (@('netns', 'exec', $Namespace) + $pwsh + @('-NoProfile', '-NonInteractive', '-EncodedCommand', $encoded)) -RedirectStandardOutput $Log -RedirectStandardError "$Log.err" -PassThru
        }

        $script:Processes += Start-InNamespace $NsServer "Start-SnekServer -AuthorizedKeys '$Lab/authorized' -Certificate '$($ServerCert.PrivateKeyPath)' -Bind 198.18.71.1 -KeyPort 8443 -DataPort 18666 -Pool 198.19.71.0/24 -InterfaceName snkps$Suffix -Confirm:`$false | ForEach-Object { `$_.ToString() }" (Join-Path $Lab 'server.log')
        Wait-Until { ip netns exec $NsServer ss -ltn 2>$null | Select-String ':8443' } 'the server to listen on 198.18.71.1:8443' 30
        $script:Processes += Start-InNamespace $NsClient "Connect-SnekPeer -Address 198.18.71.1 -Certificate '$($ClientCert.PrivateKeyPath)' -ServerKey '$($ServerCert.PublicKeyPath)' -KeyPort 8443 -DataPort 18666 -InterfaceName snkpc$Suffix -Confirm:`$false | ForEach-Object { `$_.ToString() }" (Join-Path $Lab 'client.log')
    }

    AfterAll {
        foreach ($p in $Processes) {
            if ($p -and -not $p.HasExited) {
                Stop-Process -Id $p.Id -ErrorAction SilentlyContinue   # by PID: only what this test started
                $p.WaitForExit(10000) | Out-Null
            }
        }

        if (-not $Why) {
            ip netns del $NsServer 2>$null
            ip netns del $NsClient 2>$null
        }
    }

    It 'establishes a session that Get-SnekSession sees and carries traffic' {
        if ($Why) { Set-ItResult -Skipped -Because $Why; return }
        Wait-Until { @(Get-SnekSession -InterfaceName "snkps$Suffix" -ErrorAction SilentlyContinue | Where-Object State -eq 'Established').Count -gt 0 } 'the session to be established' 60
        $session = Get-SnekSession -InterfaceName "snkps$Suffix" | Select-Object -First 1
        $session | Should -BeOfType ([Jormungandr.Tunnel.SnekSession])
        $session.Role | Should -Be 'Server'
        $session.PeerFingerprint | Should -Be $ClientCert.Fingerprint

        # The client configures its interface when the Confirmation arrives, just after the server's side.
        $pinged = $false
        for ($i = 0; $i -lt 10 -and -not $pinged; $i++) {
            ip netns exec $NsClient ping -c 1 -W 1 198.19.71.1 | Out-Null
            $pinged = $LASTEXITCODE -eq 0
        }
        $pinged | Should -BeTrue -Because "the client's log says:`n$(Get-Content -Raw (Join-Path $Lab 'client.log') -ErrorAction SilentlyContinue)$(Get-Content -Raw (Join-Path $Lab 'client.log.err') -ErrorAction SilentlyContinue)"
        ip netns exec $NsClient ping -c 3 -W 2 198.19.71.1 | Out-Null
        $LASTEXITCODE | Should -Be 0
        (Get-SnekSession -InterfaceName "snkps$Suffix" | Select-Object -First 1).PacketsIn | Should -BeGreaterThan 0
    }

    It 'disconnects the peer from the pipeline and stops the tunnels' {
        if ($Why) { Set-ItResult -Skipped -Because $Why; return }
        Get-SnekSession -InterfaceName "snkps$Suffix" | Disconnect-SnekPeer -Confirm:$false
        Stop-SnekTunnel -InterfaceName "snkpc$Suffix" -Confirm:$false
        Stop-SnekTunnel -InterfaceName "snkps$Suffix" -Confirm:$false
        Wait-Until { ($Processes | Where-Object { -not $_.HasExited }).Count -eq 0 } 'both tunnel processes to exit' 30
        ip -n $NsServer link show "snkps$Suffix" 2>$null | Should -BeNullOrEmpty
        Get-Content (Join-Path $Lab 'server.log') -Raw | Should -Match 'Established'
    }
}
