namespace Tenancy;

/// <summary>The tenant a scope serves: its slug and, when a catalog is configured, the catalog's record.</summary>
public sealed class TenantInfo : IEquatable<TenantInfo>
{
    /// <summary>Creates tenant information.</summary>
    /// <param name="slug">The tenant's slug; validated by <see cref="TenantSlug"/>.</param>
    /// <param name="record">The catalog's record for the tenant, if any.</param>
    /// <exception cref="InvalidTenantSlugException"><paramref name="slug"/> is not a valid slug.</exception>
    public TenantInfo(string slug, object? record = null)
    {
        Slug = TenantSlug.Validate(slug, nameof(slug));
        Record = record;
    }

    /// <summary>The tenant's slug: a valid file, directory and schema name.</summary>
    public string Slug { get; }

    /// <summary>The catalog's record for this tenant (for example the SQLite catalog's entry), or null.</summary>
    public object? Record { get; }

    /// <summary>Returns <see cref="Record"/> as <typeparamref name="T"/>, or null.</summary>
    /// <typeparam name="T">The record type.</typeparam>
    public T? GetRecord<T>() where T : class => Record as T;

    /// <inheritdoc />
    public bool Equals(TenantInfo? other) => other is not null && string.Equals(Slug, other.Slug, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as TenantInfo);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Slug);

    /// <summary>Returns the slug.</summary>
    public override string ToString() => Slug;
}

/// <summary>How long a per-tenant resource lives.</summary>
public enum TenantLifetime
{
    /// <summary>
    /// Created once per tenant on first use, cached, and disposed when the tenant is evicted from the bounded cache
    /// (never while a live scope uses it) or when the configuration is disposed.
    /// </summary>
    PerTenant = 0,

    /// <summary>Created on first use inside the outermost scope of that tenant, and disposed when that scope ends.</summary>
    PerScope = 1,

    /// <summary>Created on every request; the caller owns it.</summary>
    Transient = 2,
}
