using System.Collections;
using System.Collections.Generic;
using System.Linq;

namespace JumpHost.Tests.Infrastructure;

/// <summary>Helpers for module objects seen as dynamic (the test project does not reference the module assembly).</summary>
public static class Dyn
{
    public static List<dynamic> List(object collection) => ((IEnumerable)collection).Cast<object>().Select(o => (dynamic)o).ToList();

    /// <summary>One property of every item, as text (enums by name).</summary>
    public static List<string> Strings(object collection, string property) =>
        ((IEnumerable)collection).Cast<object>().Select(o => o.GetType().GetProperty(property)!.GetValue(o)!.ToString()!).ToList();
}
