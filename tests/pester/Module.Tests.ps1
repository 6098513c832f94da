#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# The module as a whole: manifest, exported cmdlets, verbs, output types, parameter sets, formats, help.

BeforeDiscovery {
    $script:Cmdlets = @(
        'New-SnekCertificate', 'Get-SnekCertificate', 'Start-SnekServer', 'Connect-SnekPeer', 'Get-SnekSession',
        'Disconnect-SnekPeer', 'Stop-SnekTunnel', 'Invoke-LegacyEcho', 'Start-LegacyEchoServer',
        'Install-SnekService', 'Uninstall-SnekService', 'Get-SnekService',
        'New-SnekClient', 'Remove-SnekClient', 'Get-SnekClient')
    $script:StateChanging = @('New-SnekCertificate', 'Start-SnekServer', 'Connect-SnekPeer', 'Disconnect-SnekPeer', 'Stop-SnekTunnel', 'Start-LegacyEchoServer',
        'Install-SnekService', 'Uninstall-SnekService', 'New-SnekClient', 'Remove-SnekClient')
    $script:OutputTypes = @(
        'Jormungandr.Identity.SnekCertificate', 'Jormungandr.Tunnel.SnekSession', 'Jormungandr.Tunnel.SnekSessionEvent',
        'Jormungandr.Legacy.LegacyEchoReply', 'Jormungandr.Legacy.LegacyEchoMessage', 'Jormungandr.Service.SnekServiceStatus',
        'Jormungandr.Provisioning.SnekClient', 'Jormungandr.Tunnel.SnekServerStatus')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Manifest = Import-JormungandrModule
    $script:Module = Get-Module Jormungandr
}

Describe 'Module Jormungandr' {
    It 'has a valid manifest whose version matches the assembly' {
        $info = Test-ModuleManifest -Path $Manifest -ErrorAction Stop
        $info.Version | Should -Be ([version](Import-PowerShellDataFile $Manifest).ModuleVersion)
        $assembly = [Jormungandr.PowerShell.Runtime.SnekJob].Assembly.GetName()
        $assembly.Name | Should -Be 'Jormungandr'
        $assembly.Version.ToString(3) | Should -Be $info.Version.ToString(3)
        $info.CompatiblePSEditions | Should -Be @('Core')
        $info.PowerShellVersion | Should -Be ([version]'7.6')
    }

    # BeforeDiscovery variables do not exist during Run: the list reaches the test as test-case data.
    It 'exports exactly the listed cmdlets and nothing else' -TestCases @{ Expected = $Cmdlets } {
        $Module.ExportedCmdlets.Keys | Sort-Object | Should -Be ($Expected | Sort-Object)
        $Module.ExportedFunctions.Count | Should -Be 0
        $Module.ExportedAliases.Count | Should -Be 0
    }

    It 'ships no assembly that this PowerShell already has in another version' {
        # PowerShell's own assemblies (the host's trusted platform assemblies) win over a module's copy:
        # a different version there would leave the module running against one it was not built with.
        $platform = @{}
        foreach ($path in ([AppContext]::GetData('TRUSTED_PLATFORM_ASSEMBLIES') -split [IO.Path]::PathSeparator)) {
            if ($path) { $platform[[IO.Path]::GetFileNameWithoutExtension($path)] = $path }
        }
        foreach ($dll in Get-ChildItem (Get-JormungandrModuleDirectory) -Filter *.dll) {
            $name = $dll.BaseName
            if ($platform.ContainsKey($name)) {
                [Reflection.AssemblyName]::GetAssemblyName($platform[$name]).Version |
                    Should -Be ([Reflection.AssemblyName]::GetAssemblyName($dll.FullName).Version) -Because "$name ships with the module and with PowerShell"
            }
        }
    }

    It 'loads each assembly once, in one version, when its cmdlets run' {
        Get-SnekCertificate -Path (New-SnekCertificate -Path (Join-Path $TestDrive 'load') -Name x).PublicKeyPath | Out-Null
        $twice = [AppDomain]::CurrentDomain.GetAssemblies() | Group-Object { $_.GetName().Name } | Where-Object { @($_.Group | ForEach-Object { $_.GetName().Version } | Sort-Object -Unique).Count -gt 1 }
        $twice | ForEach-Object Name | Should -BeNullOrEmpty
        $loaded = [AppDomain]::CurrentDomain.GetAssemblies().GetName().Name
        $loaded | Should -Contain 'Jormungandr.Core'
    }

    It 'does not ship System.Management.Automation' {
        Test-Path (Join-Path $Module.ModuleBase 'System.Management.Automation.dll') | Should -BeFalse
    }

    It 'offers the about topic once the module folder is on PSModulePath' {
        # out/Jormungandr/<version> is a versioned module folder: its grandparent goes on PSModulePath.
        $saved = $env:PSModulePath
        try {
            $env:PSModulePath = (Split-Path (Split-Path $Module.ModuleBase)) + [System.IO.Path]::PathSeparator + $env:PSModulePath
            (Get-Module -ListAvailable Jormungandr).Version | Should -Contain $Module.Version
            (Get-Help about_Jormungandr | Out-String) | Should -Match 'post-quantum VPN'
        }
        finally {
            $env:PSModulePath = $saved
        }
    }
}

