using Microsoft.CodeAnalysis;

namespace Tenancy.Analyzers;

/// <summary>Every diagnostic the TenantContext analyzers report, with its id, category and help link.</summary>
public static class DiagnosticDescriptors
{
    private const string Category = "TenantContext";

    private static DiagnosticDescriptor Create(string id, string title, string message, string description, params string[] tags) =>
        new(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, description, HelpLinks.For(id), tags);

    /// <summary>TC1001.</summary>
    public static readonly DiagnosticDescriptor RequiresTenant = Create(
        DiagnosticIds.RequiresTenant,
        "Tenant-scoped member used outside a tenant scope",
        "'{0}' needs a tenant scope: {1}",
        "Tenant-scoped members (tenant accessors, TenantContext.GetDb/GetStorage/GetRenderer/Get<T>/Current/Capture, members marked [RequiresTenant], and DbSet<T> of tenant-owned entities) throw outside a tenant scope, or silently use the default tenant.");

    /// <summary>TC1002.</summary>
    public static readonly DiagnosticDescriptor TenantSingletonUse = Create(
        DiagnosticIds.TenantSingletonUse,
        "Process-wide singleton used instead of its tenant accessor",
        "'{0}' is a process-wide singleton that bypasses the tenant context; use {1} instead",
        "A singleton marked [TenantSingleton] or listed in TenantSingletons.txt serves every tenant from one instance: use the tenant accessor so each tenant gets its own.");

    /// <summary>TC1003.</summary>
    public static readonly DiagnosticDescriptor ScopeNotDisposed = Create(
        DiagnosticIds.ScopeNotDisposed,
        "Tenant scope is not disposed",
        "{0}",
        "The scope returned by Enter must be disposed where it was entered (a using statement or declaration). A scope entered inside an async method and not disposed there never reaches the caller: AsyncLocal changes flow down, never up.");

    /// <summary>TC1004.</summary>
    public static readonly DiagnosticDescriptor ContextDoesNotFlow = Create(
        DiagnosticIds.ContextDoesNotFlow,
        "Tenant-scoped code where the execution context does not flow",
        "'{0}' runs in a callback of '{1}', where the execution context (and with it the tenant scope) does not flow; capture a TenantSnapshot and enter it in the callback",
        "ThreadPool.UnsafeQueueUserWorkItem, UnsafeRegister and work started under ExecutionContext.SuppressFlow() do not carry the ExecutionContext, so the tenant scope is missing when the callback runs.");

    /// <summary>TC1005.</summary>
    public static readonly DiagnosticDescriptor ResourceEscapesScope = Create(
        DiagnosticIds.ResourceEscapesScope,
        "Tenant resource stored where it outlives its scope",
        "{0} belongs to the current tenant but is stored in static '{1}', which outlives the scope; read it through the tenant accessor where it is needed",
        "A tenant's database, storage, renderer or service stored in a static field or property (or captured by a lambda stored there) is served to every later tenant.");

    /// <summary>TC1006.</summary>
    public static readonly DiagnosticDescriptor IgnoreQueryFilters = Create(
        DiagnosticIds.IgnoreQueryFilters,
        "IgnoreQueryFilters on a tenant-owned entity",
        "IgnoreQueryFilters() on '{0}' (ITenantOwned) removes the tenant filter and reads every tenant's rows; {1}",
        "IgnoreQueryFilters removes the row-level tenant filter. Only members marked [CrossTenant] (reports, migrations) may read across tenants.");

    /// <summary>TC1007.</summary>
    public static readonly DiagnosticDescriptor RequiresTenantMismatch = Create(
        DiagnosticIds.RequiresTenantMismatch,
        "[RequiresTenant] disagrees between a member and its base",
        "{0}",
        "Calls made through a base or interface member are checked against that member's attributes, and direct calls against the member's own: an override, implementation or derived type must agree with its base. [RequiresTenant] on a static constructor is refused: the runtime runs it with no scope.");

    /// <summary>TC1008.</summary>
    public static readonly DiagnosticDescriptor UnknownReplacement = Create(
        DiagnosticIds.UnknownReplacement,
        "Singleton replacement cannot stand in for the singleton",
        "The replacement '{0}' for singleton '{1}' cannot be used: {2}",
        "The replacement of a [TenantSingleton] (its Use property) or of a TenantSingletons.txt entry is what the TC1002 message and code fix suggest, so it must name a real member.");

    /// <summary>TC1009.</summary>
    public static readonly DiagnosticDescriptor UnknownSingletonEntry = Create(
        DiagnosticIds.UnknownSingletonEntry,
        "TenantSingletons.txt entry matches no symbol",
        "'{0}' matches no field, property, method or event in this compilation; write a documentation comment id such as 'F:Legacy.Globals.Storage' or 'P:Legacy.Globals.Db'",
        "Each line of TenantSingletons.txt is a documentation comment id with an optional ';replacement'. A line that matches nothing protects nothing.");

    /// <summary>TC1010.</summary>
    public static readonly DiagnosticDescriptor WorkOutlivesScope = Create(
        DiagnosticIds.WorkOutlivesScope,
        "Fire-and-forget work reads the tenant after its scope may have ended",
        "'{0}' runs in {1}, which can outlive the tenant scope it was started in (the tenant's resources are then disposed and it throws ObjectDisposedException); take 'var snapshot = TenantContext.Capture();' before starting the work and read the tenant inside 'using (snapshot.Enter())', or await the work",
        "Work started inside a tenant scope and not awaited (Task.Run, TaskFactory.StartNew, ThreadPool.QueueUserWorkItem, a Timer or Thread callback, an un-awaited tenant-scoped async call) carries the scope but runs after it may have ended. Capture a TenantSnapshot and enter it in the work.");
}
