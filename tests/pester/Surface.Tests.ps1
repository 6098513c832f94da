#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# What a user of the module meets in a real engine: help text, completion, table and list views, rows
# as they happen, errors in try/catch and -ErrorVariable, -WhatIf/-Confirm and ShouldProcess in scripts.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Manifest = Import-JormungandrModule
}

Describe 'Get-Help -Full' {
    It 'shows <_> with its parameters, examples and notes' -ForEach @('New-SnekCertificate', 'Start-SnekServer', 'Connect-SnekPeer', 'Get-SnekSession', 'Disconnect-SnekPeer') {
        $text = Get-Help $_ -Full | Out-String -Width 200
        $text | Should -Match "NAME\s+$_"
        $text | Should -Match 'SYNOPSIS'
        $text | Should -Match 'PARAMETERS'
        $text | Should -Match 'EXAMPLE 1|Example 1'
        $text | Should -Match 'NOTES'
        foreach ($name in (Get-Command $_).Parameters.Keys | Where-Object { $_ -notin [System.Management.Automation.PSCmdlet]::CommonParameters -and $_ -notin 'WhatIf', 'Confirm' }) {
            $text | Should -Match "-$name\b" -Because "Get-Help $_ -Full documents -$name"
        }
    }

    It 'says which errors of New-SnekCertificate are terminating' {
        (Get-Help New-SnekCertificate -Full | Out-String -Width 300) | Should -Match 'Terminating errors'
    }

    It 'opens about_Jormungandr' {
        $env:PSModulePath = (Split-Path (Split-Path (Get-JormungandrModuleDirectory))) + [IO.Path]::PathSeparator + $env:PSModulePath
        (Get-Help about_Jormungandr | Out-String) | Should -Match 'Jormungandr'
    }
}

Describe 'Tab completion (TabExpansion2)' {
    It 'completes cmdlet names and parameters' {
        $r = TabExpansion2 -inputScript 'New-SnekCer' -cursorColumn 11
        $r.CompletionMatches.CompletionText | Should -Contain 'New-SnekCertificate'
        $r = TabExpansion2 -inputScript 'Get-SnekSession -Inter' -cursorColumn 22
        $r.CompletionMatches.CompletionText | Should -Contain '-InterfaceName'
    }

    It 'completes -InterfaceName from the snk interfaces of the network namespace' {
        $why = Get-WhyNoNetworkLab
        if ($why) { Set-ItResult -Skipped -Because $why; return }
        $ns = "jpc$(Get-Random -Minimum 1000 -Maximum 9999)"
        ip netns add $ns
        try {
            ip -n $ns link add snkcomp1 type veth peer name snkcomp2
            $script = "Import-Module '$Manifest'; (TabExpansion2 -inputScript 'Stop-SnekTunnel -InterfaceName snkc' -cursorColumn 34).CompletionMatches.CompletionText -join ','"
            $out = ip netns exec $ns @(Get-PowerShellCommand) -NoProfile -NonInteractive -Command $script
            $matches = $out -split ','
            $matches | Should -Contain 'snkcomp1'
            $matches | Should -Contain 'snkcomp2'
            $matches | ForEach-Object { $_ | Should -BeLike 'snkc*' }
        }
        finally {
            ip netns del $ns
        }
    }
}

Describe 'Default views' {
    BeforeAll {
        $script:Dir = Join-Path $TestDrive 'views'
        $script:Cert = New-SnekCertificate -Path $Dir -Name 'a-rather-long-certificate-name'
    }

    It 'fits a table of <Type> into 120 columns' -ForEach @(
        @{ Type = 'SnekSession'; Object = { [Jormungandr.Tunnel.SnekSession]@{ InterfaceName = 'snk0'; Role = 'Server'; PeerName = 'laptop'; PeerFingerprint = 'SHA256:' + ('A' * 43); Endpoint = '[2001:2::1234:5678]:10666'; TunnelAddresses = @('198.19.0.2', 'fd00:5ec::2'); State = 'Established'; BytesIn = 123456789012; BytesOut = 12; Drops = 3 } } }
        @{ Type = 'SnekSessionEvent'; Object = { [Jormungandr.Tunnel.SnekSessionEvent]@{ Time = [DateTimeOffset]::UtcNow; InterfaceName = 'snk0'; Kind = 'Established'; PeerFingerprint = 'SHA256:' + ('B' * 43); Endpoint = '198.18.0.2:40000'; Message = 'x' * 300 } } }
        @{ Type = 'SnekCertificate'; Object = { $Cert } }
        @{ Type = 'LegacyEchoReply'; Object = { [Jormungandr.Legacy.LegacyEchoReply]@{ Message = 'm' * 80; Reply = 'r' * 80; Cipher = 'AES'; KeySize = 256; Server = 'localhost:8888' } } }
    ) {
        $lines = & $Object | Format-Table | Out-String -Width 120 -Stream | Where-Object { $_ }
        $lines.Count | Should -BeGreaterOrEqual 3
        foreach ($line in $lines) { $line.Length | Should -BeLessOrEqual 120 }
    }

    It 'shows the operator''s columns for a session and keeps everything in Format-List' {
        $s = [Jormungandr.Tunnel.SnekSession]@{ InterfaceName = 'snk0'; Role = 'Server'; PeerName = 'laptop'; PeerFingerprint = 'SHA256:' + ('C' * 43); TunnelAddresses = @('198.19.0.2'); State = 'Established'; BytesIn = 5; Rekeys = 7 }
        $table = $s | Format-Table | Out-String -Width 120
        $table | Should -Match 'Interface\s+Role\s+Peer\s+Endpoint\s+Addresses\s+State\s+BytesIn\s+BytesOut\s+Drops'
        $table | Should -Match '198\.19\.0\.2'
        $list = $s | Format-List * | Out-String -Width 200
        $list | Should -Match 'PeerFingerprint\s+:\s+SHA256:C{43}'
        $list | Should -Match 'Rekeys\s+:\s+7'
    }

    It 'formats a certificate as a table with its fingerprint, and in full as a list' {
        ($Cert | Format-Table | Out-String) | Should -Match ([regex]::Escape($Cert.ShortFingerprint))
        ($Cert | Format-List * | Out-String -Width 200) | Should -Match ([regex]::Escape($Cert.Fingerprint))
    }
}

