<#
.SYNOPSIS
    Builds, tests and cleans JumpHost.
.DESCRIPTION
    Build lays out the importable module in out/JumpHost (both the net8.0 and the netstandard2.0 build,
    the manifest, the format file and the MAML help made from docs/). Test runs the xunit suite (which
    starts the OpenSSH lab in network namespaces, so it needs Linux and root) and, when Pester 5 is
    installed, the Pester files tests/*.Tests.ps1. Docs refreshes docs/*.md from the built cmdlets with
    platyPS, when platyPS is installed. Every external command's exit code is checked.
.EXAMPLE
    ./build.ps1
    Builds and tests in Release.
.EXAMPLE
    ./build.ps1 -Task Clean, Build -Configuration Debug
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Docs', 'Clean')]
    [string[]] $Task = @('Build', 'Test'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot

function Invoke-Checked {
    param([string] $FilePath, [string[]] $ArgumentList)
    Write-Host "> $FilePath $($ArgumentList -join ' ')"
    & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0) {
        throw "$FilePath $($ArgumentList -join ' ') failed with exit code $LASTEXITCODE."
    }
}

foreach ($step in $Task) {
    switch ($step) {
        'Clean' {
            foreach ($path in @('out', 'src/JumpHost/bin', 'src/JumpHost/obj', 'src/JumpHost.HelpGen/bin',
                    'src/JumpHost.HelpGen/obj', 'tests/JumpHost.Tests/bin', 'tests/JumpHost.Tests/obj')) {
                Remove-Item -LiteralPath (Join-Path $root $path) -Recurse -Force -ErrorAction SilentlyContinue
            }
        }
        'Build' {
            Invoke-Checked dotnet @('build', (Join-Path $root 'src/JumpHost'), '-c', $Configuration)
        }
        'Test' {
            Invoke-Checked dotnet @('test', (Join-Path $root 'tests/JumpHost.Tests'), '-c', $Configuration)
            $pester = Get-Module -ListAvailable -Name Pester | Where-Object Version -ge '5.0' | Sort-Object Version -Descending | Select-Object -First 1
            if ($pester) {
                Import-Module $pester -Force
                $result = Invoke-Pester -Path (Join-Path $root 'tests') -Output Detailed -PassThru
                if ($result.FailedCount -gt 0 -or $result.Result -ne 'Passed') {
                    throw "Pester: $($result.FailedCount) failed."
                }
            }
            else {
                Write-Warning 'Pester 5 is not installed: tests/*.Tests.ps1 were not run (Install-Module Pester -MinimumVersion 5.0).'
            }
        }
        'Docs' {
            if (-not (Get-Module -ListAvailable -Name platyPS)) {
                throw 'The Docs task needs platyPS (Install-Module platyPS).'
            }

            # In a child process, so the freshly built module does not stay loaded in this session.
            $script = "Import-Module '$root/out/JumpHost/JumpHost.psd1'; Import-Module platyPS; " +
                "Update-MarkdownHelp -Path '$root/docs' -AlphabeticParamsOrder -UpdateInputOutput | Out-Null"
            Invoke-Checked (Get-Process -Id $PID).Path @('-NoProfile', '-Command', $script)
        }
    }
}
