using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace JumpHost.Runtime;

/// <summary>Finding sessions and forwards by id or name, reporting the ones asked for that do not exist.</summary>
internal static class SessionLookup
{
    /// <summary>The sessions with these ids; an id that matches none is reported, as Get-PSSession does.</summary>
    public static IEnumerable<JumpSession> ById(IReadOnlyList<JumpSession> sessions, IEnumerable<int> ids, Action<ErrorRecord> reportMissing) =>
        ById(sessions, s => s.Id, ids, "SessionNotFound", "JumpHost session", "Get-JumpSession", reportMissing);

    /// <summary>The forwards with these ids; an id that matches none is reported.</summary>
    public static IEnumerable<PortForward> ById(IReadOnlyList<PortForward> forwards, IEnumerable<int> ids, Action<ErrorRecord> reportMissing) =>
        ById(forwards, f => f.Id, ids, "ForwardNotFound", "port forward", "Get-PortForward", reportMissing);

    /// <summary>The sessions whose names match; a plain name (no wildcard) that matches none is reported.</summary>
    public static IEnumerable<JumpSession> ByName(IReadOnlyList<JumpSession> sessions, IEnumerable<string> names, Action<ErrorRecord> reportMissing)
    {
        foreach (var name in names)
        {
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            var matches = sessions.Where(s => pattern.IsMatch(s.Name)).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                reportMissing(NotFound("SessionNotFound", $"No JumpHost session is named '{name}' in this runspace. Get-JumpSession lists the open ones.", name));
            }

            foreach (var match in matches)
            {
                yield return match;
            }
        }
    }

    private static IEnumerable<T> ById<T>(IReadOnlyList<T> items, Func<T, int> idOf, IEnumerable<int> ids, string errorId, string noun, string lister, Action<ErrorRecord> reportMissing)
        where T : class
    {
        foreach (var id in ids)
        {
            var item = items.FirstOrDefault(i => idOf(i) == id);
            if (item == null)
            {
                reportMissing(NotFound(errorId, $"No {noun} has Id {id} in this runspace. {lister} lists the open ones.", id));
            }
            else
            {
                yield return item;
            }
        }
    }

    private static ErrorRecord NotFound(string errorId, string message, object target) =>
        new(new ItemNotFoundException(message), errorId, ErrorCategory.ObjectNotFound, target);
}
