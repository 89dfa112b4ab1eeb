using System.Data.Common;
using System.Diagnostics;
using Npgsql;

namespace Tenancy.Npgsql;

/// <summary>
/// One tenant's PostgreSQL data: what <c>TenantContext.GetDb()</c> returns under <c>UsePostgres</c>. Every connection is
/// routed to the tenant's placement (its schema, its database, or the shard's shared rows with the tenant set on the
/// connection). The placement comes from the catalog and is re-read when it is older than
/// <see cref="PostgresTenantOptions.CatalogStaleness"/> (or this process changed the catalog), so an archive or delete by
/// any process stops new connections to the old placement within that bound.
/// </summary>
/// <remarks>
/// <b>Following a move (epoch check).</b> A move first marks the tenant as moving in the catalog, then waits at least
/// <see cref="PostgresTenantOptions.CatalogStaleness"/> before its write fence and switch. A router that reads a moving
/// record keeps no cache for it: it reads the catalog on every open until it sees the switched placement (a higher epoch),
/// then routes there and closes the pool of the old placement. So within one staleness window of the mark every process
/// reads the catalog per open, and every connection opened after the switch (the catalog's commit) goes to the new
/// placement. All processes must use the same <see cref="PostgresTenantOptions.CatalogStaleness"/> (or the mover the
/// longest). While the tenant is moving, each connection is a server session of its own holding the tenant's move lease
/// (<see cref="PostgresMoveLease"/>): the move's fence waits for every open connection to close, and an open during the
/// fence waits for it (at most the connection's command timeout), then follows the switch. A write at the switch waits;
/// it neither fails nor lands in the old place. A connection held open across the whole fence delays the move instead,
/// which gives up after <see cref="TenantMoveOptions.FenceLockTimeout"/> and rolls back.
/// </remarks>
public sealed class PostgresTenantDatabase : ITenantDatabase
{
    private readonly PostgresTenantDatabases _router;
    private readonly bool _isPublic;
    private PostgresPlacement? _placement;
    private volatile bool _moving;
    private long _readAt;
    private long _readAtChanges;

    internal PostgresTenantDatabase(PostgresTenantDatabases router, string slug, PostgresTenantRecord? record)
    {
        _router = router;
        Slug = slug;
        _isPublic = string.Equals(slug, router.Options.PublicSchemaTenant, StringComparison.Ordinal);
        if (_isPublic)
        {
            _placement = router.PublicPlacement(slug);
        }
        else if (record is not null && record.State == TenantState.Active)
        {
            Remember(record, Stopwatch.GetTimestamp(), router.CatalogChanges); // read by the resolver a moment ago
        }
    }

    /// <summary>The tenant's slug.</summary>
    public string Slug { get; }

    /// <summary>Opens a connection routed to the tenant (migrating its placement on first use in this process).</summary>
    /// <returns>An open connection; dispose it to return it to the pool.</returns>
    /// <exception cref="TenantUnavailableException">The tenant is not catalogued, or archived.</exception>
    /// <exception cref="PostgresRoutingException">The server did not route the connection where it must go (fail closed).</exception>
    /// <exception cref="PostgresTenantVersionException">The tenant is newer than the code.</exception>
    /// <exception cref="PostgresTenantMigrationException">A migration step failed.</exception>
    /// <exception cref="PostgresConnectionBudgetException">The shard's connection budget stayed spent for the connection timeout.</exception>
    public NpgsqlConnection OpenConnection()
    {
        var open = OpenCoreAsync(async: false, CancellationToken.None); // completes synchronously: no async I/O on this path
        return open.IsCompleted ? open.Result : open.AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Opens a connection routed to the tenant (migrating its placement on first use in this process).</summary>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>An open connection; dispose it to return it to the pool.</returns>
    public ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) => OpenCoreAsync(async: true, cancellationToken);

    DbConnection ITenantDatabase.OpenConnection() => OpenConnection();

    async ValueTask<DbConnection> ITenantDatabase.OpenConnectionAsync(CancellationToken cancellationToken)
        => await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>The placement now in use (re-read from the catalog when stale).</summary>
    /// <param name="cancellationToken">Cancels the catalog read.</param>
    public async ValueTask<PostgresTenantRecord> GetRecordAsync(CancellationToken cancellationToken = default)
    {
        await PlacementAsync(async: true, cancellationToken).ConfigureAwait(false);
        return await _router.Catalog.GetAsync(Slug, cancellationToken).ConfigureAwait(false)
            ?? throw NotFound();
    }

