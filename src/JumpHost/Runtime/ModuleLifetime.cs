using System.Management.Automation;
using JumpHost.Engine.Audit;

namespace JumpHost.Runtime;

/// <summary>Remove-Module JumpHost closes the sessions of the runspace that removes it.</summary>
public sealed class ModuleLifetime : IModuleAssemblyCleanup
{
    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        SessionRegistry.Existing?.CloseAll(AuditReasons.ModuleRemoved);
    }
}
