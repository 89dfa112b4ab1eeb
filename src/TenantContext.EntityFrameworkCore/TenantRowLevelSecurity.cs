using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Tenancy.EntityFrameworkCore;

namespace Tenancy;

/// <summary>
/// Row-level security for tenant-owned tables on PostgreSQL: the database itself shows and accepts only the rows of the
/// tenant the connection carries, so raw SQL, <c>ExecuteUpdate</c>/<c>ExecuteDelete</c>, <c>IgnoreQueryFilters</c> and
/// hand-written SQL cannot cross tenants either. Each tenant-owned table gets
/// <c>ENABLE</c> and <c>FORCE ROW LEVEL SECURITY</c> (the owner is bound too) and the policy <see cref="PolicyName"/>:
/// its tenant column equals <c>current_setting('tenancy.tenant', true)</c> (the slug, for <see cref="ITenantOwned"/>) or
/// <c>current_setting('tenancy.tenant_key', true)</c> cast to the column's type (a tenant column of the app's own). A
/// connection that carries no tenant sees no row and may write none. Superusers and roles with <c>BYPASSRLS</c> are not
/// bound by any policy: connect the app as a role without them.
/// </summary>
/// <remarks>
/// The tenant is carried by the connection: the Npgsql package's <c>Rows</c> placement sets both settings on every
/// connection it hands out; any other source of connections must do the same
/// (<c>set_config('tenancy.tenant', slug, false)</c>, or <c>Options=-c tenancy.tenant=slug</c> in a tenant's connection string).
/// </remarks>
public static class TenantRowLevelSecurity
{
    /// <summary>The setting that carries the tenant's slug (<c>current_setting('tenancy.tenant', true)</c>).</summary>
    public const string TenantSetting = "tenancy.tenant";

    /// <summary>The setting that carries the tenant's key, as text (<c>current_setting('tenancy.tenant_key', true)</c>).</summary>
    public const string TenantKeySetting = "tenancy.tenant_key";

    /// <summary>The name of the policy put on each tenant-owned table.</summary>
    public const string PolicyName = "tenant_isolation";

    private const string NpgsqlProvider = "Npgsql.EntityFrameworkCore.PostgreSQL";

    /// <summary>
    /// Enables row-level security on every tenant-owned table of the context's model (idempotent: the policy is replaced).
    /// Run it with a role that owns the tables (a migration, a deployment step), not the app's.
    /// </summary>
    /// <param name="database">The context's database facade.</param>
    /// <returns>The tables now protected.</returns>
    /// <exception cref="NotSupportedException">The provider is not PostgreSQL.</exception>
    public static IReadOnlyList<string> EnsureTenantRowLevelSecurity(this DatabaseFacade database)
    {
        ArgumentNullException.ThrowIfNull(database);
        if (!string.Equals(database.ProviderName, NpgsqlProvider, StringComparison.Ordinal))
        {
            throw new NotSupportedException(
                $"Row-level security policies are written for PostgreSQL, and this context uses {database.ProviderName}. On other databases the query filter and the SaveChanges guard of UseTenantIsolation() are the isolation.");
        }

        var model = database.GetService<ICurrentDbContext>().Context.Model;
        var tables = new List<string>();
        var script = new StringBuilder();
        foreach (var (table, schema, column, storeType, isKey) in TenantTables(model))
        {
            script.Append(Script(table, column, schema, isKey ? storeType : null));
            tables.Add(schema is null ? table : $"{schema}.{table}");
        }

        if (script.Length > 0)
        {
            database.ExecuteSqlRaw(script.ToString());
        }

        return tables;
    }

    /// <summary>
    /// Enables row-level security on one tenant-owned table in a migration (PostgreSQL): <c>ENABLE</c>,
    /// <c>FORCE ROW LEVEL SECURITY</c> and the policy <see cref="PolicyName"/> on <paramref name="tenantColumn"/>.
    /// </summary>
    /// <param name="migrationBuilder">The migration's builder.</param>
    /// <param name="table">The table.</param>
    /// <param name="tenantColumn">The tenant column: <c>TenantId</c> (the slug) or the app's own (<c>website_id</c>).</param>
    /// <param name="schema">The table's schema, or null for the connection's search path.</param>
    /// <param name="keyType">Null when the column holds the slug; the column's type (<c>bigint</c>, <c>uuid</c>) when it holds the tenant's key.</param>
    /// <returns>The operation, to configure further.</returns>
    public static Microsoft.EntityFrameworkCore.Migrations.Operations.Builders.OperationBuilder<Microsoft.EntityFrameworkCore.Migrations.Operations.SqlOperation> AddTenantRowLevelSecurity(
        this MigrationBuilder migrationBuilder, string table, string tenantColumn, string? schema = null, string? keyType = null)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        return migrationBuilder.Sql(Script(table, tenantColumn, schema, keyType));
    }

    /// <summary>The SQL that protects one table (see <see cref="AddTenantRowLevelSecurity"/>).</summary>
    /// <param name="table">The table.</param>
    /// <param name="tenantColumn">The tenant column.</param>
    /// <param name="schema">The table's schema, or null.</param>
    /// <param name="keyType">Null for a slug column; the column's type for a key column.</param>
    public static string Script(string table, string tenantColumn, string? schema = null, string? keyType = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(table);
        ArgumentException.ThrowIfNullOrEmpty(tenantColumn);
        if (keyType is not null && !keyType.All(c => char.IsAsciiLetterOrDigit(c) || c is ' ' or '_' or '(' or ')' or ','))
        {
            throw new ArgumentException($"'{keyType}' is not a column type.", nameof(keyType));
        }

        var name = schema is null ? Quote(table) : $"{Quote(schema)}.{Quote(table)}";
        var current = keyType is null
            ? $"NULLIF(current_setting('{TenantSetting}', true), '')"
            : $"NULLIF(current_setting('{TenantKeySetting}', true), '')::{keyType}";
        return $"""
            ALTER TABLE {name} ENABLE ROW LEVEL SECURITY;
            ALTER TABLE {name} FORCE ROW LEVEL SECURITY;
            DROP POLICY IF EXISTS {PolicyName} ON {name};
            CREATE POLICY {PolicyName} ON {name} USING ({Quote(tenantColumn)} = {current}) WITH CHECK ({Quote(tenantColumn)} = {current});

            """;
    }

    internal static bool Applies(DbContext context)
        => string.Equals(context.Database.ProviderName, NpgsqlProvider, StringComparison.Ordinal)
           && context.GetService<IDbContextOptions>().FindExtension<TenantIsolationOptionsExtension>() is { Options.RowLevelSecurity: true };

    private static IEnumerable<(string Table, string? Schema, string Column, string StoreType, bool IsKey)> TenantTables(IModel model)
    {
        foreach (var entityType in model.GetEntityTypes())
        {
            if (entityType.BaseType is not null || TenantColumn.Of(entityType) is not { } column || entityType.GetTableName() is not { } table)
            {
                continue;
            }

            var store = StoreObjectIdentifier.Table(table, entityType.GetSchema());
            var property = (IProperty)column.Property;
            yield return (table, entityType.GetSchema(), property.GetColumnName(store)!, property.GetColumnType(store), column.IsKey);
        }
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
