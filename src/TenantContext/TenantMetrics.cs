using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Tenancy;

/// <summary>
/// Per-tenant counters (<see cref="MeterName"/>) and the <see cref="Activity"/> tag set on entering a scope.
/// </summary>
public static class TenantMetrics
{
    /// <summary>The name of the <see cref="Meter"/>: listen to it with <c>dotnet-counters</c> or OpenTelemetry.</summary>
    public const string MeterName = "TenantContext";

    /// <summary>The tag (on counters and on the current <see cref="Activity"/>) that carries the tenant slug.</summary>
    public const string TenantTag = "tenant.id";

    private static readonly Meter s_meter = new(MeterName);
    private static readonly Counter<long> s_scopesEntered = s_meter.CreateCounter<long>("tenantcontext.scopes.entered", "{scope}", "Tenant scopes entered.");
    private static readonly Counter<long> s_resourcesCreated = s_meter.CreateCounter<long>("tenantcontext.resources.created", "{resource}", "Per-tenant resources created.");
    private static readonly Counter<long> s_resourcesEvicted = s_meter.CreateCounter<long>("tenantcontext.resources.evicted", "{resource}", "Per-tenant resources disposed on eviction from the bounded cache.");

    internal static void ScopeEntered(string slug)
    {
        if (s_scopesEntered.Enabled)
        {
            s_scopesEntered.Add(1, new KeyValuePair<string, object?>(TenantTag, slug));
        }

        Activity.Current?.SetTag(TenantTag, slug);
    }

    internal static void ResourceCreated(string slug)
    {
        if (s_resourcesCreated.Enabled)
        {
            s_resourcesCreated.Add(1, new KeyValuePair<string, object?>(TenantTag, slug));
        }
    }

    internal static void ResourceEvicted(string slug)
    {
        if (s_resourcesEvicted.Enabled)
        {
            s_resourcesEvicted.Add(1, new KeyValuePair<string, object?>(TenantTag, slug));
        }
    }
}
