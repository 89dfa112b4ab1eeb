using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Tenancy.Analyzers;

/// <summary>
/// The checks of the rules <see cref="TenantOperationsAnalyzer"/> runs, gathered at compilation start: each rule adds
/// the operations it looks at, and the analyzer then registers one action per operation kind, which hands each operation
/// to the checks of that kind. Invocations are handed on by the invoked method's name first: a rule that looks only at
/// calls of given names (<c>Enter</c>, <c>SuppressFlow</c>, <c>IgnoreQueryFilters</c>) is not called for the others.
/// The compiler calls back once per operation whatever the number of rules that look at it.
/// </summary>
internal sealed class OperationChecks
{
    private readonly Dictionary<string, List<Action<OperationAnalysisContext, IInvocationOperation>>> _invocationsByName = new(StringComparer.Ordinal);
    private readonly List<Action<OperationAnalysisContext, IInvocationOperation>> _everyInvocation = new();
    private readonly Dictionary<OperationKind, List<Action<OperationAnalysisContext>>> _byKind = new();

    /// <summary>Hands <paramref name="check"/> every invocation.</summary>
    public void OnInvocation(Action<OperationAnalysisContext, IInvocationOperation> check) => _everyInvocation.Add(check);

    /// <summary>Hands <paramref name="check"/> the invocations of methods with one of <paramref name="names"/> (ordinal, as in metadata).</summary>
    public void OnInvocation(IEnumerable<string> names, Action<OperationAnalysisContext, IInvocationOperation> check)
    {
        foreach (var name in names)
        {
            if (!_invocationsByName.TryGetValue(name, out var checks))
            {
                _invocationsByName[name] = checks = new List<Action<OperationAnalysisContext, IInvocationOperation>>();
            }

            checks.Add(check);
        }
    }

    /// <summary>Hands <paramref name="check"/> every operation of <paramref name="kinds"/> (not invocations: see <see cref="OnInvocation(Action{OperationAnalysisContext, IInvocationOperation})"/>).</summary>
    public void On(Action<OperationAnalysisContext> check, params OperationKind[] kinds)
    {
        foreach (var kind in kinds)
        {
            if (kind == OperationKind.Invocation)
            {
                throw new ArgumentException("Invocations are added with OnInvocation.", nameof(kinds));
            }

            if (!_byKind.TryGetValue(kind, out var checks))
            {
                _byKind[kind] = checks = new List<Action<OperationAnalysisContext>>();
            }

            checks.Add(check);
        }
    }

    /// <summary>Registers one action per operation kind some check looks at (none when no check was added).</summary>
    public void RegisterWith(CompilationStartAnalysisContext start)
    {
        if (_everyInvocation.Count > 0 || _invocationsByName.Count > 0)
        {
            var every = _everyInvocation.ToArray();
            var byName = new Dictionary<string, Action<OperationAnalysisContext, IInvocationOperation>[]>(StringComparer.Ordinal);
            foreach (var entry in _invocationsByName)
            {
                byName[entry.Key] = entry.Value.ToArray();
            }

            start.RegisterOperationAction(c => AnalyzeInvocation(c, every, byName), OperationKind.Invocation);
        }

        foreach (var entry in _byKind)
        {
            var checks = entry.Value.ToArray();
            if (checks.Length == 1)
            {
                start.RegisterOperationAction(checks[0], entry.Key);
            }
            else
            {
                start.RegisterOperationAction(
                    c =>
                    {
                        foreach (var check in checks)
                        {
                            check(c);
                        }
                    },
                    entry.Key);
            }
        }
    }

    private static void AnalyzeInvocation(
        OperationAnalysisContext context,
        Action<OperationAnalysisContext, IInvocationOperation>[] every,
        Dictionary<string, Action<OperationAnalysisContext, IInvocationOperation>[]> byName)
    {
        var invocation = (IInvocationOperation)context.Operation;
        foreach (var check in every)
        {
            check(context, invocation);
        }

        if (byName.Count > 0 && byName.TryGetValue(invocation.TargetMethod.Name, out var named))
        {
            foreach (var check in named)
            {
                check(context, invocation);
            }
        }
    }
}
