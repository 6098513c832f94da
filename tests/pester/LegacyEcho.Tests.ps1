#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Invoke-LegacyEcho against Start-LegacyEchoServer -AsJob, and the SnekJob lifecycle with the job cmdlets.
# Loopback only.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Manifest = Import-JormungandrModule

    function Start-TestEchoServer {
        $job = Start-LegacyEchoServer -Port 0 -Bind 127.0.0.1 -AsJob
        # The job's Location becomes the bound endpoint once the server listens.
        Wait-Until { $job.Location -match '^127\.0\.0\.1:([1-9]\d*)$' -or $job.State -ne 'Running' } 'the echo server to listen'
        $job.State | Should -Be 'Running'
        return $job
    }
}

Describe 'Start-LegacyEchoServer -AsJob' {
    BeforeAll {
        $script:Job = Start-TestEchoServer
        $script:Port = [int]($Job.Location -split ':')[-1]
    }

    AfterAll {
        if ($Job) { Remove-Job -Job $Job -Force -ErrorAction SilentlyContinue }
    }

    It 'returns a SnekJob at once that Get-Job lists' {
        $Job | Should -BeOfType ([System.Management.Automation.Job])
        $Job.GetType().FullName | Should -Be 'Jormungandr.PowerShell.Runtime.SnekJob'
        $Job.PSJobTypeName | Should -Be 'SnekJob'
        (Get-Job -Id $Job.Id).InstanceId | Should -Be $Job.InstanceId
        (Get-Job | Where-Object PSJobTypeName -eq 'SnekJob').Id | Should -Contain $Job.Id
        $Job.Command | Should -BeLike 'Start-LegacyEchoServer*-AsJob*'
    }

    It 'answers Invoke-LegacyEcho with one LegacyEchoReply per message' {
        $replies = Invoke-LegacyEcho -Message hello, world -ComputerName 127.0.0.1 -Port $Port
        $replies.Count | Should -Be 2
        $replies[0] | Should -BeOfType ([Jormungandr.Legacy.LegacyEchoReply])
        $replies[0].Message | Should -Be 'hello'
        $replies[0].Reply | Should -Match 'olleh'
        $replies[1].Reply | Should -Match 'dlrow'
        $replies[0].Cipher | Should -Not -BeNullOrEmpty
        $replies[0].KeySize | Should -BeGreaterThan 0
        $replies[0].Server | Should -Be "127.0.0.1:$Port"
    }

    It 'takes messages from the pipeline, in order, over one session' {
        $replies = 'one', 'two', 'three' | Invoke-LegacyEcho -ComputerName 127.0.0.1 -Port $Port
        $replies.Message | Should -Be @('one', 'two', 'three')
        $replies[2].Reply | Should -Match 'eerht'
    }

    It 'makes the server''s messages available to Receive-Job' {
        $received = @(Receive-Job $Job -Keep)
        $received | Should -Not -BeNullOrEmpty
        $received[0] | Should -BeOfType ([Jormungandr.Legacy.LegacyEchoMessage])
        $received.Text | Should -Contain 'hello'
        $received.Text | Should -Contain 'three'
        $Job.HasMoreData | Should -BeTrue
        Receive-Job $Job | Out-Null
        $Job.Output.Count | Should -Be 0
        # The server still writes verbose lines (e.g. a client's disconnect) on its own threads, so one
        # may land just after a read: receiving until quiet must leave HasMoreData false (bounded wait).
        Wait-Until { Receive-Job $Job | Out-Null; -not $Job.HasMoreData } 'HasMoreData to become false once everything is received' 10
    }

    It 'stops with Stop-Job (state Stopped), then Wait-Job returns and Remove-Job forgets it' {
        Stop-Job -Job $Job
        $Job.State | Should -Be 'Stopped'
        Wait-Job -Job $Job -Timeout 10 | Should -Not -BeNullOrEmpty
        $err = { Invoke-LegacyEcho -Message after -ComputerName 127.0.0.1 -Port $Port } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'LegacyConnectFailed,*'
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'
        Remove-Job -Job $Job
        Get-Job -Id $Job.Id -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $script:Job = $null
    }
}

