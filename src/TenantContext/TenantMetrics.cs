using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Tenancy;

/// <summary>
/// Per-tenant counters (<see cref="MeterName"/>) and the tenant tag on the current <see cref="Activity"/>.
/// </summary>
/// <remarks>
/// Counters carry the tenant in <see cref="TenantTag"/> for the first tenants of a configuration, up to the bound set
/// with <see cref="TenantContextBuilder.MetricTenantTags"/> (100 by default); later tenants share the value
/// <see cref="OtherTenants"/>, so a farm of thousands of tenants cannot explode a metrics backend. A bound of 0 drops the
/// tag. Nothing is measured while nobody listens. On <c>Enter</c>, a current <see cref="Activity"/> is labelled with
/// the tenant: a span keeps the tenant of the outermost scope entered under it, and a scope of another tenant nested
/// inside relabels it while current and restores the label when it ends.
/// </remarks>
public static class TenantMetrics
{
    /// <summary>The name of the <see cref="Meter"/>: listen to it with <c>dotnet-counters</c> or OpenTelemetry.</summary>
    public const string MeterName = "TenantContext";

    /// <summary>The tag (on counters and on the current <see cref="Activity"/>) that carries the tenant slug.</summary>
    public const string TenantTag = "tenant.id";

    /// <summary>The value of <see cref="TenantTag"/> on counters for tenants past the configuration's bound (never a valid slug).</summary>
    public const string OtherTenants = "_other";

    private static readonly Meter s_meter = new(MeterName);
    private static readonly Counter<long> s_scopesEntered = s_meter.CreateCounter<long>("tenantcontext.scopes.entered", "{scope}", "Tenant scopes entered.");
    private static readonly Counter<long> s_resourcesCreated = s_meter.CreateCounter<long>("tenantcontext.resources.created", "{resource}", "Per-tenant resources created.");
    private static readonly Counter<long> s_resourcesEvicted = s_meter.CreateCounter<long>("tenantcontext.resources.evicted", "{resource}", "Per-tenant resources disposed on eviction from the bounded cache.");

    internal static void ScopeEntered(string? tag)
    {
        if (s_scopesEntered.Enabled)
        {
            Add(s_scopesEntered, tag);
        }
    }

    internal static void ResourceCreated(string? tag)
    {
        if (s_resourcesCreated.Enabled)
        {
            Add(s_resourcesCreated, tag);
        }
    }

    internal static void ResourceEvicted(string? tag)
    {
        if (s_resourcesEvicted.Enabled)
        {
            Add(s_resourcesEvicted, tag);
        }
    }

    private static void Add(Counter<long> counter, string? tag)
    {
        if (tag is null)
        {
            counter.Add(1);
        }
        else
        {
            counter.Add(1, new KeyValuePair<string, object?>(TenantTag, tag));
        }
    }
}
