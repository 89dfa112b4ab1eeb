using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Update;

namespace Tenancy.EntityFrameworkCore;

/// <summary>
/// The <c>SaveChanges</c> guard of <c>UseTenantIsolation()</c>. Right after EF has detected changes and before anything is
/// sent to the database (<see cref="Check"/>, called by <see cref="TenantStateManager.GetEntriesToSave"/>) it stamps
/// <see cref="ITenantOwned.TenantId"/> on new rows and refuses, with <see cref="CrossTenantWriteException"/>: new rows for
/// another tenant, updates and deletes of rows loaded for another tenant, changes of <c>TenantId</c>, and any tenant-owned
/// change with no tenant scope. Because <c>TenantId</c> is also a concurrency token, an entity attached with a forged
/// tenant id updates or deletes nothing in the database; this interceptor reports that as a cross-tenant write too.
/// </summary>
internal sealed class TenantWriteGuard : ISaveChangesInterceptor
{
    internal static readonly TenantWriteGuard Instance = new();

    public InterceptionResult ThrowingConcurrencyException(ConcurrencyExceptionEventData eventData, InterceptionResult result)
    {
        // Throwing here would be wrapped in a DbUpdateException. Remember the finding and throw it from the context's
        // SaveChangesFailed event, which EF raises once the save has failed and its transaction has been rolled back.
        if (eventData.Context is { } context && DescribeForeignRows(eventData) is { } message)
        {
            context.GetService<TenantQueryState>().PendingRefusal = message;
            context.SaveChangesFailed -= ThrowPendingRefusal;
            context.SaveChangesFailed += ThrowPendingRefusal;
        }

        return result;
    }

