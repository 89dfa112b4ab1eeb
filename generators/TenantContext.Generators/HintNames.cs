using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Tenancy.Generators.Models;

namespace Tenancy.Generators;

/// <summary>Gives every generated file a name of its own.</summary>
internal static class HintNames
{
    /// <summary>
    /// One <c>{HintName}.g.cs</c> per distinct class, in a stable order. Roslyn compares hint names ignoring case, so
    /// <c>Demo.Wiki</c> and <c>Demo.wiki</c> would clash: the later one (by ordinal order) becomes <c>Demo.wiki.2.g.cs</c>.
    /// A class that appears twice (its attribute on two partial declarations) is emitted once.
    /// </summary>
    public static IEnumerable<(string HintName, AccessorClassSpec Spec)> Assign(ImmutableArray<AccessorClassSpec> specs)
    {
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var emitted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var spec in specs.OrderBy(static s => s.HintName, StringComparer.Ordinal))
        {
            if (!emitted.Add(spec.HintName))
            {
                continue;
            }

            string name = spec.HintName;
            for (int i = 2; !taken.Add(name); i++)
            {
                name = spec.HintName + "." + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            yield return (name + ".g.cs", spec);
        }
    }
}
