#if !NET5_0_OR_GREATER
namespace System.Runtime.CompilerServices
{
    /// <summary>Lets the netstandard2.0 build use init-only setters, which the compiler marks with this type.</summary>
    internal static class IsExternalInit
    {
    }
}
#endif
