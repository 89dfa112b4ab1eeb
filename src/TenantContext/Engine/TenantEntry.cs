namespace Tenancy;

/// <summary>One cached tenant of a configuration: its info and its per-tenant resources.</summary>
internal sealed class TenantEntry
{
    internal const int Live = 0;
    internal const int Retiring = 1;
    internal const int Retired = 2;

    internal readonly TenantConfiguration Configuration;
    internal readonly TenantInfo Tenant;
    internal readonly string Slug;
    internal readonly object?[] Values;

    /// <summary>The value of the tenant tag on metrics: the slug, <see cref="TenantMetrics.OtherTenants"/> past the bound, or null (no tag).</summary>
    internal readonly string? MetricTag;

    /// <summary><see cref="Live"/>, <see cref="Retiring"/> (marked, being checked against live scopes) or <see cref="Retired"/> (resources disposed).</summary>
    internal int Retirement;

    /// <summary>Removed from the cache (forgotten, or its configuration disposed) while scopes used it: retired when the last one ends.</summary>
    internal volatile bool Doomed;

    /// <summary>Never evicted (the default tenant's entry): retired with its configuration.</summary>
    internal bool Permanent;

    internal long LastUsed;

    internal TenantEntry(TenantConfiguration configuration, TenantInfo tenant, string? metricTag)
    {
        Configuration = configuration;
        Tenant = tenant;
        Slug = tenant.Slug;
        MetricTag = metricTag;
        Values = new object?[configuration.SlotCount];
    }

    internal object GetOrCreate(Registration registration)
    {
        lock (this)
        {
            if (Values[registration.Slot] is { } existing)
            {
                return existing;
            }

            if (Retirement == Retired)
            {
                // Only the default tenant's entry is used outside a scope; once its configuration is disposed it creates nothing.
                throw Configuration.Entries.Closed();
            }

            var created = registration.Create(Tenant);
            Volatile.Write(ref Values[registration.Slot], created);
            TenantMetrics.ResourceCreated(MetricTag);
            return created;
        }
    }
}
