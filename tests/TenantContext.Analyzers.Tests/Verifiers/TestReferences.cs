using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace Tenancy.Analyzers.Tests.Verifiers;

/// <summary>The one place that pins reference assemblies and adds the runtime to test compilations.</summary>
public static class TestReferences
{
    /// <summary>.NET 10 reference assemblies from the pre-downloaded <c>Microsoft.NETCore.App.Ref</c> pack.</summary>
    public static readonly ReferenceAssemblies Net100 = new("net10.0",
        new PackageIdentity("Microsoft.NETCore.App.Ref", "10.0.12"), Path.Combine("ref", "net10.0"));

    /// <summary>The runtime core (<c>TenantContext.dll</c>), referenced the way a consumer references it.</summary>
    public static readonly MetadataReference TenantContextAssembly =
        MetadataReference.CreateFromFile(typeof(Tenancy.TenantContext).Assembly.Location);

    /// <summary>Shared test declarations: a hand-written accessor class (what the generator would emit).</summary>
    public const string Wiki = """
        using Tenancy;

        [TenantAccessors]
        public static class Wiki
        {
            public static ITenantStorage Storage => TenantAccessor.Get<ITenantStorage>("Wiki.Storage");
            public static ITenantDatabase Db => TenantAccessor.Get<ITenantDatabase>("Wiki.Db");
            public static TenantScope Enter(string tenant) => TenantContext.Enter(tenant);
        }
        """;

    /// <summary>A stand-in for EF Core's query extensions: the analyzers match it by metadata name.</summary>
    public const string FakeEntityFramework = """
        namespace Microsoft.EntityFrameworkCore
        {
            public static class EntityFrameworkQueryableExtensions
            {
                public static System.Linq.IQueryable<T> IgnoreQueryFilters<T>(this System.Linq.IQueryable<T> source) where T : class => source;
            }
        }
        """;

    /// <summary>Every analyzer in the analyzer assembly.</summary>
    public static ImmutableArray<Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer> AllAnalyzers() =>
        typeof(DiagnosticIds).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer).IsAssignableFrom(t))
            .Select(t => (Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();
}
