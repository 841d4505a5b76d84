using System;
using System.Collections;
using System.Collections.Generic;

namespace JumpHost.Engine.Audit;

/// <summary>
/// The kind-specific fields of an audit record, written in the order they were first set. Values are what JSON
/// can hold: strings, numbers, booleans, null, lists (any non-string <see cref="IEnumerable"/>) and nested
/// objects (<see cref="AuditFields"/> or a dictionary with string keys); other values are written as text.
/// Built with an object initializer: <c>Fields = { ["exitStatus"] = 0, ["command"] = text }</c>.
/// </summary>
internal sealed class AuditFields : IEnumerable<KeyValuePair<string, object?>>
{
    private readonly List<string> _order = new();
    private readonly Dictionary<string, object?> _values = new(StringComparer.Ordinal);

    public int Count => _order.Count;

    /// <summary>Sets a field; setting it again replaces the value and keeps its place.</summary>
    public object? this[string name]
    {
        get => _values.TryGetValue(name, out var value) ? value : null;
        set
        {
            if (name == null)
            {
                throw new ArgumentNullException(nameof(name));
            }

            if (!_values.ContainsKey(name))
            {
                _order.Add(name);
            }

            _values[name] = value;
        }
    }

    /// <summary>For collection initializers: <c>new AuditFields { { "host", "db01" }, { "port", 22 } }</c>.</summary>
    public void Add(string name, object? value) => this[name] = value;

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        foreach (var name in _order)
        {
            yield return new KeyValuePair<string, object?>(name, _values[name]);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
