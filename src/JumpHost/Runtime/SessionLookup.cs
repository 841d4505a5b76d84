using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace JumpHost.Runtime;

/// <summary>Finding sessions by id or name for Get-JumpSession and Remove-JumpSession.</summary>
internal static class SessionLookup
{
    /// <summary>The sessions with these ids; an id that matches none is reported, as Get-PSSession does.</summary>
    public static IEnumerable<JumpSession> ById(IReadOnlyList<JumpSession> sessions, IEnumerable<int> ids, Action<ErrorRecord> reportMissing)
    {
        foreach (var id in ids)
        {
            var session = sessions.FirstOrDefault(s => s.Id == id);
            if (session == null)
            {
                reportMissing(NotFound($"No JumpHost session has Id {id} in this runspace. Get-JumpSession lists the open ones.", id));
            }
            else
            {
                yield return session;
            }
        }
    }

    /// <summary>The sessions whose names match; a plain name (no wildcard) that matches none is reported.</summary>
    public static IEnumerable<JumpSession> ByName(IReadOnlyList<JumpSession> sessions, IEnumerable<string> names, Action<ErrorRecord> reportMissing)
    {
        foreach (var name in names)
        {
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            var matches = sessions.Where(s => pattern.IsMatch(s.Name)).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                reportMissing(NotFound($"No JumpHost session is named '{name}' in this runspace. Get-JumpSession lists the open ones.", name));
            }

            foreach (var match in matches)
            {
                yield return match;
            }
        }
    }

    private static ErrorRecord NotFound(string message, object target) =>
        new(new ItemNotFoundException(message), "SessionNotFound", ErrorCategory.ObjectNotFound, target);
}
