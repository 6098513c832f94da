#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Service cmdlets on a unit directory in TestDrive: install, status, pipeline, -WhatIf, uninstall.
# A temporary directory is never one systemd reads, so no systemctl call is made even where systemd runs.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Manifest = Import-JormungandrModule
}

Describe 'Install-SnekService, Get-SnekService, Uninstall-SnekService' {
    BeforeEach {
        $script:Units = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $Units | Out-Null
    }

    It 'writes nothing with -WhatIf' {
        Install-SnekService -Name office -UnitDirectory $Units -Executable /bin/true -WhatIf -WarningAction SilentlyContinue | Out-Null
        @(Get-ChildItem $Units).Count | Should -Be 0
    }

    It 'installs a client unit, reports it, and removes it' {
        $status = Install-SnekService -Name laptop -Role Client -UnitDirectory $Units -Executable /bin/true -WarningAction SilentlyContinue
        $status.Unit | Should -Be 'jormungandr-client@laptop.service'
        $status.Installed | Should -BeTrue
        Get-Content (Join-Path $Units 'jormungandr-client@.service') -Raw | Should -Match 'ExecStart=/bin/true connect --config /etc/jormungandr/%i.toml'

        $again = 'laptop' | Get-SnekService -Role Client -UnitDirectory $Units -Executable /bin/true
        $again.Current | Should -BeTrue

        $again | Uninstall-SnekService -UnitDirectory $Units -Confirm:$false -WarningAction SilentlyContinue
        @(Get-ChildItem $Units).Count | Should -Be 0
    }

    It 'refuses a bad name with InvalidArgument' {
        { Install-SnekService -Name '../etc' -UnitDirectory $Units -ErrorAction Stop } |
            Should -Throw -ErrorId 'ServiceNameInvalid,Jormungandr.PowerShell.InstallSnekServiceCommand'
    }

    It 'reports ServiceNotInstalled for a unit that is not there' {
        Uninstall-SnekService -Name nothing -UnitDirectory $Units -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'ServiceNotInstalled,Jormungandr.PowerShell.UninstallSnekServiceCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}