    public ValueTask<InterceptionResult> ThrowingConcurrencyExceptionAsync(ConcurrencyExceptionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(ThrowingConcurrencyException(eventData, result));

    private static void ThrowPendingRefusal(object? sender, SaveChangesFailedEventArgs e)
    {
        if (sender is DbContext context)
        {
            context.SaveChangesFailed -= ThrowPendingRefusal;
            if (context.GetService<TenantQueryState>() is { PendingRefusal: { } message } state)
            {
                state.PendingRefusal = null;
                throw new CrossTenantWriteException(message);
            }
        }
    }

    /// <summary>Checks (and stamps) the entries EF is about to save; changes were detected once, by EF.</summary>
    internal static void Check(IList<IUpdateEntry> entries, TenantQueryState state)
    {
        TenantInfo? tenant = null;
        for (int i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (entry.EntityState is EntityState.Unchanged or EntityState.Detached || TenantColumn.Of(entry.EntityType) is not { } column)
            {
                continue;
            }

            if (tenant is null)
            {
                if (!TenantContext.TryGetCurrent(out tenant))
                {
                    throw new CrossTenantWriteException(
                        $"SaveChanges would write {entry.EntityType.DisplayName()} rows (tenant-owned) with no tenant scope active. " +
                        "Enter the owning tenant's scope around the save: using (TenantContext.Enter(\"tenant\")) { ... }. Nothing was written.");
                }
            }

            CheckEntry(entry, column, state.Expected(column, tenant), tenant);
        }

        // Every change names the current tenant; the context must not still hold another tenant's rows either.
        if (tenant is not null)
        {
            state.Resolve("SaveChanges of tenant-owned entities", forWrite: true);
        }
    }

    private static void CheckEntry(IUpdateEntry entry, TenantColumn column, object expected, TenantInfo tenant)
    {
        var name = entry.EntityType.DisplayName();
        var property = (IProperty)column.Property;
        var what = column.IsKey ? $"{property.Name} {TenantColumn.Show(expected)} (tenant '{tenant.Slug}')" : $"tenant '{tenant.Slug}'";
        switch (entry.EntityState)
        {
            case EntityState.Added:
                var named = entry.GetCurrentValue(property);
                if (column.IsUnset(named))
                {
                    entry.ToEntityEntry().Property(property.Name).CurrentValue = expected;
                }
                else if (!Equals(named, expected))
                {
                    throw new CrossTenantWriteException(
                        $"A new {name} names {(column.IsKey ? $"{property.Name} {TenantColumn.Show(named)}" : $"tenant {TenantColumn.Show(named)}")}, but the current scope is {what}. " +
                        $"Leave {property.Name} unset (the guard stamps the current tenant) or save the row inside its own tenant's scope. Nothing was written.");
                }

                break;

            case EntityState.Modified:
            case EntityState.Deleted:
                var original = entry.GetOriginalValue(property);
                var verb = entry.EntityState == EntityState.Deleted ? "delete" : "update";
                if (!Equals(original, expected))
                {
                    throw new CrossTenantWriteException(
                        $"SaveChanges would {verb} a {name} of {(column.IsKey ? $"{property.Name} " : "tenant ")}{TenantColumn.Show(original)} from the scope of {what}. " +
                        $"Rows are written only in their own tenant's scope: enter {TenantColumn.Show(original)} to change it. Nothing was written.");
                }

                if (entry.EntityState == EntityState.Modified && entry.GetCurrentValue(property) is var moved && !Equals(moved, original))
                {
                    throw new CrossTenantWriteException(
                        $"SaveChanges would move a {name} from tenant {TenantColumn.Show(original)} to tenant {TenantColumn.Show(moved)}. A row's {property.Name} never changes: " +
                        "copy the row inside the target tenant's scope and delete the original instead. Nothing was written.");
                }

                break;
        }
    }

    /// <summary>
    /// When an UPDATE or DELETE of tenant-owned rows matched nothing, looks the rows up by key (ignoring the tenant) and
    /// returns a message if one belongs to another tenant. Null (a genuine concurrency conflict) otherwise, or when the
    /// lookup itself is not possible.
    /// </summary>
    private static string? DescribeForeignRows(ConcurrencyExceptionEventData eventData)
    {
        if (eventData.Context is not { } context || !TenantContext.TryGetCurrent(out var current))
        {
            return null;
        }

        try
        {
            foreach (var entry in eventData.Entries)
            {
                if (TenantColumn.Of(entry.Metadata) is { } column && FindOwner(context, entry, column) is { } owner
                    && !Equals(owner, context.GetService<TenantQueryState>().Expected(column, current)))
                {
                    return $"SaveChanges tried to {(entry.State == EntityState.Deleted ? "delete" : "update")} a {entry.Metadata.DisplayName()} that belongs to {(column.IsKey ? $"{column.Property.Name} " : "tenant ")}{TenantColumn.Show(owner)} " +
                           $"from the scope of tenant '{current.Slug}' (the entity was attached with a {column.Property.Name} that is not the row's). " +
                           "The database matched no row and the save was rolled back: nothing was written. Load rows through the context inside their tenant's scope instead of attaching them.";
                }
            }
        }
        catch (DbException)
        {
        }
        catch (InvalidOperationException)
        {
        }

        return null;
    }

    private static object? FindOwner(DbContext context, EntityEntry entry, TenantColumn column)
    {
        var entityType = entry.Metadata;
        var table = entityType.GetTableName();
        var key = entityType.FindPrimaryKey();
        var tenantProperty = (IProperty)column.Property;
        if (table is null || key is null || tenantProperty is null)
        {
            return null;
        }

        var storeObject = StoreObjectIdentifier.Table(table, entityType.GetSchema());
        var sql = context.GetService<ISqlGenerationHelper>();
        var connection = context.Database.GetDbConnection();
        using var command = connection.CreateCommand();
        command.Transaction = context.Database.CurrentTransaction?.GetDbTransaction();
        var conditions = new List<string>(key.Properties.Count);
        for (int i = 0; i < key.Properties.Count; i++)
        {
            var keyProperty = key.Properties[i];
            var name = "tc_key" + i;
            conditions.Add($"{sql.DelimitIdentifier(keyProperty.GetColumnName(storeObject)!)} = {sql.GenerateParameterName(name)}");
            var mapping = (RelationalTypeMapping)keyProperty.GetTypeMapping();
            var value = entry.Property(keyProperty.Name).OriginalValue;
            if (mapping.Converter is { } converter)
            {
                value = converter.ConvertToProvider(value);
            }

            command.Parameters.Add(mapping.CreateParameter(command, sql.GenerateParameterName(name), value));
        }

        command.CommandText =
            $"SELECT {sql.DelimitIdentifier(tenantProperty.GetColumnName(storeObject)!)} FROM {sql.DelimitIdentifier(table, entityType.GetSchema())} WHERE {string.Join(" AND ", conditions)}";
        var wasClosed = connection.State == System.Data.ConnectionState.Closed;
        if (wasClosed)
        {
            connection.Open();
        }

        try
        {
            var value = command.ExecuteScalar();
            if (value is null or DBNull)
            {
                return null;
            }

            var mapping = (RelationalTypeMapping)tenantProperty.GetTypeMapping();
            value = mapping.Converter is { } converter ? converter.ConvertFromProvider(value) : value;
            var type = Nullable.GetUnderlyingType(tenantProperty.ClrType) ?? tenantProperty.ClrType;
            return value is not null && value.GetType() != type ? Convert.ChangeType(value, type, System.Globalization.CultureInfo.InvariantCulture) : value;
        }
        finally
        {
            if (wasClosed)
            {
                connection.Close();
            }
        }
    }
}