Describe '<Name>' -ForEach @($Cmdlets | ForEach-Object { @{ Name = $_; ChangesState = $_ -in $StateChanging } }) {
    BeforeAll {
        $script:Command = Get-Command $Name -Module Jormungandr -ErrorAction Stop
        $script:Help = Get-Help $Name -Full
    }

    It 'uses an approved verb' {
        (Get-Verb).Verb | Should -Contain $Command.Verb
    }

    It 'declares its output types' {
        $Command.OutputType.Count | Should -BeGreaterThan 0
        foreach ($type in $Command.OutputType) {
            $type.Type | Should -Not -BeNullOrEmpty
        }
    }

    It 'has help from docs/cmdlets: synopsis, description, two examples, every parameter' {
        $Help.Synopsis | Should -Not -BeNullOrEmpty
        $Help.Synopsis | Should -Not -Match ('^\s*' + [regex]::Escape($Name) + '\s*\[')  # not the auto-generated syntax stub
        ($Help.description | Out-String) | Should -Not -BeNullOrEmpty
        @($Help.examples.example).Count | Should -BeGreaterOrEqual 2
        $documented = @($Help.parameters.parameter.name)
        $common = @([System.Management.Automation.Cmdlet]::CommonParameters) + @([System.Management.Automation.Cmdlet]::OptionalCommonParameters)
        foreach ($parameter in $Command.Parameters.Keys | Where-Object { $_ -notin $common }) {
            $documented | Should -Contain $parameter
        }
    }

    It 'has no two parameter sets that PowerShell could not tell apart' {
        $sets = $Command.ParameterSets
        if ($sets.Count -gt 1) {
            $Command.DefaultParameterSet | Should -Not -BeNullOrEmpty
        }

        foreach ($set in $sets) {
            $positions = @($set.Parameters | Where-Object Position -ge 0 | ForEach-Object Position)
            $positions.Count | Should -Be (@($positions | Select-Object -Unique).Count)
        }
    }

    It 'supports -WhatIf and -Confirm exactly when it changes state' {
        $supports = $Command.Parameters.ContainsKey('WhatIf')
        $supports | Should -Be $ChangesState
        $Command.Parameters.ContainsKey('Confirm') | Should -Be $supports
    }
}

Describe 'Formats' {
    It 'has a default table view for <_>' -ForEach $OutputTypes {
        $data = Get-FormatData -TypeName $_
        $data | Should -Not -BeNullOrEmpty
        $data.FormatViewDefinition[0].Control | Should -BeOfType ([System.Management.Automation.TableControl])
    }

    It 'formats a SnekSessionEvent as a table with its columns' {
        $sample = [Jormungandr.Tunnel.SnekSessionEvent]@{ InterfaceName = 'snk9'; Kind = 'Established'; Message = 'hello' }
        $text = $sample | Format-Table | Out-String
        $text | Should -Match 'Interface'
        $text | Should -Match 'Established'
    }
}

Describe 'Argument completion' {
    It 'completes -InterfaceName without errors' {
        $result = TabExpansion2 -inputScript 'Get-SnekSession -InterfaceName snk' -cursorColumn 'Get-SnekSession -InterfaceName snk'.Length
        $result | Should -Not -BeNullOrEmpty
        foreach ($match in $result.CompletionMatches) {
            $match.CompletionText | Should -BeLike 'snk*'
        }
    }

    It 'completes -Fingerprint without errors when no tunnel runs' {
        { TabExpansion2 -inputScript 'Disconnect-SnekPeer -Fingerprint ' -cursorColumn 'Disconnect-SnekPeer -Fingerprint '.Length } | Should -Not -Throw
    }
}
