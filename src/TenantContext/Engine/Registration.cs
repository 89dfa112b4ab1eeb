namespace Tenancy;

/// <summary>A factory registered for a service type, with its slot and lifetime.</summary>
internal sealed class Registration(Type serviceType, int slot, Func<TenantInfo, object> factory, TenantLifetime lifetime)
{
    public Type ServiceType { get; } = serviceType;

    public int Slot { get; } = slot;

    public TenantLifetime Lifetime { get; } = lifetime;

    public object Create(TenantInfo tenant)
    {
        return factory(tenant) ?? throw new InvalidOperationException(
            $"The factory registered for {ServiceType.Name} returned null for tenant '{tenant.Slug}'. A factory must return an instance or throw.");
    }
}