Describe 'Rows of a long-running cmdlet appear as they happen' {
    It 'writes the first LegacyEchoMessage row through Format-Table at once, while the server still runs' {
        $port = Get-FreeTcpPort
        $ps = New-ModuleShell $Manifest
        $handle = $null
        try {
            # Out-String -Stream formats like Out-Default: a table whose columns have no width would hold
            # the first row back until more objects came.
            $null = $ps.AddCommand('Start-LegacyEchoServer').AddParameter('Port', $port).AddParameter('Bind', '127.0.0.1').
                AddCommand('Out-String').AddParameter('Stream')
            $inputData = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $inputData.Complete()
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $handle = $ps.BeginInvoke($inputData, $output)
            Wait-Until {
                try { $null = Invoke-LegacyEcho -Message 'first-row' -ComputerName 127.0.0.1 -Port $port -ErrorAction Stop; $true } catch { $false }
            } 'the foreground server to answer'
            # By index: enumerating an open PSDataCollection waits for it to be completed.
            Wait-Until { (0..($output.Count - 1)).Where({ $output.Count -gt 0 -and "$($output[$_])" -match 'first-row' }).Count -gt 0 } 'the first row to be written while the server runs' 10
            $handle.IsCompleted | Should -BeFalse
        }
        finally {
            if ($handle) { Stop-ModuleShell $ps $handle }
            $ps.Dispose()
        }
    }
}

Describe '-WhatIf, -Confirm and ShouldProcess in scripts' {
    BeforeAll {
        function script:New-ClientSet {
            [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
            param([string] $Root, [string[]] $Names)
            foreach ($name in $Names) {
                if ($PSCmdlet.ShouldProcess($name, 'Provision client identity')) {
                    New-SnekCertificate -Path (Join-Path $Root $name) -Name client
                }
            }
        }

        function script:New-Quietly {
            [CmdletBinding(SupportsShouldProcess)]
            param([string] $Root)
            New-SnekCertificate -Path $Root -Name inner   # inherits the caller's -WhatIf
        }
    }

    It 'creates nothing when the calling script runs with -WhatIf' {
        $root = Join-Path $TestDrive 'sp-whatif'
        New-ClientSet -Root $root -Names a, b -WhatIf | Should -BeNullOrEmpty
        Test-Path $root | Should -BeFalse
        New-Quietly -Root $root -WhatIf | Should -BeNullOrEmpty
        Test-Path (Join-Path $root 'inner.pub') | Should -BeFalse
    }

    It 'creates every identity when the script runs for real' {
        $root = Join-Path $TestDrive 'sp-real'
        $made = New-ClientSet -Root $root -Names a, b, c
        @($made).Count | Should -Be 3
        (Get-SnekCertificate (Get-ChildItem -Recurse $root -Filter client.pub).FullName).Count | Should -Be 3
    }

    It 'does not ask with -Confirm:$false even when $ConfirmPreference is Low' {
        $ConfirmPreference = 'Low'
        $cert = New-SnekCertificate -Path (Join-Path $TestDrive 'confirm') -Name c -Confirm:$false
        $cert | Should -Not -BeNullOrEmpty
    }

    It 'asks (and, with no one to answer, fails) with -Confirm in a host that cannot prompt' {
        $ps = New-ModuleShell $Manifest
        try {
            $null = $ps.AddCommand('New-SnekCertificate').AddParameter('Path', (Join-Path $TestDrive 'confirm2')).AddParameter('Name', 'c').AddParameter('Confirm', $true)
            { $ps.Invoke() } | Should -Throw
            Test-Path (Join-Path $TestDrive 'confirm2' 'c.priv') | Should -BeFalse
        }
        finally {
            $ps.Dispose()
        }
    }
}
