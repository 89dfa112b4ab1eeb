using System.Threading;
using Microsoft.CodeAnalysis;

namespace Tenancy.Analyzers;

/// <summary>
/// Whether a rule is switched off for the whole compilation, so that its check need not run: the compiler skips an
/// analyzer all of whose rules are off, but not one rule of an analyzer that reports several. Conservative: a rule is off
/// only when every setting that names it (<c>.editorconfig</c> per file, global config, <c>NoWarn</c>/rule set) says
/// <c>none</c> and every file is covered by one of them; any other severity, or a file nothing covers, keeps it on.
/// </summary>
internal static class SwitchedOffRules
{
    /// <summary>True when <paramref name="id"/> is suppressed for every file of <paramref name="compilation"/>.</summary>
    public static bool IsOff(Compilation compilation, string id, CancellationToken cancellationToken)
    {
        var options = compilation.Options;
        var offForAll = false;
        if (options.SpecificDiagnosticOptions.TryGetValue(id, out var specific))
        {
            if (specific != ReportDiagnostic.Suppress)
            {
                return false;
            }

            offForAll = true;
        }

        if (options.SyntaxTreeOptionsProvider is not { } provider)
        {
            return offForAll;
        }

        if (provider.TryGetGlobalDiagnosticValue(id, cancellationToken, out var global))
        {
            if (global != ReportDiagnostic.Suppress)
            {
                return false;
            }

            offForAll = true;
        }

        foreach (var tree in compilation.SyntaxTrees)
        {
            if (provider.TryGetDiagnosticValue(tree, id, cancellationToken, out var severity))
            {
                if (severity != ReportDiagnostic.Suppress)
                {
                    return false;
                }
            }
            else if (!offForAll)
            {
                return false;
            }
        }

        return true;
    }
}