Describe 'SnekJob failures and forced removal' {
    It 'ends Failed with the error in the job''s Error stream when the port is taken' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try {
            $job = Start-LegacyEchoServer -Port $listener.LocalEndpoint.Port -Bind 127.0.0.1 -AsJob
            Wait-Job -Job $job -Timeout 20 | Out-Null
            $job.State | Should -Be 'Failed'
            Receive-Job -Job $job -ErrorVariable errs -ErrorAction SilentlyContinue | Out-Null
            $errs.Count | Should -BeGreaterThan 0
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'LegacyListenFailed*'
            $errs[0].CategoryInfo.Category | Should -Be 'ConnectionError'
            Remove-Job -Job $job
        }
        finally {
            $listener.Stop()
        }
    }

    It 'is removed by Receive-Job -Wait -AutoRemoveJob once it has ended' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try {
            $job = Start-LegacyEchoServer -Port $listener.LocalEndpoint.Port -Bind 127.0.0.1 -AsJob
            Receive-Job -Job $job -Wait -AutoRemoveJob -ErrorVariable errs -ErrorAction SilentlyContinue | Out-Null
            @($errs | Where-Object { $_.FullyQualifiedErrorId -like 'ReceiveJobAutoRemovalError*' }).Count | Should -Be 0
            Get-Job -Id $job.Id -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }
        finally {
            $listener.Stop()
        }
    }

    It 'refuses Remove-Job of a running job without -Force, and stops it with -Force' {
        $job = Start-TestEchoServer
        try {
            { Remove-Job -Job $job -ErrorAction Stop } | Should -Throw
            $job.State | Should -Be 'Running'
        }
        finally {
            Remove-Job -Job $job -Force
        }

        Get-Job -Id $job.Id -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'stops the job''s server when the runspace that started it closes' {
        $port = Get-FreeTcpPort
        $ps = New-ModuleShell $Manifest
        try {
            $null = $ps.AddCommand('Start-LegacyEchoServer').AddParameter('Port', $port).AddParameter('Bind', '127.0.0.1').AddParameter('AsJob')
            $job = @($ps.Invoke())[0]
            $job.GetType().FullName | Should -Be 'Jormungandr.PowerShell.Runtime.SnekJob'
            Wait-Until {
                try { $null = Invoke-LegacyEcho -Message ping -ComputerName 127.0.0.1 -Port $port -ErrorAction Stop; $true } catch { $false }
            } 'the job''s server to answer'
        }
        finally {
            $ps.Dispose()   # closes the runspace it created
        }

        $job.JobStateInfo.State | Should -Be 'Stopped'
        { Invoke-LegacyEcho -Message gone -ComputerName 127.0.0.1 -Port $port -ErrorAction Stop } | Should -Throw
    }

    It 'creates no job and opens no port with -WhatIf' {
        $before = @(Get-Job).Count
        $port = Get-FreeTcpPort
        Start-LegacyEchoServer -Port $port -Bind 127.0.0.1 -AsJob -WhatIf | Should -BeNullOrEmpty
        @(Get-Job).Count | Should -Be $before
        { Invoke-LegacyEcho -Message x -ComputerName 127.0.0.1 -Port $port } | Should -Throw
    }
}

Describe 'Start-LegacyEchoServer in the foreground' {
    It 'writes LegacyEchoMessage objects as they happen and stops cleanly when the pipeline is stopped (Ctrl+C)' {
        $port = Get-FreeTcpPort
        $ps = New-ModuleShell $Manifest
        $handle = $null
        try {
            $null = $ps.AddCommand('Start-LegacyEchoServer').AddParameter('Port', $port).AddParameter('Bind', '127.0.0.1')
            # The input must be closed first: with an open input collection the command would wait for
            # more pipeline input and the server would never start.
            $inputData = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $inputData.Complete()
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $handle = $ps.BeginInvoke($inputData, $output)
            Wait-Until {
                try { $null = Invoke-LegacyEcho -Message ping -ComputerName 127.0.0.1 -Port $port -ErrorAction Stop; $true } catch { $false }
            } 'the foreground server to answer'
            Wait-Until { $output.Count -gt 0 } 'the server to write a LegacyEchoMessage'
            $output[0] | Should -BeOfType ([Jormungandr.Legacy.LegacyEchoMessage])
            $output[0].Text | Should -Be 'ping'

            $stopwatch = [System.Diagnostics.Stopwatch]::StartNew()
            Stop-ModuleShell $ps $handle   # what Ctrl+C does: StopProcessing cancels the command
            $stopwatch.Elapsed.TotalSeconds | Should -BeLessThan 15
            $handle.IsCompleted | Should -BeTrue
            $handle = $null
            { Invoke-LegacyEcho -Message gone -ComputerName 127.0.0.1 -Port $port -ErrorAction Stop } | Should -Throw
        }
        finally {
            if ($handle) { Stop-ModuleShell $ps $handle }
            $ps.Dispose()
        }
    }
}

Describe 'Invoke-LegacyEcho errors' {
    It 'is a terminating LegacyConnectFailed (ConnectionError) when nothing listens' {
        $port = Get-FreeTcpPort
        $err = { Invoke-LegacyEcho -Message x -ComputerName 127.0.0.1 -Port $port } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'LegacyConnectFailed,Jormungandr.PowerShell.InvokeLegacyEchoCommand'
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'
        $err.Exception.ErrorId | Should -Be 'LegacyConnectFailed'
    }

    It 'rejects a port out of range at parameter binding' {
        { Invoke-LegacyEcho -Message x -Port 70000 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Jormungandr.PowerShell.InvokeLegacyEchoCommand'
    }

    It 'needs a message' {
        (Get-Command Invoke-LegacyEcho).Parameters['Message'].Attributes.Where({ $_ -is [System.Management.Automation.ParameterAttribute] }).Mandatory | Should -BeTrue
    }
}
