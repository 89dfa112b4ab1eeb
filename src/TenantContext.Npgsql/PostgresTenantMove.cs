using System.Diagnostics;
using Npgsql;

namespace Tenancy.Npgsql;

/// <summary>
/// One tenant move: plan, mark, build the target from the migrations, (online: replicate and compare per key range,
/// <see cref="PostgresRangeVerification"/>), wait for every router to read the catalog per open, fence the source's
/// writes, copy at that point (online: catch up) and verify (online: the key ranges changed since they were compared),
/// switch the catalog and rename the source away under the fence, then drop (or keep) the old copy. The move is recorded in <c>tenancy.moves</c> from its mark to its
/// end, so a later attempt finds an interrupted one: not switched → its target is dropped (roll back); switched → its
/// source is removed (finish). An advisory lock on the catalog keeps two movers of one tenant apart.
/// </summary>
internal sealed class PostgresTenantMove
{
    private static readonly TimeSpan RouterMargin = TimeSpan.FromMilliseconds(100);
    private const string SessionSettings =
        "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; " +
        "SET LOCAL extra_float_digits = 1; SET LOCAL bytea_output = 'hex'";

    private readonly PostgresTenantDatabases _router;
    private readonly PostgresTenantCatalog _catalog;
    private readonly string _tenant;
    private readonly string _toShard;
    private readonly PostgresIsolation? _isolation;
    private readonly TenantMoveOptions _options;
    private readonly IProgress<TenantMoveProgress>? _progress;
    private readonly List<TenantMovePhaseTime> _phases = [];
    private TenantMovePhase _phase;
    private long _phaseStarted;
    private long _bytes;

    internal PostgresTenantMove(PostgresTenantDatabases router, PostgresTenantCatalog catalog, string tenant, string toShard, PostgresIsolation? isolation, TenantMoveOptions? options, IProgress<TenantMoveProgress>? progress)
    {
        _router = router;
        _catalog = catalog;
        _tenant = tenant;
        _toShard = toShard;
        _isolation = isolation;
        _options = options ?? new TenantMoveOptions();
        _progress = progress;
    }

    private PostgresTenantOptions Options => _router.Options;