    private async ValueTask<NpgsqlConnection> OpenCoreAsync(bool async, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var placement = await PlacementAsync(async, cancellationToken).ConfigureAwait(false);
            if (!placement.Moving)
            {
                NpgsqlConnection opened;
                try
                {
                    opened = await _router.OpenAsync(placement, setTenant: true, migrate: true, async, cancellationToken).ConfigureAwait(false);
                }
                catch (PostgresRoutingException) when (attempt < 3)
                {
                    if (await StillAtAsync(placement, unmarked: false, async, cancellationToken).ConfigureAwait(false))
                    {
                        throw;
                    }

                    continue; // the old place is gone because the tenant moved since this router last read the catalog: open on the new one
                }

                // The open waited (the shard's budget, a slow server) past what the placement was good for: a move may have
                // marked the tenant meanwhile, and a connection without a lease must not meet its fence and switch.
                if (attempt == 3 || !Outlived(placement) || await StillAtAsync(placement, unmarked: true, async, cancellationToken).ConfigureAwait(false))
                {
                    return opened;
                }

                await CloseAsync(opened, async).ConfigureAwait(false);
                continue;
            }

            // A moving tenant: the connection holds a lease that the move's fence waits for (and that waits for the fence);
            // once held, the catalog is read again, and a switch made meanwhile means this connection is closed and the
            // next one opened on the new placement. An open that finds the old place gone does the same.
            NpgsqlConnection? connection = null;
            try
            {
                connection = await _router.OpenAsync(placement, setTenant: true, migrate: true, async, cancellationToken).ConfigureAwait(false);
                await PostgresMoveLease.HoldAsync(connection, placement, async, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or PostgresRoutingException && attempt < 3)
            {
                await CloseAsync(connection, async).ConfigureAwait(false);
                if (await StillAtAsync(placement, unmarked: false, async, cancellationToken).ConfigureAwait(false))
                {
                    throw;
                }

                continue;
            }
            catch
            {
                await CloseAsync(connection, async).ConfigureAwait(false);
                throw;
            }

            if (await StillAtAsync(placement, unmarked: false, async, cancellationToken).ConfigureAwait(false) || attempt == 3)
            {
                return connection;
            }

            await CloseAsync(connection, async).ConfigureAwait(false);
        }
    }

    /// <summary>Whether <paramref name="placement"/> is no longer what this object would route to without reading the catalog.</summary>
    private bool Outlived(PostgresPlacement placement) =>
        !ReferenceEquals(Volatile.Read(ref _placement), placement)
        || Volatile.Read(ref _readAtChanges) != _router.CatalogChanges
        || Stopwatch.GetElapsedTime(Volatile.Read(ref _readAt)) > _router.Options.CatalogStaleness;

    /// <summary>
    /// Reads the catalog now: whether the tenant is still at <paramref name="placement"/> (same key and epoch) and, with
    /// <paramref name="unmarked"/>, not marked as moving either. When not, the new record is remembered.
    /// </summary>
    private async ValueTask<bool> StillAtAsync(PostgresPlacement placement, bool unmarked, bool async, CancellationToken cancellationToken)
    {
        var (readStarted, changes) = (Stopwatch.GetTimestamp(), _router.CatalogChanges);
        var record = await _router.Catalog.ReadAsync(Slug, async, cancellationToken).ConfigureAwait(false);
        if (record is not null && record.State == TenantState.Active && record.Key == placement.Key && record.Epoch == placement.Epoch && !(unmarked && record.IsMoving))
        {
            return true;
        }

        if (record is not null && record.State == TenantState.Active)
        {
            Remember(record, readStarted, changes);
        }

        return false;
    }

    private static async ValueTask CloseAsync(NpgsqlConnection? connection, bool async)
    {
        if (connection is null)
        {
            return;
        }

        if (async)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            connection.Dispose();
        }
    }

    private async ValueTask<PostgresPlacement> PlacementAsync(bool async, CancellationToken cancellationToken)
    {
        var placement = Volatile.Read(ref _placement);
        if (_isPublic)
        {
            return placement!;
        }

        if (placement is not null
            && !_moving
            && Volatile.Read(ref _readAtChanges) == _router.CatalogChanges
            && Stopwatch.GetElapsedTime(Volatile.Read(ref _readAt)) <= _router.Options.CatalogStaleness)
        {
            return placement;
        }

        var (readStarted, changes) = (Stopwatch.GetTimestamp(), _router.CatalogChanges);
        var record = await _router.Catalog.ReadAsync(Slug, async, cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            Volatile.Write(ref _placement, null);
            throw NotFound();
        }

        if (record.State == TenantState.Archived)
        {
            Volatile.Write(ref _placement, null);
            throw new TenantUnavailableException(Slug, TenantUnavailableReason.Archived,
                $"Tenant '{Slug}' was archived on {record.ArchivedAt:u} and cannot be entered. Restore it with catalog.RestoreAsync(\"{Slug}\") " +
                $"(or `tenantctl restore {Slug}`) first.");
        }

        return Remember(record, readStarted, changes);
    }

    /// <param name="record">What the catalog said.</param>
    /// <param name="readStarted">When the read began: the record is as fresh as that, not as its (possibly slow) answer.</param>
    /// <param name="changes">This process's catalog-change count before the read.</param>
    private PostgresPlacement Remember(PostgresTenantRecord record, long readStarted, long changes)
    {
        var old = _placement;
        var placement = old is not null && old.Key == record.Key && old.Epoch == record.Epoch && old.Moving == record.IsMoving
            ? old
            : PostgresPlacement.From(record, _router.RoleFor(record.Isolation, record.SchemaName), record.IsMoving);
        if (old is not null && old.PoolKey != placement.PoolKey)
        {
            _router.RetirePool(old); // the old placement is never routed to again by this object
        }

        _moving = record.IsMoving;
        Volatile.Write(ref _placement, placement);
        Volatile.Write(ref _readAt, readStarted);
        Volatile.Write(ref _readAtChanges, changes);
        return placement;
    }

    private TenantUnavailableException NotFound() => new(Slug, TenantUnavailableReason.NotFound,
        $"Tenant '{Slug}' is not in the PostgreSQL catalog (it was never created, or it was deleted). Create it with " +
        $"catalog.CreateAsync(\"{Slug}\") (or `tenantctl create {Slug}`), or check the tenant name.");

    /// <inheritdoc />
    public override string ToString() => _placement is { } p ? $"PostgreSQL {p.Where} of tenant '{Slug}'" : $"PostgreSQL data of tenant '{Slug}'";
}
