namespace Tenancy;

/// <summary>
/// The member (or every member of the type) runs only inside a tenant scope. Like
/// <c>[RequiresUnreferencedCode]</c>, it moves the obligation to the callers: the analyzers report calls from
/// outside a scope (TC1001), and code inside the member may use tenant-scoped APIs freely.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.Constructor | AttributeTargets.Class |
                AttributeTargets.Struct | AttributeTargets.Interface | AttributeTargets.Event, Inherited = false)]
public sealed class RequiresTenantAttribute : Attribute
{
    /// <summary>Why a tenant is required (shown in the diagnostic), optional.</summary>
    public string? Message { get; set; }
}

/// <summary>
/// The member reads across tenants on purpose (reports, migrations, administration). The analyzers then allow
/// <c>IgnoreQueryFilters()</c> on tenant-owned entities inside it (TC1006).
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.Constructor | AttributeTargets.Class |
                AttributeTargets.Struct, Inherited = false)]
public sealed class CrossTenantAttribute : Attribute
{
    /// <summary>Why the member reads across tenants, optional.</summary>
    public string? Justification { get; set; }
}

/// <summary>
/// The field or property holds a process-wide instance that bypasses the tenant context (a global store, a shared
/// connection). Direct uses are reported (TC1002) with <see cref="Use"/> as the replacement.
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = false)]
public sealed class TenantSingletonAttribute : Attribute
{
    /// <summary>
    /// The tenant accessor to use instead, resolved like a <c>cref</c> from the singleton's namespace
    /// (e.g. <c>"Wiki.Storage"</c>); a fully qualified name always works.
    /// </summary>
    public string? Use { get; set; }
}

/// <summary>
/// Marks a <c>static partial class</c> whose <c>static partial</c> get-only properties the source generator turns
/// into typed, allocation-free tenant accessors, plus a typed <c>Enter</c> for test injection and a typed
/// <c>Register</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class TenantAccessorsAttribute : Attribute
{
}
