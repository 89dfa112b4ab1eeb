namespace Tenancy;

/// <summary>Options of <c>UseTenantIsolation(o =&gt; ...)</c>.</summary>
public sealed class TenantIsolationOptions
{
    internal Func<TenantInfo, object>? KeyResolver { get; private set; }

    /// <summary>
    /// Where the current tenant's key comes from, for entities whose tenant column is the app's own
    /// (<c>entity.HasTenantKey(e =&gt; e.WebsiteId)</c>): usually the tenant's catalog record, e.g.
    /// <c>o.TenantKey(t =&gt; t.GetRecord&lt;PostgresTenantRecord&gt;()!.Key)</c>. Called once per tenant a context serves,
    /// not per query. <see cref="ITenantOwned"/> entities keep the slug and need no key.
    /// </summary>
    /// <typeparam name="TKey">The key's type (the column's, or convertible to it: <c>long</c> for a <c>bigint</c> column).</typeparam>
    /// <param name="key">Returns the tenant's key; never null.</param>
    /// <returns>These options, for chaining.</returns>
    public TenantIsolationOptions TenantKey<TKey>(Func<TenantInfo, TKey> key)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(key);
        KeyResolver = tenant => key(tenant);
        return this;
    }

    /// <summary>
    /// On PostgreSQL, whether the tables of tenant-owned entities get row-level security when <c>AddDbContext</c> creates
    /// them (and <see cref="TenantRowLevelSecurity"/>'s helpers apply it): the database itself then refuses other tenants'
    /// rows to raw SQL, <c>ExecuteUpdate</c>/<c>ExecuteDelete</c> and <c>IgnoreQueryFilters</c>. True by default; other
    /// providers ignore it.
    /// </summary>
    public bool RowLevelSecurity { get; set; } = true;
}