    internal async Task<TenantMoveReport> RunAsync(CancellationToken cancellationToken)
    {
        TenantSlug.Validate(_tenant);
        _options.Validate();
        if (!Options.Shards.ContainsKey(_toShard))
        {
            throw new ArgumentException($"Shard '{_toShard}' is not configured. Configured shards: {string.Join(", ", Options.Shards.Keys)}.", "toShard");
        }

        if (_isolation is { } i && !Enum.IsDefined(i))
        {
            throw new ArgumentOutOfRangeException("isolation", i, "Use PostgresIsolation.Schema, Database or Rows, or null to keep the tenant's isolation.");
        }

        await _catalog.EnsureCreatedAsync(true, cancellationToken).ConfigureAwait(false);
        Enter(TenantMovePhase.Planning);
        // The guard's session holds the tenant's move lock until the move ends (or its process dies): unpooled, so closing
        // it ends the session and the lock with it.
        await using var guard = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Options.Catalog) { Pooling = false }.ConnectionString);
        await guard.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (!_options.DryRun && !await TryLockAsync(guard, cancellationToken).ConfigureAwait(false))
        {
            throw new PostgresTenantException(_tenant,
                $"Another process is moving tenant '{_tenant}' right now. Wait for it to finish (or, if that process is gone, retry in a few seconds).");
        }

        var record = await ReadRecordAsync(cancellationToken).ConfigureAwait(false);
        string? leftover = null;
        if (await PostgresMoveRecord.ReadAsync(_catalog.DataSource, _tenant, _router.RoleFor, cancellationToken).ConfigureAwait(false) is { } earlier)
        {
            if (_options.DryRun)
            {
                leftover = $"an interrupted move to {earlier.To.Where} is recorded; the next move {(record.Epoch == earlier.FromEpoch ? "rolls it back" : "finishes it")}";
            }
            else
            {
                leftover = await SweepAsync(earlier, record).ConfigureAwait(false);
                record = await ReadRecordAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        if (record.State == TenantState.Archived)
        {
            throw new PostgresTenantException(_tenant, $"Tenant '{_tenant}' is archived: restore it (catalog.RestoreAsync(\"{_tenant}\")) before moving it.");
        }

        var from = PostgresPlacement.From(record, _router.RoleFor(record.Isolation, record.SchemaName));
        var to = Target(record);
        if (from.Shard == to.Shard && from.Isolation == to.Isolation)
        {
            if (leftover is not null)
            {
                return Report(from, to, [], [], TimeSpan.Zero, null, leftover, record.Epoch);
            }

            throw new ArgumentException($"Tenant '{_tenant}' already lives on shard '{to.Shard}' as {PostgresTenantCatalog.IsolationText(to.Isolation)}: there is nothing to move.", "toShard");
        }

        var shared = from.Isolation == PostgresIsolation.Rows || to.Isolation == PostgresIsolation.Rows;
        if (from.Isolation == PostgresIsolation.Rows && _options.KeepSource)
        {
            throw new ArgumentException(
                $"KeepSource keeps a schema or database under another name; tenant '{_tenant}' lives in shared rows, which cannot be kept beside other " +
                "tenants' rows. Move it without KeepSource (back its rows up first if you want a copy). Nothing was changed.", "options");
        }

        await using var source = await OpenAsync(from, role: false, cancellationToken).ConfigureAwait(false);
        var version = await PostgresMigrator.ReadVersionAsync(source, null, cancellationToken).ConfigureAwait(false);
        if (version != _router.Migrator.LatestVersion)
        {
            throw new PostgresTenantException(_tenant,
                $"Tenant '{_tenant}' is at schema version {version} but the code's migrations end at {_router.Migrator.LatestVersion}: the target is built " +
                "from the migrations at the source's version, so both must agree. Run MigrateAllAsync (or `tenantctl migrate --all`), then move.");
        }

        if (await PostgresLargeObjects.FindAsync(source, from, Options, cancellationToken).ConfigureAwait(false) is { } largeObjects)
        {
            throw new PostgresTenantException(_tenant,
                $"Tenant '{_tenant}' cannot move: its data is partly in large objects ({largeObjects}), which live outside its tables, and a move " +
                "copies and verifies tables only, so they would be left behind. Nothing was changed. Keep that data in a bytea column instead " +
                "(a migration step that fills one from lo_get and unlinks the large objects), then move.");
        }

        TenantMoveMode mode;
        string? modeReason;
        await using (var targetShard = await OpenAdminAsync(to.Shard, cancellationToken).ConfigureAwait(false))
        {
            var blocker = shared ? RowsOffline : await PostgresLogicalCopy.BlockerAsync(from, to, source, targetShard, cancellationToken).ConfigureAwait(false);
            if (_options.Mode == TenantMoveMode.Online && blocker is not null)
            {
                throw new PostgresTenantException(_tenant, $"Tenant '{_tenant}' cannot move online: {blocker}. Nothing was changed; fix that, or move with TenantMoveOptions.Mode = TenantMoveMode.Offline.");
            }

            mode = _options.Mode ?? (blocker is null ? TenantMoveMode.Online : TenantMoveMode.Offline);
            modeReason = _options.Mode is null ? blocker : null;
        }

        if (_options.DryRun && shared)
        {
            var planned = new List<TenantMoveTable>();
            foreach (var table in (await PostgresRowsCopy.ListAsync(source, null, from.SchemaName, Options, cancellationToken).ConfigureAwait(false)).Owned)
            {
                var (count, size) = await PostgresRowsCopy.SizeAsync(source, from.SchemaName, table, PostgresRowsCopy.Filter(table, from), cancellationToken).ConfigureAwait(false);
                planned.Add(new TenantMoveTable(table.Name, count, size, null, null));
            }

            Enter(TenantMovePhase.Done);
            return Report(from, to, planned, [], TimeSpan.Zero, null, leftover, record.Epoch) with { DryRun = true, Mode = mode, ModeReason = modeReason };
        }

        if (_options.DryRun)
        {
            var planned = new List<TenantMoveTable>();
            foreach (var table in await PostgresTableCopy.ListAsync(source, null, from.SchemaName, cancellationToken).ConfigureAwait(false))
            {
                var (rows, _) = await CountAsync(source, from.SchemaName, table.Name, cancellationToken).ConfigureAwait(false);
                planned.Add(new TenantMoveTable(table.Name, rows, table.Bytes, null, null));
            }

            Enter(TenantMovePhase.Done);
            return Report(from, to, planned, [], TimeSpan.Zero, null, leftover, record.Epoch) with { DryRun = true, Mode = mode, ModeReason = modeReason };
        }

        if (to.Isolation == PostgresIsolation.Rows
                ? await RowsExistAsync(to, cancellationToken).ConfigureAwait(false)
                : await ExistsAsync(to, to.Isolation == PostgresIsolation.Database ? to.DatabaseName : to.SchemaName, cancellationToken).ConfigureAwait(false))
        {
            throw new TenantAlreadyExistsException(_tenant,
                $"Cannot move tenant '{_tenant}' to {to.Where}: it already exists there, and no earlier move of this tenant recorded it. Check what it " +
                "holds and drop it yourself, then move again. Nothing was changed.");
        }

        var move = new PostgresMoveRecord(record.Key, record.Epoch, from, to, _options.KeepSource);
        Enter(TenantMovePhase.Marking);
        await move.MarkAsync(_catalog.DataSource, _tenant, cancellationToken).ConfigureAwait(false);
        var markedAt = Stopwatch.GetTimestamp();
        _router.CatalogChanged(_tenant, dropPools: false);

        var switched = false;
        NpgsqlConnection? sourceAdmin = null;
        NpgsqlConnection? targetAdmin = null;
        NpgsqlTransaction? fence = null;
        long fenceStarted = 0;
        TimeSpan fenceDuration;
        var tables = new List<TenantMoveTable>();
        var sequences = new List<TenantMoveSequence>();
        try
        {
            Enter(TenantMovePhase.BuildingTarget);
            await _catalog.ProvisionAsync(to, SharesRole(move), cancellationToken).ConfigureAwait(false);
            await using var target = await OpenAsync(to, role: true, cancellationToken).ConfigureAwait(false);
            await _router.Migrator.MigrateAsync(to, target, cancellationToken).ConfigureAwait(false);
            if (!shared)
            {
                await CheckBuiltAsync(from, to, source, target, cancellationToken).ConfigureAwait(false);
            }

            PostgresLogicalCopy? logical = null;
            PostgresRangeVerification? verification = null;
            if (mode == TenantMoveMode.Online)
            {
                Enter(TenantMovePhase.Copying);
                logical = new PostgresLogicalCopy(Options, move);
                sourceAdmin = await OpenAsync(from, role: false, cancellationToken).ConfigureAwait(false);
                targetAdmin = await OpenAsync(to, role: false, cancellationToken).ConfigureAwait(false);
                var published = await PostgresTableCopy.ListAsync(source, null, from.SchemaName, cancellationToken).ConfigureAwait(false);
                await logical.StartAsync(sourceAdmin, targetAdmin, published, _options.CopyTimeout, cancellationToken).ConfigureAwait(false);

                // Most of the verification happens here, while the tenant serves: see PostgresRangeVerification.
                Enter(TenantMovePhase.PreVerifying);
                verification = new PostgresRangeVerification(_tenant, from.SchemaName, to.SchemaName);
                await verification.PrepareAsync(sourceAdmin, targetAdmin, published, cancellationToken).ConfigureAwait(false);
                await verification.CompareAsync(sourceAdmin, targetAdmin, t => Report(TenantMovePhase.PreVerifying, t), cancellationToken).ConfigureAwait(false);
            }

            Enter(TenantMovePhase.WaitingForRouters);
            var wait = Options.CatalogStaleness + RouterMargin - Stopwatch.GetElapsedTime(markedAt);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }

            Enter(TenantMovePhase.Fencing);
            fence = await source.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(source, fence, SessionSettings + $"; SET LOCAL lock_timeout = {(long)Math.Ceiling(_options.FenceLockTimeout.TotalMilliseconds)}", cancellationToken).ConfigureAwait(false);
            var schema = PostgresNames.Quote(from.SchemaName);
            var listed = await PostgresTableCopy.ListAsync(source, fence, from.SchemaName, cancellationToken).ConfigureAwait(false);
            try
            {
                // Every connection routed to the tenant while it is marked as moving holds a lease: wait for them all to close
                // (new ones wait for this fence), then lock the tables against anything else.
                await ExecuteAsync(source, fence, PostgresMoveLease.FenceSql(record.Key), cancellationToken).ConfigureAwait(false);
                if (from.Isolation != PostgresIsolation.Rows) // shared tables stay writable for the other tenants: the leases fence this one
                {
                    await ExecuteAsync(source, fence,
                        $"LOCK TABLE {string.Join(", ", listed.Select(t => schema + "." + PostgresNames.Quote(t.Name)).Append(schema + "." + PostgresMigrator.HistoryTable))} IN EXCLUSIVE MODE",
                        cancellationToken).ConfigureAwait(false);
                }
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.LockNotAvailable)
            {
                throw new PostgresTenantException(_tenant,
                    $"Moving tenant '{_tenant}' stopped: its open connections and in-flight writes did not finish within the fence's wait ({_options.FenceLockTimeout.TotalSeconds:0.###} s). " +
                    "Nothing was changed and the tenant serves as before. Retry at a quieter moment, or with a longer TenantMoveOptions.FenceLockTimeout.", ex);
            }

            fenceStarted = Stopwatch.GetTimestamp();
            listed = await PostgresTableCopy.ListAsync(source, fence, from.SchemaName, cancellationToken).ConfigureAwait(false);
            if (await PostgresMigrator.ReadVersionAsync(source, fence, cancellationToken).ConfigureAwait(false) != _router.Migrator.LatestVersion)
            {
                throw new PostgresTenantException(_tenant, $"Tenant '{_tenant}' was migrated while the move prepared: run the move again.");
            }

            if (shared)
            {
                await CopyRowsAsync(from, to, source, fence, target, tables, sequences, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var bytes = new Dictionary<string, long>(StringComparer.Ordinal);
                if (logical is not null)
                {
                    Enter(TenantMovePhase.CatchingUp);
                    await logical.CatchUpAsync(sourceAdmin!, targetAdmin!, _options.CatchUpTimeout, cancellationToken).ConfigureAwait(false);
                    foreach (var table in listed)
                    {
                        bytes[table.Name] = table.Bytes;
                    }
                }
                else
                {
                    Enter(TenantMovePhase.Copying);
                }

                await using var copy = await target.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(target, copy, SessionSettings, cancellationToken).ConfigureAwait(false);
                if (logical is null)
                {
                    if (listed.Count > 0)
                    {
                        await ExecuteAsync(target, copy, $"TRUNCATE {string.Join(", ", listed.Select(t => PostgresNames.Quote(to.SchemaName) + "." + PostgresNames.Quote(t.Name)))}", cancellationToken).ConfigureAwait(false);
                    }

                    foreach (var table in listed)
                    {
                        Report(TenantMovePhase.Copying, table.Name);
                        bytes[table.Name] = await PostgresTableCopy.CopyAsync(source, from.SchemaName, target, to.SchemaName, table, cancellationToken).ConfigureAwait(false);
                        _bytes += bytes[table.Name];
                    }
                }

                var sourceSequences = await PostgresTableCopy.SequencesAsync(source, fence, from.SchemaName, cancellationToken).ConfigureAwait(false);
                foreach (var (name, last) in sourceSequences)
                {
                    await PostgresTableCopy.SetSequenceAsync(target, copy, to.SchemaName, name, last, cancellationToken).ConfigureAwait(false);
                }

                Enter(TenantMovePhase.Verifying);
                if (verification is not null)
                {
                    tables.AddRange(await verification.VerifyUnderFenceAsync(source, fence, target, copy, targetAdmin!, listed, n => bytes[n],
                        t => Report(TenantMovePhase.Verifying, t), cancellationToken).ConfigureAwait(false));
                }
                else
                {
                    var sortsAlike = (bool?)null;
                    foreach (var table in listed)
                    {
                        Report(TenantMovePhase.Verifying, table.Name);
                        var sourceTask = PostgresTableCopy.HashAsync(source, fence, from.SchemaName, table, cancellationToken);
                        var targetTask = PostgresTableCopy.HashAsync(target, copy, to.SchemaName, table, cancellationToken);
                        await Task.WhenAll(sourceTask, targetTask).ConfigureAwait(false);
                        var ((rows, sourceHash), (targetRows, targetHash)) = (await sourceTask.ConfigureAwait(false), await targetTask.ConfigureAwait(false));
                        if (rows != targetRows || sourceHash != targetHash)
                        {
                            sortsAlike ??= await PostgresKeyRanges.SortAlikeAsync(source, fence, target, copy, cancellationToken).ConfigureAwait(false);
                            throw await PostgresKeyRanges.LocateAsync(_tenant, table.Name, table.Columns, (source, fence, from.SchemaName, ""), (target, copy, to.SchemaName, ""),
                                sortsAlike.Value, null, cancellationToken).ConfigureAwait(false);
                        }

                        tables.Add(new TenantMoveTable(table.Name, rows, bytes[table.Name], sourceHash, targetHash) { Ranges = 1, RangesInFence = 1 });
                    }
                }

                var targetSequences = (await PostgresTableCopy.SequencesAsync(target, copy, to.SchemaName, cancellationToken).ConfigureAwait(false)).ToDictionary(s => s.Name, s => s.LastValue, StringComparer.Ordinal);
                foreach (var (name, last) in sourceSequences)
                {
                    var got = targetSequences.GetValueOrDefault(name);
                    if (!targetSequences.ContainsKey(name) || got != last)
                    {
                        throw new TenantMoveVerificationException(_tenant, name, $"sequence: source last value {last?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unused"}, target {got?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unused or missing"}");
                    }

                    sequences.Add(new TenantMoveSequence(name, last, got));
                }

                await copy.CommitAsync(cancellationToken).ConfigureAwait(false);
                if (verification is not null)
                {
                    // The change marks go before the switch: after it, the tenant's own role writes these tables.
                    await PostgresTenantCatalog.ExecuteAsync(targetAdmin!, PostgresMoveMarks.SweepSql(to.SchemaName), cancellationToken).ConfigureAwait(false);
                }
            }

            Enter(TenantMovePhase.Switching);
            if (from.Isolation != PostgresIsolation.Rows)
            {
                await ExecuteAsync(source, fence, $"ALTER SCHEMA {schema} RENAME TO {PostgresNames.Quote(move.MovedName)}", cancellationToken).ConfigureAwait(false);
            }

            await move.SwitchAsync(_catalog.DataSource, _tenant, cancellationToken).ConfigureAwait(false);
            switched = true;
        }
        catch (Exception ex) when (!switched)
        {
            await DisposeAsync(sourceAdmin, targetAdmin).ConfigureAwait(false);
            await RollBackAsync(move, fence, ex).ConfigureAwait(false);
            throw;
        }

        _router.CatalogChanged(_tenant, dropPools: true);
        Enter(TenantMovePhase.Switched);
        try
        {
            await fence.CommitAsync(CancellationToken.None).ConfigureAwait(false); // lifts the fence; waiting opens follow the switch
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // The switch is recorded: the source's rename was lost with its connection, and removal below handles either name.
        }

        fenceDuration = Stopwatch.GetElapsedTime(fenceStarted);
        await fence.DisposeAsync().ConfigureAwait(false);
        await DisposeAsync(sourceAdmin, targetAdmin).ConfigureAwait(false);
        Enter(TenantMovePhase.RemovingSource);
        string? kept = null;
        try
        {
            await CleanUpAsync(move, async () => kept = await FinishAsync(move).ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            throw new PostgresTenantException(_tenant,
                $"Tenant '{_tenant}' was moved to {move.To.Where} (verified; the catalog routes it there now), but removing its old copy from " +
                $"{move.From.Where} failed ({ex.Message}). Nothing is lost; run MoveAsync again (or `tenantctl move`) once that server is reachable to remove it.", ex);
        }

        Enter(TenantMovePhase.Done);
        return Report(from, to, tables, sequences, fenceDuration, kept, leftover, record.Epoch + 1) with { Mode = mode, ModeReason = modeReason };
    }

    /// <summary>
    /// The target is built from the migrations: a table or column the source has and they do not make (added by hand, or by
    /// code outside the migrations) would have nowhere to go. Named here, before anything is copied, instead of the server's
    /// error in the middle of the copy or replication.
    /// </summary>
    private async Task CheckBuiltAsync(PostgresPlacement from, PostgresPlacement to, NpgsqlConnection source, NpgsqlConnection target, CancellationToken cancellationToken)
    {
        var built = (await PostgresTableCopy.ListAsync(target, null, to.SchemaName, cancellationToken).ConfigureAwait(false))
            .ToDictionary(t => t.Name, t => t.Columns, StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var table in await PostgresTableCopy.ListAsync(source, null, from.SchemaName, cancellationToken).ConfigureAwait(false))
        {
            if (built.TryGetValue(table.Name, out var columns))
            {
                missing.AddRange(table.Columns.Except(columns, StringComparer.Ordinal).Select(c => $"column \"{table.Name}\".\"{c}\""));
            }
            else
            {
                missing.Add($"table \"{table.Name}\"");
            }
        }

        if (missing.Count > 0)
        {
            throw new PostgresTenantException(_tenant,
                $"Tenant '{_tenant}' cannot move: its {string.Join(", ", missing)} {(missing.Count == 1 ? "is" : "are")} not made by the migrations " +
                $"(up to version {_router.Migrator.LatestVersion}) that build the target, so {(missing.Count == 1 ? "it was" : "they were")} added outside them and " +
                "would have nowhere to go. Add a migration step that makes them (CREATE TABLE IF NOT EXISTS / ADD COLUMN IF NOT EXISTS, so it passes " +
                $"where they exist), migrate, then move again. Nothing was switched: the tenant serves from {from.Where} as before.");
        }
    }

    private const string RowsOffline =
        "the tenant's rows share their tables with other tenants: a move from or to shared rows copies them under the write fence (online moves of rows are not built)";

    /// <summary>
    /// Under the fence, a move from or to shared rows: the tenant-owned tables' rows of the tenant copied (all rows of a schema
    /// or database side, the tenant's rows of a rows side), the other tables of a schema source checked to hold nothing the
    /// target lacks, every table verified by count and ordered hash, sequences raised to the source's; committed on the target.
    /// </summary>
    private async Task CopyRowsAsync(PostgresPlacement from, PostgresPlacement to, NpgsqlConnection source, NpgsqlTransaction fence, NpgsqlConnection target,
        List<TenantMoveTable> tables, List<TenantMoveSequence> sequences, CancellationToken cancellationToken)
    {
        Enter(TenantMovePhase.Copying);
        await PostgresRowsCopy.SetTenantAsync(source, fence, from, cancellationToken).ConfigureAwait(false);
        await using var copy = await target.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(target, copy, SessionSettings, cancellationToken).ConfigureAwait(false);
        await PostgresRowsCopy.SetTenantAsync(target, copy, to, cancellationToken).ConfigureAwait(false);
        var (owned, others) = await PostgresRowsCopy.ListAsync(source, fence, from.SchemaName, Options, cancellationToken).ConfigureAwait(false);
        if (from.Isolation != PostgresIsolation.Rows)
        {
            // A schema or database becoming rows: a table without the tenant column cannot carry its rows into shared tables.
            foreach (var table in others)
            {
                var (count, hash) = await PostgresTableCopy.HashAsync(source, fence, from.SchemaName, table, cancellationToken).ConfigureAwait(false);
                if (count > 0 && (await PostgresTableCopy.HashAsync(target, copy, to.SchemaName, table, cancellationToken).ConfigureAwait(false)).Hash != hash)
                {
                    throw new PostgresTenantException(_tenant,
                        $"Table \"{table.Name}\" of tenant '{_tenant}' has {count} rows but no tenant column (\"{(Options.TenantColumns.TryGetValue(table.Name, out var c) ? c : Options.TenantColumn)}\"), " +
                        "so its rows cannot move into shared tables (and the target's differ). Add the column in a migration step, or name the table's tenant " +
                        "column in PostgresTenantOptions.TenantColumns. Nothing was switched.");
                }
            }
        }

        if (to.Isolation != PostgresIsolation.Rows && owned.Count > 0)
        {
            await ExecuteAsync(target, copy, $"TRUNCATE {string.Join(", ", owned.Select(t => PostgresNames.Quote(to.SchemaName) + "." + PostgresNames.Quote(t.Name)))}", cancellationToken).ConfigureAwait(false);
        }

        var bytes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in owned)
        {
            Report(TenantMovePhase.Copying, table.Name);
            bytes[table.Name] = await PostgresRowsCopy.CopyAsync(source, fence, from.SchemaName, PostgresRowsCopy.Filter(table, from), target, copy, to.SchemaName, table, _tenant, cancellationToken).ConfigureAwait(false);
            _bytes += bytes[table.Name];
        }

        sequences.AddRange(await PostgresRowsCopy.RaiseSequencesAsync(source, fence, from.SchemaName, target, copy, to.SchemaName, _tenant, cancellationToken).ConfigureAwait(false));

        Enter(TenantMovePhase.Verifying);
        bool? sortsAlike = null;
        foreach (var table in owned)
        {
            Report(TenantMovePhase.Verifying, table.Name);
            var (sourceFilter, targetFilter) = (PostgresRowsCopy.Filter(table, from), PostgresRowsCopy.Filter(table, to));
            var sourceTask = PostgresRowsCopy.HashAsync(source, fence, from.SchemaName, table, sourceFilter, cancellationToken);
            var targetTask = PostgresRowsCopy.HashAsync(target, copy, to.SchemaName, table, targetFilter, cancellationToken);
            await Task.WhenAll(sourceTask, targetTask).ConfigureAwait(false);
            var ((count, sourceHash), (targetCount, targetHash)) = (await sourceTask.ConfigureAwait(false), await targetTask.ConfigureAwait(false));
            if (count != targetCount || sourceHash != targetHash)
            {
                sortsAlike ??= await PostgresKeyRanges.SortAlikeAsync(source, fence, target, copy, cancellationToken).ConfigureAwait(false);
                throw await PostgresKeyRanges.LocateAsync(_tenant, table.Name, table.Columns, (source, fence, from.SchemaName, sourceFilter), (target, copy, to.SchemaName, targetFilter),
                    sortsAlike.Value, from.Isolation == PostgresIsolation.Rows ? null : $"; rows whose \"{table.TenantColumn}\" is not the tenant's do not count on the target",
                    cancellationToken).ConfigureAwait(false);
            }

            tables.Add(new TenantMoveTable(table.Name, count, bytes[table.Name], sourceHash, targetHash) { Ranges = 1, RangesInFence = 1 });
        }

        foreach (var s in sequences)
        {
            if (s.SourceValue is { } value && !(s.TargetValue >= value))
            {
                throw new TenantMoveVerificationException(_tenant, s.Sequence, $"sequence: source last value {value}, target {s.TargetValue?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unused"}");
            }
        }

        await copy.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether the target shard's shared tables already hold rows of the tenant.</summary>
    private async Task<bool> RowsExistAsync(PostgresPlacement to, CancellationToken cancellationToken)
    {
        await using var admin = await OpenAdminAsync(to.Shard, cancellationToken).ConfigureAwait(false);
        await using var read = await admin.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await PostgresRowsCopy.SetTenantAsync(admin, read, to, cancellationToken).ConfigureAwait(false);
        var (owned, _) = await PostgresRowsCopy.ListAsync(admin, read, to.SchemaName, Options, cancellationToken).ConfigureAwait(false);
        return await PostgresRowsCopy.FirstWithRowsAsync(admin, read, to.SchemaName, owned, to, cancellationToken).ConfigureAwait(false) is not null;
    }

    private static async Task DisposeAsync(params NpgsqlConnection?[] connections)
    {
        foreach (var c in connections)
        {
            if (c is not null)
            {
                await c.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Removes an online move's replication objects, whichever exist (a no-op for an offline move).</summary>
    private Task SweepReplicationAsync(PostgresMoveRecord move) =>
        new PostgresLogicalCopy(Options, move).SweepAsync(async (shard, database) =>
        {
            try
            {
                return await OpenAsync(_router.ShardPlacement(shard, database), role: false, CancellationToken.None).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InvalidCatalogName)
            {
                return null; // that database is gone (a dropped target or source): nothing of the move is left in it
            }
        });

    /// <summary>Undoes a move that did not switch: fence lifted, target dropped, record and mark removed. Never touches the source.</summary>
    private async Task RollBackAsync(PostgresMoveRecord move, NpgsqlTransaction? fence, Exception cause)
    {
        try
        {
            if (fence is not null)
            {
                await fence.DisposeAsync().ConfigureAwait(false); // rolls back: the source is as it was, writes resume
            }

            await CleanUpAsync(move, async () =>
            {
                await SweepReplicationAsync(move).ConfigureAwait(false);
                await DropTargetAsync(move).ConfigureAwait(false);
                await move.ForgetAsync(_catalog.DataSource, _tenant, CancellationToken.None).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }
        catch (Exception cleanup) when (cleanup is NpgsqlException or InvalidOperationException)
        {
            // The tenant still serves from its source; the next MoveAsync finds the record and sweeps the target.
            throw new PostgresTenantException(_tenant,
                $"Moving tenant '{_tenant}' failed ({cause.Message}) and its clean-up failed too ({cleanup.Message}). The tenant still serves from " +
                $"{move.From.Where}; run MoveAsync again to sweep the half-built target.", cause);
        }
        finally
        {
            _router.CatalogChanged(_tenant, dropPools: false);
        }
    }

    /// <summary>
    /// Runs clean-up work (a roll-back, or the removal after the switch) that must not fail on the first broken connection:
    /// the failure that led here may have been a server restart, which breaks every pooled connection to it (the catalog's
    /// and the shards'). Up to three attempts, 0.5 s and 1 s apart, each after closing those pools' idle connections; the
    /// steps are idempotent, so a repeated one finds its work done. Still failing (a server down, a network cut), the
    /// error goes to the caller, and the move record lets the next MoveAsync finish the work.
    /// </summary>
    private async Task CleanUpAsync(PostgresMoveRecord move, Func<Task> work)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await work().ConfigureAwait(false);
                return;
            }
            catch (NpgsqlException ex) when (attempt < 3 && ex is not PostgresException)
            {
                // An I/O failure, not an error the server reported: retry on fresh connections.
                _catalog.DataSource.Clear();
                _router.ClearShardPools(move.From.Shard);
                _router.ClearShardPools(move.To.Shard);
                await Task.Delay(TimeSpan.FromMilliseconds(500 * attempt)).ConfigureAwait(false);
            }
        }
    }

    /// <summary>An interrupted earlier move: roll it back (not switched) or finish it (switched). Returns what was done.</summary>
    private async Task<string> SweepAsync(PostgresMoveRecord earlier, PostgresTenantRecord record)
    {
        if (record.Key != earlier.Key)
        {
            await earlier.ForgetAsync(_catalog.DataSource, _tenant, CancellationToken.None).ConfigureAwait(false);
            return "a move record of an earlier tenant of the same name was removed";
        }

        if (record.Epoch == earlier.FromEpoch)
        {
            await SweepReplicationAsync(earlier).ConfigureAwait(false);
            await DropTargetAsync(earlier).ConfigureAwait(false);
            await earlier.ForgetAsync(_catalog.DataSource, _tenant, CancellationToken.None).ConfigureAwait(false);
            _router.CatalogChanged(_tenant, dropPools: false);
            return $"rolled back an interrupted move to {earlier.To.Where} (its target was dropped)";
        }

        if (record.Epoch == earlier.FromEpoch + 1 && record.Shard == earlier.To.Shard && record.Isolation == earlier.To.Isolation)
        {
            var kept = await FinishAsync(earlier).ConfigureAwait(false);
            return $"finished an interrupted move to {earlier.To.Where} (its old copy was {(kept is null ? "dropped" : "kept as " + kept)})";
        }

        await earlier.ForgetAsync(_catalog.DataSource, _tenant, CancellationToken.None).ConfigureAwait(false);
        return "a stale move record was removed";
    }

    private async Task DropTargetAsync(PostgresMoveRecord move)
    {
        var record = await _catalog.ReadAsync(_tenant, true, CancellationToken.None).ConfigureAwait(false);
        if (record is not null && Same(PostgresPlacement.From(record, null), move.To))
        {
            throw new PostgresTenantException(_tenant, $"Refusing to drop {move.To.Where}: the catalog routes tenant '{_tenant}' there.");
        }

        if (move.To.Isolation == PostgresIsolation.Rows)
        {
            await using var admin = await OpenAdminAsync(move.To.Shard, CancellationToken.None).ConfigureAwait(false);
            await PostgresRowsCopy.DeleteAsync(admin, move.To, Options, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        if (SharesRole(move))
        {
            // The role is the source's too (one server): only the half-built schema goes.
            await using var admin = await OpenAdminAsync(move.To.Shard, CancellationToken.None).ConfigureAwait(false);
            await PostgresTenantCatalog.ExecuteAsync(admin, $"DROP SCHEMA IF EXISTS {PostgresNames.Quote(move.To.SchemaName)} CASCADE", CancellationToken.None).ConfigureAwait(false);
            return;
        }

        await _catalog.DropDataAsync(move.To, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>After the switch: the old copy dropped, or kept under its moved name; the move record removed.</summary>
    private async Task<string?> FinishAsync(PostgresMoveRecord move)
    {
        var record = await _catalog.ReadAsync(_tenant, true, CancellationToken.None).ConfigureAwait(false);
        if (record is not null && Same(PostgresPlacement.From(record, null), move.From))
        {
            throw new PostgresTenantException(_tenant, $"Refusing to remove {move.From.Where}: the catalog routes tenant '{_tenant}' there.");
        }

        await SweepReplicationAsync(move).ConfigureAwait(false);
        string? kept = null;
        await using (var admin = await OpenAdminAsync(move.From.Shard, CancellationToken.None).ConfigureAwait(false))
        {
            if (move.From.Isolation == PostgresIsolation.Rows)
            {
                await PostgresRowsCopy.DeleteAsync(admin, move.From, Options, CancellationToken.None).ConfigureAwait(false);
            }
            else if (move.From.Isolation == PostgresIsolation.Database)
            {
                var db = PostgresNames.Quote(move.From.DatabaseName);
                if (move.KeepSource)
                {
                    kept = move.MovedName;
                    await RenameDatabaseAsync(admin, move.From.DatabaseName, move.MovedName).ConfigureAwait(false);
                }
                else
                {
                    await PostgresTenantCatalog.ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {db} WITH (FORCE)", CancellationToken.None).ConfigureAwait(false);
                }
            }
            else
            {
                var original = PostgresNames.Quote(move.From.SchemaName);
                var moved = PostgresNames.Quote(move.MovedName);
                if (move.KeepSource)
                {
                    kept = move.MovedName;
                    await PostgresTenantCatalog.ExecuteAsync(admin,
                        $"DO $$ BEGIN IF to_regnamespace({PostgresTenantCatalog.Literal(original)}) IS NOT NULL THEN ALTER SCHEMA {original} RENAME TO {moved}; END IF; END $$",
                        CancellationToken.None).ConfigureAwait(false);
                }
                else
                {
                    await PostgresTenantCatalog.ExecuteAsync(admin, $"DROP SCHEMA IF EXISTS {moved} CASCADE; DROP SCHEMA IF EXISTS {original} CASCADE", CancellationToken.None).ConfigureAwait(false);
                    if (move.From.RoleName is { } role && !SharesRole(move))
                    {
                        await PostgresTenantCatalog.ExecuteAsync(admin,
                            $"DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = {PostgresTenantCatalog.Literal(role)}) THEN " +
                            $"DROP OWNED BY {PostgresNames.Quote(role)}; DROP ROLE {PostgresNames.Quote(role)}; END IF; END $$",
                            CancellationToken.None).ConfigureAwait(false);
                    }
                }
            }
        }

        await move.ForgetAsync(_catalog.DataSource, _tenant, CancellationToken.None).ConfigureAwait(false);
        return kept;
    }

    private static async Task RenameDatabaseAsync(NpgsqlConnection admin, string database, string newName)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var command = new NpgsqlCommand("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", admin);
                command.Parameters.Add(new NpgsqlParameter { Value = database });
                await command.ExecuteNonQueryAsync().ConfigureAwait(false);
                await PostgresTenantCatalog.ExecuteAsync(admin,
                    $"DO $$ BEGIN IF EXISTS (SELECT FROM pg_database WHERE datname = {PostgresTenantCatalog.Literal(database)}) THEN " +
                    $"ALTER DATABASE {PostgresNames.Quote(database)} RENAME TO {PostgresNames.Quote(newName)}; END IF; END $$", CancellationToken.None).ConfigureAwait(false);
                return;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ObjectInUse && attempt < 20)
            {
                await Task.Delay(50).ConfigureAwait(false); // a connection slipped in between: terminate again
            }
        }
    }

    /// <summary>Whether source and target are schemas of one role on one server (EnforceWithRoles, two shards of one server): the role is made once, dropped never by the move.</summary>
    private bool SharesRole(PostgresMoveRecord move) =>
        move.To.Isolation == PostgresIsolation.Schema && move.From.RoleName is { } role && move.To.RoleName == role && SameServer(move.From.Shard, move.To.Shard);

    private bool SameServer(string a, string b)
    {
        var x = new NpgsqlConnectionStringBuilder(Options.Shards[a]);
        var y = new NpgsqlConnectionStringBuilder(Options.Shards[b]);
        return string.Equals(x.Host, y.Host, StringComparison.OrdinalIgnoreCase) && x.Port == y.Port;
    }

    private static bool Same(PostgresPlacement a, PostgresPlacement b) =>
        a.Shard == b.Shard && a.Isolation == b.Isolation && a.SchemaName == b.SchemaName && a.DatabaseName == b.DatabaseName;

    private PostgresPlacement Target(PostgresTenantRecord record)
    {
        var how = _isolation ?? record.Isolation;
        var schema = how == PostgresIsolation.Schema ? PostgresNames.Expand(Options.SchemaTemplate, _tenant, "schema") : "public";
        var database = how == PostgresIsolation.Database ? PostgresNames.Expand(Options.DatabaseTemplate, _tenant, "database") : _router.ShardPlacement(_toShard).DatabaseName;
        return new PostgresPlacement(_tenant, record.Key, _toShard, how, schema, database, record.Epoch + 1, _router.RoleFor(how, schema));
    }

    private async Task<bool> ExistsAsync(PostgresPlacement place, string name, CancellationToken cancellationToken)
    {
        await using var admin = await OpenAdminAsync(place.Shard, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            place.Isolation == PostgresIsolation.Database
                ? "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)"
                : "SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = $1)", admin);
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private async Task<PostgresTenantRecord> ReadRecordAsync(CancellationToken cancellationToken) =>
        await _catalog.ReadAsync(_tenant, true, cancellationToken).ConfigureAwait(false)
        ?? throw new TenantUnavailableException(_tenant, TenantUnavailableReason.NotFound,
            $"Tenant '{_tenant}' is not in the PostgreSQL catalog: there is nothing to move. Check the name (catalog.ListAsync() lists them).");

    private async Task<bool> TryLockAsync(NpgsqlConnection guard, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT pg_try_advisory_lock({PostgresMigrator.AdvisoryLockNamespace}, hashtext($1))", guard);
        command.Parameters.Add(new NpgsqlParameter { Value = "move/" + _tenant });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>An unpooled connection to a placement's database, its search path the placement's schema; acting as the tenant's role only when asked.</summary>
    private async Task<NpgsqlConnection> OpenAsync(PostgresPlacement placement, bool role, CancellationToken cancellationToken)
    {
        var b = Options.ConnectionFor(placement, actAsRole: role);
        b.Pooling = false;

        var connection = new NpgsqlConnection(b.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<NpgsqlConnection> OpenAdminAsync(string shard, CancellationToken cancellationToken) =>
        await OpenAsync(_router.ShardPlacement(shard), role: false, cancellationToken).ConfigureAwait(false);

    private static async Task<(long Rows, string? Hash)> CountAsync(NpgsqlConnection connection, string schema, string table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {PostgresNames.Quote(schema)}.{PostgresNames.Quote(table)}", connection);
        return ((long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!, null);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the running phase's time and reports the next phase (synchronously, on the mover's flow).</summary>
    private void Enter(TenantMovePhase phase)
    {
        var now = Stopwatch.GetTimestamp();
        if (_phaseStarted != 0)
        {
            _phases.Add(new TenantMovePhaseTime(_phase, Stopwatch.GetElapsedTime(_phaseStarted, now)));
        }

        _phase = phase;
        _phaseStarted = now;
        Report(phase, null);
    }

    private void Report(TenantMovePhase phase, string? table) => _progress?.Report(new TenantMoveProgress(_tenant, phase, table, _bytes));

    private TenantMoveReport Report(PostgresPlacement from, PostgresPlacement to, IReadOnlyList<TenantMoveTable> tables, IReadOnlyList<TenantMoveSequence> sequences, TimeSpan fence, string? kept, string? leftover, long epoch) => new()
    {
        Tenant = _tenant,
        From = from.Where,
        To = to.Where,
        Epoch = epoch,
        Phases = [.. _phases],
        Tables = tables,
        Sequences = sequences,
        FenceDuration = fence,
        KeptSource = kept,
        Leftover = leftover,
    };
}
