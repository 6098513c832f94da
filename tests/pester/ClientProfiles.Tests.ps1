#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# New-SnekClient / Get-SnekClient / Remove-SnekClient: the ten-client script of about_Jormungandr (files only),
# profiles that load as client options, -WhatIf, and revocation. Files only: no root needed.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Manifest = Import-JormungandrModule
}

Describe 'Client profiles for ten clients' {
    BeforeAll {
        $script:Clients = Join-Path $TestDrive 'clients'
        $script:Profiles = Join-Path $TestDrive 'profiles'
        New-Item -ItemType Directory $Clients, $Profiles | Out-Null
        $serverCert = New-SnekCertificate -Path (Join-Path $TestDrive 'server') -Name server
        $script:Server = @{ AuthorizedKeys = $Clients; ServerAddress = @("198.18.0.1", "198.18.0.2"); ServerKey = $serverCert.PublicKeyPath }
        $script:Made = 1..10 | ForEach-Object {
            $name = 'pc{0:d2}' -f $_
            New-SnekClient -Name $name @Server -Address "198.19.0.$(100 + $_)" -OutFile (Join-Path $Profiles "$name.toml") -Confirm:$false
        }
    }

    It 'authorizes ten named clients with distinct keys and addresses' {
        $Made | Should -HaveCount 10
        ($Made.Fingerprint | Sort-Object -Unique) | Should -HaveCount 10
        $listed = Get-SnekClient -AuthorizedKeys $Clients
        $listed.Name | Should -Be ($Made.Name)
        ($listed | Where-Object Name -eq 'pc07').Addresses | Should -Be @('198.19.0.107')
    }

    It 'writes one 0600 profile per client with the keys inline' {
        foreach ($client in $Made) {
            Test-Path -LiteralPath $client.ProfilePath | Should -BeTrue
            if ($IsLinux) { (Get-Item -LiteralPath $client.ProfilePath).UnixFileMode | Should -Be ([System.IO.UnixFileMode]'UserRead, UserWrite') }
            $text = Get-Content -Raw -LiteralPath $client.ProfilePath
            $text | Should -Match 'private_key = """'
            $text | Should -Match 'server_public_key = "'
        }
    }

    It 'accepts a profile as Connect-SnekPeer -ConfigPath (checked with -WhatIf)' {
        Connect-SnekPeer -ConfigPath $Made[0].ProfilePath -WhatIf | Should -BeNullOrEmpty
    }

    It 'previews and then revokes a client' {
        Remove-SnekClient pc07 -AuthorizedKeys $Clients -WhatIf
        (Get-SnekClient -AuthorizedKeys $Clients).Name | Should -Contain 'pc07'
        Get-SnekClient -AuthorizedKeys $Clients | Where-Object Name -eq 'pc07' | Remove-SnekClient -Confirm:$false
        (Get-SnekClient -AuthorizedKeys $Clients).Name | Should -Not -Contain 'pc07'
        Test-Path (Join-Path $Clients 'pc07.addr') | Should -BeFalse
    }

    It 'refuses a client name that exists, and a bad name' {
        { New-SnekClient pc01 @Server -OutFile (Join-Path $Profiles 'again.toml') -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'ClientExists,*'
        { New-SnekClient '../x' @Server -OutFile (Join-Path $Profiles 'x.toml') -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidClientName,*'
    }
}
