@{
    RootModule           = 'JumpHost.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '3f6b2a4e-8c1d-4e57-9a3b-6d2f0c8e1a74'
    Author               = 'The JumpHost authors'
    CompanyName          = 'JumpHost'
    Copyright            = '(c) The JumpHost authors. MIT License.'
    Description          = 'SSH sessions, remote commands and port forwards (-L, -R, SOCKS -D) through one or more jump hosts (bastions), with every hop''s host key verified.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Core', 'Desktop')
    FormatsToProcess     = @('JumpHost.format.ps1xml')
    CmdletsToExport      = @(
        'Copy-JumpItem'
        'Get-JumpAuditLog'
        'Get-JumpChildItem'
        'Get-JumpHostKey'
        'Get-JumpSession'
        'Get-PortForward'
        'Invoke-JumpCommand'
        'New-JumpSession'
        'Remove-JumpHostKey'
        'Remove-JumpSession'
        'Resolve-JumpHost'
        'Set-JumpAuditLog'
        'Start-PortForward'
        'Stop-PortForward'
        'Test-JumpAuditLog'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('SSH', 'JumpHost', 'Bastion', 'ProxyJump', 'OpenSSH', 'Linux', 'Windows')
        }
    }
}
