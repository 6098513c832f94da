#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# New-SnekCertificate / Get-SnekCertificate: objects, round trip, -WhatIf, paths, errors, pipeline.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-JormungandrModule | Out-Null
}

Describe 'New-SnekCertificate' {
    It 'creates NAME.priv and NAME.pub and returns a SnekCertificate' {
        $dir = Join-Path $TestDrive 'new1'
        $cert = New-SnekCertificate -Path $dir -Name server
        $cert | Should -BeOfType ([Jormungandr.Identity.SnekCertificate])
        $cert.Name | Should -Be 'server'
        $cert.Algorithm | Should -Be 'ML-DSA-65'
        $cert.Fingerprint | Should -Match '^SHA256:[A-Za-z0-9+/]{43}$'
        $cert.ShortFingerprint | Should -Match '^[0-9a-f]{4}(:[0-9a-f]{4}){3}$'
        $cert.Protected | Should -BeFalse
        Test-Path (Join-Path $dir 'server.priv') | Should -BeTrue
        Test-Path (Join-Path $dir 'server.pub') | Should -BeTrue
        if ($IsLinux) {
            (Get-Item (Join-Path $dir 'server.priv')).UnixFileMode | Should -Be ([System.IO.UnixFileMode]'UserRead, UserWrite')
        }
    }

    It 'creates nothing with -WhatIf' {
        $dir = Join-Path $TestDrive 'whatif'
        $out = New-SnekCertificate -Path $dir -Name ghost -WhatIf
        $out | Should -BeNullOrEmpty
        Test-Path (Join-Path $dir 'ghost.priv') | Should -BeFalse
        Test-Path (Join-Path $dir 'ghost.pub') | Should -BeFalse
    }

    It 'resolves a relative -Path against the PowerShell location, not the process directory' {
        $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'relative')
        Push-Location $dir
        try {
            $cert = New-SnekCertificate -Path sub -Name rel
        }
        finally {
            Pop-Location
        }

        $cert.PublicKeyPath | Should -Be (Join-Path $dir.FullName 'sub' 'rel.pub')
        Test-Path (Join-Path $dir.FullName 'sub' 'rel.pub') | Should -BeTrue
    }

    It 'refuses to overwrite without -Force: non-terminating CertificateExists (ResourceExists)' {
        $dir = Join-Path $TestDrive 'exists'
        $first = New-SnekCertificate -Path $dir -Name twice
        $out = New-SnekCertificate -Path $dir -Name twice -ErrorVariable errs -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'CertificateExists,Jormungandr.PowerShell.NewSnekCertificateCommand'
        $errs[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $errs[0].TargetObject | Should -Not -BeNullOrEmpty
        { New-SnekCertificate -Path $dir -Name twice -ErrorAction Stop } | Should -Throw -ErrorId 'CertificateExists,Jormungandr.PowerShell.NewSnekCertificateCommand'

        $second = New-SnekCertificate -Path $dir -Name twice -Force
        $second.Fingerprint | Should -Not -Be $first.Fingerprint
    }

    It 'protects the private key with a SecureString passphrase' {
        $pass = ConvertTo-SecureString 'correct horse battery' -AsPlainText -Force
        $cert = New-SnekCertificate -Path (Join-Path $TestDrive 'protected') -Name locked -Passphrase $pass
        $cert.Protected | Should -BeTrue
    }

    It 'goes on past a directory that fails, for piped paths (as New-Item does)' {
        $root = Join-Path $TestDrive 'many'
        $taken = New-SnekCertificate -Path (Join-Path $root 'b') -Name client
        $made = 'a', 'b', 'c' | ForEach-Object { Join-Path $root $_ } | New-SnekCertificate -Name client -ErrorVariable errs -ErrorAction SilentlyContinue
        @($made).Count | Should -Be 2
        ($made | ForEach-Object { Split-Path -Leaf (Split-Path -Parent $_.PublicKeyPath) }) | Should -Be @('a', 'c')
        $errs.Count | Should -Be 1
        $errs[0].TargetObject | Should -BeLike '*b*'
        (Get-SnekCertificate (Join-Path $root 'b' 'client.pub')).Fingerprint | Should -Be $taken.Fingerprint
    }

    It 'takes directories from Get-ChildItem by FullName' {
        $root = Join-Path $TestDrive 'bydir'
        'x', 'y' | ForEach-Object { New-Item -ItemType Directory (Join-Path $root $_) } | Out-Null
        $made = Get-ChildItem -Directory $root | New-SnekCertificate -Name id
        @($made).Count | Should -Be 2
    }

    It 'is caught by try/catch only with -ErrorAction Stop, and a bad -Name always' {
        $dir = Join-Path $TestDrive 'trycatch'
        New-SnekCertificate -Path $dir -Name once | Out-Null
        $caught = $null
        try { New-SnekCertificate -Path $dir -Name once -ErrorAction SilentlyContinue } catch { $caught = $_ }
        $caught | Should -BeNullOrEmpty
        try { New-SnekCertificate -Path $dir -Name once -ErrorAction Stop } catch { $caught = $_ }
        $caught.Exception.ErrorId | Should -Be 'CertificateExists'
        $caught = $null
        try { New-SnekCertificate -Path $dir -Name 'a/b' -ErrorAction SilentlyContinue } catch { $caught = $_ }
        $caught.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'rejects a name with a directory in it as InvalidArgument' {
        $err = { New-SnekCertificate -Path $TestDrive -Name '../escape' } | Should -Throw -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        Test-Path (Join-Path $TestDrive '..' 'escape.priv') | Should -BeFalse
    }

    It 'takes -Passphrase only as a SecureString' {
        (Get-Command New-SnekCertificate).Parameters['Passphrase'].ParameterType | Should -Be ([securestring])
    }
}

Describe 'Get-SnekCertificate' {
    BeforeAll {
        $script:Dir = Join-Path $TestDrive 'keys'
        $script:A = New-SnekCertificate -Path $Dir -Name alpha
        $script:B = New-SnekCertificate -Path $Dir -Name beta
    }

    It 'round-trips the fingerprint of New-SnekCertificate' {
        $read = Get-SnekCertificate (Join-Path $Dir 'alpha.pub')
        $read | Should -BeOfType ([Jormungandr.Identity.SnekCertificate])
        $read.Fingerprint | Should -Be $A.Fingerprint
        $read.ShortFingerprint | Should -Be $A.ShortFingerprint
    }

    It 'describes every key pair of a directory' {
        $all = Get-SnekCertificate $Dir
        ($all.Name | Sort-Object) | Should -Be @('alpha', 'beta')
    }

    It 'takes paths from Get-ChildItem by property name' {
        $names = Get-ChildItem $Dir -Filter *.pub | Get-SnekCertificate | ForEach-Object Name
        ($names | Sort-Object) | Should -Be @('alpha', 'beta')
    }

    It 'takes path strings from the pipeline' {
        (Join-Path $Dir 'beta.pub') | Get-SnekCertificate | ForEach-Object Fingerprint | Should -Be $B.Fingerprint
    }

    It 'uses the current location by default' {
        Push-Location $Dir
        try { @(Get-SnekCertificate).Count | Should -Be 2 } finally { Pop-Location }
    }

    It 'reports a missing path as a non-terminating CertificateNotFound and goes on' {
        $out = Get-SnekCertificate (Join-Path $Dir 'nope.pub'), (Join-Path $Dir 'alpha.pub') -ErrorVariable errs -ErrorAction SilentlyContinue
        @($out).Count | Should -Be 1
        $out.Name | Should -Be 'alpha'
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CertificateNotFound,*'
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'reports a corrupt key as InvalidData' {
        $bad = Join-Path $TestDrive 'corrupt'
        New-Item -ItemType Directory $bad | Out-Null
        Set-Content -Path (Join-Path $bad 'junk.pub') -Value 'not a key'
        Get-SnekCertificate (Join-Path $bad 'junk.pub') -ErrorVariable errs -ErrorAction SilentlyContinue | Out-Null
        $errs.Count | Should -Be 1
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidData'
    }
}
