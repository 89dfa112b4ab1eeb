using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace Tenancy.EntityFrameworkCore;

/// <summary>
/// One per tenant scope (registered per scope by <c>AddDbContext</c>): the identity of the scope that rented a context.
/// A context serves only the flow whose scope resolves the same ticket.
/// </summary>
internal sealed class TenantScopeTicket;

/// <summary>
/// Binds a pooled context to one tenant's connection and one scope for one rental. When the context goes back to the pool
/// (or is disposed), the lease disposes the tenant connection and detaches it from the context, so a context waiting in the
/// pool reaches no database at all. While rented, every command, save and tracked-row look-up asks
/// <see cref="EnsureServesCurrentFlow"/> first: a context captured by work that outlived its scope refuses to run, even
/// after another tenant has rented the same instance.
/// </summary>
internal sealed class TenantConnectionLease(IRelationalConnection relationalConnection, ICurrentDbContext currentContext) : IResettableService, IDisposable
{
    private DbConnection? _connection;
    private TenantScopeTicket? _ticket;

    /// <summary>The tenant the context is bound to for this rental, or null while it waits in the pool.</summary>
    internal string? Tenant { get; private set; }

    /// <summary>Points the context at <paramref name="connection"/> for <paramref name="tenant"/>, rented in the scope of <paramref name="ticket"/> (null: the default tenant, outside any scope).</summary>
    internal void Bind(DbConnection connection, string tenant, TenantScopeTicket? ticket)
    {
        Release();
        relationalConnection.SetDbConnection(connection, contextOwnsConnection: false);
        _connection = connection;
        _ticket = ticket;
        Tenant = tenant;
    }

    /// <summary>
    /// Throws unless the current flow is inside the scope that rented the context: an <see cref="ObjectDisposedException"/>
    /// when the flow's scope has ended, a <see cref="CrossTenantContextException"/> when it is another scope (or none).
    /// </summary>
    /// <param name="member">What was about to run, for the message.</param>
    internal void EnsureServesCurrentFlow(string member)
    {
        var tenant = Tenant;
        if (tenant is null)
        {
            throw Returned(member); // waiting in the pool: EF refuses most uses as disposed, this covers the rest (DbSet.Local)
        }

        if (TenantContext.TryGetCurrent(out var current) && string.Equals(current.Slug, tenant, StringComparison.Ordinal))
        {
            if (!TenantContext.IsActive)
            {
                if (_ticket is null)
                {
                    return; // rented for the default tenant outside any scope, and used there
                }
            }
            else if (_ticket is null || ReferenceEquals(TenantContext.Get<TenantScopeTicket>(), _ticket))
            {
                return;
            }
        }

        throw Refusal(member, tenant);
    }

    private ObjectDisposedException Returned(string member)
    {
        var name = currentContext.Context.GetType().Name;
        var ended = TenantContext.IsActive ? null : EndedScopeTenant();
        return new ObjectDisposedException(name,
            $"{member} on a {name} was started after {(ended is null ? "its scope" : $"the scope for tenant '{ended}'")} ended, and the context went back to the pool with it. " +
            $"Work that must outlive a scope captures it with TenantContext.Capture(), re-enters it later with snapshot.Enter() and takes its own context there (TenantContext.Get<{name}>()). Nothing was read or written.");
    }

    private Exception Refusal(string member, string tenant)
    {
        var name = currentContext.Context.GetType().Name;
        if (!TenantContext.IsActive && EndedScopeTenant() is { } ended)
        {
            return new ObjectDisposedException(name,
                $"{member} on a {name} was started after the scope for tenant '{ended}' ended: work started inside the scope outlived it, and the context it captured " +
                (string.Equals(ended, tenant, StringComparison.Ordinal) ? "now serves another scope" : $"now serves tenant '{tenant}'") + ". " +
                $"Work that must outlive a scope captures it with TenantContext.Capture(), re-enters it later with snapshot.Enter() and takes its own context there (TenantContext.Get<{name}>()). Nothing was read or written.");
        }

        var where = TenantContext.TryGetCurrent(out var current)
            ? $"in {(TenantContext.IsActive ? "a scope" : "the default tenant")} of tenant '{current.Slug}'"
            : "outside any tenant scope";
        return new CrossTenantContextException(
            $"{member} on a {name} rented by a scope of tenant '{tenant}' was started {where}. A context serves the scope that rented it: " +
            $"take the current scope's own context (TenantContext.Get<{name}>()), and hand work to other flows with TenantContext.Capture() and snapshot.Enter(), not with a context. Nothing was read or written.");
    }

    /// <summary>The tenant of the ended scope the current flow still carries, or null when it carries none.</summary>
    private static string? EndedScopeTenant()
    {
        try
        {
            TenantContext.Capture();
            return null;
        }
        catch (TenantScopeEndedException ended)
        {
            return ended.Tenant;
        }
        catch (TenantScopeRequiredException)
        {
            return null;
        }
    }

    private void Release()
    {
        var connection = _connection;
        _connection = null;
        _ticket = null;
        Tenant = null;
        if (connection is not null)
        {
            try
            {
                relationalConnection.SetDbConnection(null, contextOwnsConnection: false);
            }
            finally
            {
                connection.Dispose();
            }
        }
    }

    public void ResetState() => Release();

    public Task ResetStateAsync(CancellationToken cancellationToken = default)
    {
        Release();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        var connection = _connection;
        _connection = null;
        connection?.Dispose();
    }
}
