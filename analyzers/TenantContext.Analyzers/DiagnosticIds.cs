namespace Tenancy.Analyzers;

/// <summary>The ids of the TenantContext analyzers, named for what they mean.</summary>
public static class DiagnosticIds
{
    /// <summary>A tenant-scoped member used outside a tenant scope.</summary>
    public const string RequiresTenant = "TC1001";

    /// <summary>A process-wide singleton used directly instead of its tenant accessor.</summary>
    public const string TenantSingletonUse = "TC1002";

    /// <summary>A tenant scope that is not disposed, or is left for the caller of an async method.</summary>
    public const string ScopeNotDisposed = "TC1003";

    /// <summary>Tenant-scoped code where the execution context does not flow.</summary>
    public const string ContextDoesNotFlow = "TC1004";

    /// <summary>A tenant resource stored where it outlives its scope.</summary>
    public const string ResourceEscapesScope = "TC1005";

    /// <summary><c>IgnoreQueryFilters()</c> on a tenant-owned entity outside a <c>[CrossTenant]</c> member.</summary>
    public const string IgnoreQueryFilters = "TC1006";

    /// <summary>An override or implementation marked <c>[RequiresTenant]</c> whose base member is not.</summary>
    public const string RequiresTenantMismatch = "TC1007";

    /// <summary>A singleton replacement that names no accessible member.</summary>
    public const string UnknownReplacement = "TC1008";

    /// <summary>A <c>TenantSingletons.txt</c> line that matches no symbol.</summary>
    public const string UnknownSingletonEntry = "TC1009";

    /// <summary>Fire-and-forget work started inside a tenant scope that reads tenant-scoped members after the scope may have ended.</summary>
    public const string WorkOutlivesScope = "TC1010";
}
