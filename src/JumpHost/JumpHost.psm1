# Loads the build of JumpHost that matches the running PowerShell: net8.0 on PowerShell 7.4+,
# netstandard2.0 on Windows PowerShell 5.1.
$framework = if ($PSVersionTable.PSEdition -eq 'Core') { 'net8.0' } else { 'netstandard2.0' }
$binaryModule = Import-Module -Name ([System.IO.Path]::Combine($PSScriptRoot, $framework, 'JumpHost.dll')) -PassThru -ErrorAction Stop

# Removing JumpHost also removes the binary module, which closes this runspace's sessions.
$ExecutionContext.SessionState.Module.OnRemove = {
    Remove-Module -ModuleInfo $binaryModule -Force -ErrorAction SilentlyContinue
}.GetNewClosure()
