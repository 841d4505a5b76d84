# Pester 5 tests of the built module against the OpenSSH lab (Linux, as root): ./build.ps1 runs them
# when Pester is installed. The xunit suite in tests/JumpHost.Tests covers the same path in depth.

BeforeDiscovery {
    $script:canRunLab = $IsLinux -and ((id -u) -eq '0')
}

Describe 'JumpHost against the lab' -Skip:(-not $canRunLab) {
    BeforeAll {
        $repository = Split-Path -Parent $PSScriptRoot
        $labScript = Join-Path $repository 'tests/lab/lab.sh'
        bash $labScript start | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "tests/lab/lab.sh start failed with exit code $LASTEXITCODE." }

        $labDir = if ($env:JUMPHOST_LAB_DIR) { $env:JUMPHOST_LAB_DIR } else { '/tmp/jumphost-lab' }
        $labEnv = Get-Content -Raw (Join-Path $labDir 'lab.env') | ConvertFrom-StringData
        $script:Lab = @{ UserName = $labEnv.LAB_USER; KeyFile = $labEnv.LAB_KEY; KnownHostsFile = $labEnv.LAB_KNOWN_HOSTS }
        $script:LabEnv = $labEnv

        Import-Module (Join-Path $repository 'out/JumpHost/JumpHost.psd1') -Force
    }

    AfterAll {
        Remove-Module JumpHost -ErrorAction SilentlyContinue
        bash $labScript stop | Out-Null
    }

    It 'reaches www through relay1, relay2 and relay3' {
        $session = New-JumpSession www -JumpHost relay1, relay2, relay3 @Lab
        $session.State | Should -Be 'Opened'
        $session.Hops.HostName | Should -Be @('relay1', 'relay2', 'relay3', 'www')

        $result = Invoke-JumpCommand -Session $session -Command 'echo $SSH_CONNECTION'
        $result.ExitStatus | Should -Be 0
        ($result.Output -split ' ')[0] | Should -Be $LabEnv.LAB_RELAY3_SIDE_IP
        ($result.Output -split ' ')[2] | Should -Be $LabEnv.LAB_IP_WWW
        Remove-JumpSession $session
        $session.State | Should -Be 'Closed'
    }

    It 'cannot reach target1 directly but can through the bastion' {
        { New-JumpSession target1 @Lab -ConnectTimeout 5 } | Should -Throw -ErrorId 'HopUnreachable,JumpHost.Commands.NewJumpSessionCommand'

        $output = Invoke-JumpCommand -HostName target1 -JumpHost bastion @Lab -Command 'echo $SSH_CONNECTION'
        ($output.Output -split ' ')[0] | Should -Be $LabEnv.LAB_BASTION_SIDE_IP
    }

    It 'refuses a host key that known_hosts does not list' {
        $knownHosts = Join-Path ([System.IO.Path]::GetTempPath()) "jumphost-pester-$PID"
        Get-Content $LabEnv.LAB_KNOWN_HOSTS | Where-Object { $_ -notlike 'relay2 *' } | Set-Content $knownHosts
        try {
            { New-JumpSession www -JumpHost relay1, relay2, relay3 -UserName $Lab.UserName -KeyFile $Lab.KeyFile -KnownHostsFile $knownHosts } |
                Should -Throw -ErrorId 'HostKeyUnknown,JumpHost.Commands.NewJumpSessionCommand'
        }
        finally {
            Remove-Item $knownHosts
        }
    }

    It 'returns stdout, stderr and the exit status of each session' {
        $sessions = 'target1', 'target2' | New-JumpSession -JumpHost bastion @Lab
        $results = $sessions | Invoke-JumpCommand 'echo out; echo err >&2; exit 4'
        $results | Should -HaveCount 2
        $results.Output | Should -Be @("out`n", "out`n")
        $results.Error | Should -Be @("err`n", "err`n")
        $results.ExitStatus | Should -Be @(4, 4)
        $sessions | Remove-JumpSession
    }

    It 'forwards a local port to www:80 through relay1, relay2 and relay3' {
        $forward = Start-PortForward -HostName relay3 -JumpHost relay1, relay2 @Lab -RemoteHost www -RemotePort 80
        $forward.State | Should -Be 'Running'
        $port = [int]($forward.LocalEndpoint -split ':')[-1]

        $page = Invoke-WebRequest -Uri "http://127.0.0.1:$port/" -UseBasicParsing
        $page.Content | Should -Match $LabEnv.LAB_WWW_TOKEN
        $forward.TotalConnections | Should -Be 1

        Stop-PortForward $forward
        $forward.State | Should -Be 'Stopped'
        $forward.Session.State | Should -Be 'Closed'
    }

    It 'serves a SOCKS proxy through relay1, relay2 and relay3 that resolves names on the far side' {
        $session = New-JumpSession relay3 -JumpHost relay1, relay2 @Lab
        $forward = $session | Start-PortForward -Dynamic
        $forward.Kind | Should -Be 'Dynamic'
        $port = [int]($forward.LocalEndpoint -split ':')[-1]

        # "intranet" resolves only inside relay3's namespace.
        $page = curl -sS --max-time 20 --socks5-hostname "127.0.0.1:$port" http://intranet/
        $LASTEXITCODE | Should -Be 0
        ($page -join "`n") | Should -Match $LabEnv.LAB_WWW_TOKEN
        $forward.TotalConnections | Should -Be 1

        Remove-JumpSession $session
        $forward.State | Should -Be 'Stopped'
    }

    It 'copies a file up and back through relay1, relay2 and relay3 with matching SHA-256' {
        $session = New-JumpSession www -JumpHost relay1, relay2, relay3 @Lab
        $local = Join-Path ([System.IO.Path]::GetTempPath()) "jumphost-pester-$PID.bin"
        $back = "$local.back"
        $remote = "jumphost-pester-$PID.bin"
        [System.IO.File]::WriteAllBytes($local, [byte[]]((1..255) * 4096))
        try {
            $up = Copy-JumpItem $local $remote -ToSession $session -Verify -PassThru
            $up.Sha256 | Should -Be (Get-FileHash $local -Algorithm SHA256).Hash.ToLowerInvariant()
            (Get-JumpChildItem -Session $session -Path $remote).Length | Should -Be (Get-Item $local).Length

            $down = Copy-JumpItem $remote $back -FromSession $session -Verify -PassThru
            $down.Sha256 | Should -Be $up.Sha256
        }
        finally {
            Invoke-JumpCommand -Session $session -Command "rm -f $remote" | Out-Null
            Remove-Item $local, $back -ErrorAction SilentlyContinue
            Remove-JumpSession $session
        }
    }

    It 'records a session and its command in an audit log that verifies' {
        $previous = Set-JumpAuditLog -PassThru
        $log = Join-Path ([System.IO.Path]::GetTempPath()) "jumphost-pester-audit-$PID.jsonl"
        Set-JumpAuditLog -Path $log
        try {
            $session = New-JumpSession target1 -JumpHost bastion @Lab
            Invoke-JumpCommand -Session $session -Command 'true' | Out-Null
            Remove-JumpSession $session

            (Get-JumpAuditLog $log -SessionId $session.AuditId).Kind | Should -Be @('session.opened', 'command', 'session.closed')
            (Test-JumpAuditLog $log).Valid | Should -BeTrue
        }
        finally {
            Set-JumpAuditLog -Path $previous.Path
            Remove-Item $log -ErrorAction SilentlyContinue
        }
    }

    It 'refuses a non-loopback bind without -AllowRemoteConnections' {
        $session = New-JumpSession bastion @Lab
        { Start-PortForward -Session $session -BindAddress 0.0.0.0 -RemotePort 22 } |
            Should -Throw -ErrorId 'NonLoopbackBindRefused,JumpHost.Commands.StartPortForwardCommand'
        Remove-JumpSession $session
    }
}
