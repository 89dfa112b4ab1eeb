using Tenancy;

namespace WikiFarm;

/// <summary>
/// The current wiki's resources. The generator turns these three declarations into typed accessors that read the
/// current tenant scope (set per request by <c>UseTenantContext</c>), a typed <c>Wiki.Enter</c> for tests and a typed
/// <c>Wiki.Register</c>. The analyzers check that every use sits inside a scope.
/// </summary>
[TenantAccessors]
public static partial class Wiki
{
    /// <summary>The wiki's own database (EF Core, <see cref="WikiDbContext"/>): preferences, drafts, users, render cache.</summary>
    public static partial WikiDatabase Db { get; }

    /// <summary>The wiki's pages: a git repository, one commit per save.</summary>
    public static partial PageStore Storage { get; }

    /// <summary>Markdown → sanitized HTML with this wiki's preferences (site name, allowed tags).</summary>
    public static partial WikiRenderer Renderer { get; }
}
