using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Tenancy.Generators.Models;

namespace Tenancy.Generators;

/// <summary>
/// Turns a <c>[TenantAccessors] static partial class</c> with <c>static partial</c> get-only properties into typed,
/// allocation-free tenant accessors, a typed <c>Enter</c> for test injection and a typed <c>Register</c>.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class TenantAccessorsGenerator : IIncrementalGenerator
{
    /// <summary>The attribute that marks an accessor class, matched by metadata name (no reference to the runtime).</summary>
    public const string AttributeMetadataName = "Tenancy.TenantAccessorsAttribute";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<AccessorClassResult> results = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                AttributeMetadataName,
                // A record is a class too (the attribute allows it): it reaches the parser, which refuses it (TC2001: not static).
                predicate: static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.RecordDeclarationSyntax,
                transform: static (ctx, ct) => Parser.Parse(ctx, ct))
            .Where(static r => r is not null)
            .Select(static (r, _) => r!)
            .WithTrackingName(TrackingNames.Transform);

        IncrementalValuesProvider<AccessorClassSpec> specs = results
            .Where(static r => r.Spec is not null)
            .Select(static (r, _) => r.Spec!)
            .WithTrackingName(TrackingNames.Spec);

        // All specs together, so every file gets a name no other file has (hint names are compared ignoring case) and
        // a class reported twice is emitted once: a clash must never throw and drop every output.
        context.RegisterSourceOutput(specs.Collect().WithTrackingName(TrackingNames.AllSpecs), static (spc, all) =>
        {
            foreach (var (hintName, spec) in HintNames.Assign(all))
            {
                spc.AddSource(hintName, Emitter.Emit(spec));
            }
        });

        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = results
            .Select(static (r, _) => r.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);

        context.RegisterSourceOutput(diagnostics, static (spc, list) =>
        {
            foreach (var diagnostic in list)
            {
                spc.ReportDiagnostic(diagnostic.ToDiagnostic());
            }
        });

        IncrementalValueProvider<ImmutableArray<EquatableArray<AccessorTypeUse>>> allTypeUses = results
            .Select(static (r, _) => r.TypeUses)
            .WithTrackingName(TrackingNames.TypeUses)
            .Collect()
            .WithTrackingName(TrackingNames.AllTypeUses);

        context.RegisterSourceOutput(allTypeUses, static (spc, uses) =>
        {
            foreach (var diagnostic in FindDuplicateTypes(uses))
            {
                spc.ReportDiagnostic(diagnostic.ToDiagnostic());
            }
        });
    }

    /// <summary>Every accessor whose type an earlier accessor (by file and position) already uses: TC2003.</summary>
    internal static IEnumerable<DiagnosticInfo> FindDuplicateTypes(ImmutableArray<EquatableArray<AccessorTypeUse>> uses)
    {
        var first = new Dictionary<string, AccessorTypeUse>();
        foreach (var use in uses.SelectMany(static u => u).OrderBy(static u => u.SortKey, System.StringComparer.Ordinal))
        {
            if (first.TryGetValue(use.TypeName, out var earlier))
            {
                yield return DiagnosticInfo.Create(
                    DiagnosticDescriptors.DuplicateAccessorType, use.Location, use.DisplayName, Emitter.Unqualified(use.TypeName), earlier.DisplayName);
            }
            else
            {
                first.Add(use.TypeName, use);
            }
        }
    }
}
