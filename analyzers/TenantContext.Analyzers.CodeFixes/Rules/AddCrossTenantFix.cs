using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace Tenancy.Analyzers.CodeFixes;

/// <summary>TC1006: marks the enclosing member <c>[CrossTenant]</c>, stating that it reads across tenants on purpose.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddCrossTenantFix))]
[Shared]
public sealed class AddCrossTenantFix() : AddAttributeFix(DiagnosticIds.IgnoreQueryFilters, "CrossTenant");
