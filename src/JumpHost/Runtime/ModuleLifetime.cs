using System.Management.Automation;

namespace JumpHost.Runtime;

/// <summary>Remove-Module JumpHost closes the sessions of the runspace that removes it.</summary>
public sealed class ModuleLifetime : IModuleAssemblyCleanup
{
    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        SessionRegistry.Existing?.CloseAll("module removed");
    }
}
