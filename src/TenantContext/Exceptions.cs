namespace Tenancy;

/// <summary>A tenant name broke a rule of <see cref="TenantSlug"/>. The message names the rule.</summary>
public sealed class InvalidTenantSlugException : ArgumentException
{
    /// <summary>Creates the exception for <paramref name="slug"/> breaking <paramref name="rule"/>.</summary>
    /// <param name="slug">The refused value (may be null).</param>
    /// <param name="rule">The rule it broke.</param>
    /// <param name="paramName">The parameter that carried it.</param>
    public InvalidTenantSlugException(string? slug, TenantSlugRule rule, string? paramName = "tenant")
        : base($"Invalid tenant slug {MessageText.Quote(slug)}: {TenantSlug.Describe(rule)}.", paramName)
    {
        Slug = slug;
        Rule = rule;
    }

    /// <summary>The refused value.</summary>
    public string? Slug { get; }

    /// <summary>The rule it broke.</summary>
    public TenantSlugRule Rule { get; }
}

/// <summary>
/// Tenant-scoped code ran where no tenant scope is active (and no default tenant is configured).
/// The message names the member and shows the fix.
/// </summary>
public sealed class TenantScopeRequiredException : InvalidOperationException
{
    /// <summary>Creates the exception for a use of <paramref name="member"/> outside a scope.</summary>
    /// <param name="member">The member that needed a tenant, as the user wrote it (e.g. <c>Wiki.Db</c>).</param>
    public TenantScopeRequiredException(string member)
        : base($"{member} needs a current tenant, but no tenant scope is active on this flow. " +
               "Enter one around the call: using (TenantContext.Enter(\"tenant\")) { ... } — or mark the calling member " +
               "[RequiresTenant] and enter the scope in its caller. Work queued to run later must carry " +
               "TenantContext.Capture() and re-enter it with snapshot.Enter(). An app moving from one shared database " +
               "can opt into a fallback with TenantContextBuilder.DefaultTenant(\"main\").")
    {
        Member = member;
    }

    /// <summary>The member that needed a tenant.</summary>
    public string Member { get; }
}

/// <summary>
/// A scope was disposed while a scope entered after it is still current (out-of-order disposal).
/// Nothing was changed: the current scope is still the one that was current before the call.
/// </summary>
public sealed class TenantScopeMismatchException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was disposed and what is current.</param>
    public TenantScopeMismatchException(string message) : base(message)
    {
    }
}

/// <summary>A tenant could not be entered because it is unknown or not available (see <see cref="Reason"/>).</summary>
public class TenantUnavailableException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="slug">The tenant.</param>
    /// <param name="reason">Why it cannot be entered.</param>
    /// <param name="message">A message saying what to do next.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public TenantUnavailableException(string slug, TenantUnavailableReason reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Slug = slug;
        Reason = reason;
    }

    /// <summary>The tenant.</summary>
    public string Slug { get; }

    /// <summary>Why it cannot be entered.</summary>
    public TenantUnavailableReason Reason { get; }
}

/// <summary>Why a tenant cannot be entered.</summary>
public enum TenantUnavailableReason
{
    /// <summary>No such tenant is known (for example, not in the catalog).</summary>
    NotFound,

    /// <summary>The tenant exists but is archived; restore it first.</summary>
    Archived,
}

/// <summary>
/// A write would have touched another tenant's rows, changed a row's tenant, or saved tenant-owned rows with no
/// tenant scope. Nothing was written.
/// </summary>
public sealed class CrossTenantWriteException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Which entity, which tenants, and what to do instead.</param>
    public CrossTenantWriteException(string message) : base(message)
    {
    }
}

/// <summary>A resource was requested that the active configuration does not register.</summary>
public sealed class TenantResourceNotRegisteredException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="serviceType">The requested type.</param>
    /// <param name="hint">How to register it.</param>
    public TenantResourceNotRegisteredException(Type serviceType, string hint)
        : base($"No per-tenant {serviceType.Name} is registered in the active TenantConfiguration. {hint}")
    {
        ServiceType = serviceType;
    }

    /// <summary>The requested type.</summary>
    public Type ServiceType { get; }
}

/// <summary>A tenant (or its file) already exists, so it was not created again.</summary>
public sealed class TenantAlreadyExistsException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="slug">The tenant.</param>
    /// <param name="message">What exists and what to do.</param>
    public TenantAlreadyExistsException(string slug, string message) : base(message)
    {
        Slug = slug;
    }

    /// <summary>The tenant.</summary>
    public string Slug { get; }
}

/// <summary>
/// Tenant-scoped code ran on a flow that still carries a scope that has ended: work started inside the scope (a task, a
/// callback) outlived it. Still an <see cref="ObjectDisposedException"/> (the scope is disposed); <see cref="Tenant"/>
/// names the ended scope's tenant for code that reports it.
/// </summary>
public sealed class TenantScopeEndedException : ObjectDisposedException
{
    /// <summary>Creates the exception for a use of <paramref name="member"/> after the scope of <paramref name="tenant"/> ended.</summary>
    /// <param name="tenant">The slug of the ended scope's tenant.</param>
    /// <param name="member">The member that was used, as the user wrote it (e.g. <c>Wiki.Db</c>).</param>
    public TenantScopeEndedException(string tenant, string member)
        : base(nameof(TenantScope),
            $"{member} was used after the scope for tenant '{tenant}' ended, on a flow that still carries it: work started inside the scope outlived it. " +
            "Work that must outlive a scope captures it with TenantContext.Capture() and re-enters with snapshot.Enter().")
    {
        Tenant = tenant;
        Member = member;
    }

    /// <summary>The slug of the ended scope's tenant.</summary>
    public string Tenant { get; }

    /// <summary>The member that was used after the scope ended.</summary>
    public string Member { get; }
}
