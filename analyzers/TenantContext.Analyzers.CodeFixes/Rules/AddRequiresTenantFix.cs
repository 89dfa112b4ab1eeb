using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace Tenancy.Analyzers.CodeFixes;

/// <summary>TC1001: marks the enclosing member <c>[RequiresTenant]</c>, moving the obligation to its callers.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddRequiresTenantFix))]
[Shared]
public sealed class AddRequiresTenantFix() : AddAttributeFix(DiagnosticIds.RequiresTenant, "RequiresTenant");
