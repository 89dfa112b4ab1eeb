namespace Tenancy.Npgsql;

/// <summary>
/// The PostgreSQL settings (custom configuration parameters) that carry the current tenant on a connection of a
/// <see cref="PostgresIsolation.Rows"/> tenant. Every connection handed out for such a tenant has both set, with
/// <c>set_config(name, value, false)</c>, before the caller sees it; Npgsql's pool resets them when the connection is
/// returned, so a connection rented by another tenant or outside any scope never carries a previous tenant's values.
/// Row-level security policies read them:
/// <code>
/// CREATE POLICY tenant_rows ON pages
///     USING (website_id = current_setting('tenancy.tenant_key')::bigint);
/// </code>
/// <c>current_setting(name)</c> raises an error when the setting is absent (fail closed); <c>current_setting(name, true)</c>
/// returns null instead, which matches no row.
/// </summary>
public static class PostgresTenantSettings
{
    /// <summary>The tenant's slug: <c>current_setting('tenancy.tenant')</c>.</summary>
    public const string Tenant = "tenancy.tenant";

    /// <summary>
    /// The tenant's numeric catalog key (<see cref="PostgresTenantRecord.Key"/>, a <c>bigint</c>) as text:
    /// <c>current_setting('tenancy.tenant_key')::bigint</c>. Apps use it as their own tenant column (<c>website_id</c>).
    /// </summary>
    public const string TenantKey = "tenancy.tenant_key";
}
