using System.Diagnostics;
using Npgsql;

namespace Tenancy.Npgsql;

/// <summary>
/// <see cref="PostgresTenantCatalog.MigrateAllAsync"/>: one catalog query finds the tenants behind the code (the others
/// are reported as current without touching their shard); the rest run in parallel, at most
/// <see cref="PostgresTenantOptions.MaxMigrationsPerShard"/> per shard; a failure is recorded on the tenant's catalog row
/// and the run goes on; finished steps are never repeated, so a re-run resumes. Rows tenants share their shard's tables:
/// the shard is migrated once and every rows tenant on it gets the outcome.
/// </summary>
internal sealed class PostgresMigrateAll(PostgresTenantDatabases router, PostgresTenantCatalog catalog)
{
    private readonly object _progressGate = new();
    private int _completed;
    private int _failed;

    internal async Task<TenantMigrationReport> RunAsync(int parallelism, bool dryRun, IProgress<TenantMigrationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(parallelism);
        var started = Stopwatch.GetTimestamp();
        var latest = router.Migrator.LatestVersion;
        await catalog.EnsureCreatedAsync(true, cancellationToken).ConfigureAwait(false);

        var tenants = new List<PostgresTenantRecord>();
        await using (var command = catalog.DataSource.CreateCommand($"SELECT {PostgresTenantCatalog.Columns} FROM tenancy.tenants ORDER BY slug"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                tenants.Add(PostgresTenantCatalog.Read(reader));
            }
        }

        var results = new TenantMigrationResult?[tenants.Count];
        var work = new List<(PostgresPlacement Placement, List<int> Indices)>();
        var rowsByShard = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < tenants.Count; i++)
        {
            var t = tenants[i];
            if (t.Version == latest)
            {
                results[i] = new TenantMigrationResult(t.Slug, t.Version, t.Version, TimeSpan.Zero, null);
            }
            else if (t.Isolation == PostgresIsolation.Rows)
            {
                if (!rowsByShard.TryGetValue(t.Shard, out var list))
                {
                    rowsByShard[t.Shard] = list = new List<int>();
                }

                list.Add(i);
            }
            else
            {
                work.Add((PostgresPlacement.From(t, router.RoleFor(t.Isolation, t.SchemaName)), [i]));
            }
        }

        foreach (var (shard, indices) in rowsByShard)
        {
            work.Add((router.ShardPlacement(shard) with { Slug = tenants[indices[0]].Slug }, indices));
        }

        var total = tenants.Count;
        foreach (var r in results)
        {
            if (r is not null)
            {
                Report(progress, r, total);
            }
        }

        var global = new SemaphoreSlim(parallelism == 0 ? Math.Max(2, Environment.ProcessorCount * 2) : parallelism);
        var workers = new List<Task>();
        foreach (var shard in work.GroupBy(w => w.Placement.Shard, StringComparer.Ordinal))
        {
            var queue = new Queue<(PostgresPlacement Placement, List<int> Indices)>(shard);
            for (var i = 0; i < Math.Min(router.Options.MaxMigrationsPerShard, queue.Count); i++)
            {
                workers.Add(WorkAsync(queue));
            }
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
        return new TenantMigrationReport(dryRun, latest, results.Select(r => r!).ToList(), Stopwatch.GetElapsedTime(started));

        // One of a shard's MaxMigrationsPerShard workers: takes the shard's placements one at a time, each under the global bound.
        async Task WorkAsync(Queue<(PostgresPlacement Placement, List<int> Indices)> queue)
        {
            await Task.Yield();
            await using var connections = new WorkerConnection(router);
            while (true)
            {
                (PostgresPlacement Placement, List<int> Indices) item;
                lock (queue)
                {
                    if (!queue.TryDequeue(out item))
                    {
                        return;
                    }
                }

                await global.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    var sharedRows = item.Indices.Count > 1 || item.Placement.Isolation == PostgresIsolation.Rows;
                    var outcome = await MigrateOneAsync(item.Placement, sharedRows, dryRun, latest, connections, cancellationToken).ConfigureAwait(false);
                    foreach (var i in item.Indices)
                    {
                        var r = new TenantMigrationResult(tenants[i].Slug, outcome.FromVersion, outcome.ToVersion, outcome.Duration, outcome.Error);
                        results[i] = r;
                        Report(progress, r, total);
                    }
                }
                finally
                {
                    global.Release();
                }
            }
        }
    }

    private async Task<TenantMigrationResult> MigrateOneAsync(
        PostgresPlacement placement, bool sharedRows, bool dryRun, int latest, WorkerConnection connections, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var from = 0;
        var to = 0;
        Exception? error = null;
        try
        {
            // A schema tenant is migrated on the worker's connection to its database (entering the schema per transaction),
            // so a run over 1,000 schemas opens no pool per schema and evicts none of the application's warm pools.
            var enter = placement.Isolation == PostgresIsolation.Schema;
            var connection = enter
                ? await connections.ToDatabaseAsync(placement.Shard, placement.DatabaseName, cancellationToken).ConfigureAwait(false)
                : await router.OpenAsync(placement, setTenant: false, migrate: false, async: true, cancellationToken).ConfigureAwait(false);
            try
            {
                from = await PostgresMigrator.ReadVersionAsync(placement, connection, enter, cancellationToken).ConfigureAwait(false);
                if (dryRun)
                {
                    to = from > latest ? from : latest;
                    if (from > latest)
                    {
                        error = new PostgresTenantVersionException(placement.Slug, placement.Where, from, latest);
                    }
                }
                else
                {
                    to = await router.Migrator.MigrateAsync(placement, connection, enter, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                if (!enter)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            error = ex;
            to = ex is PostgresTenantMigrationException m ? m.PreviousVersion : from;
        }

        if (!dryRun)
        {
            // Recorded even when cancelled meanwhile: the steps are committed, and an interrupted run leaves every finished tenant recorded.
            var message = error?.Message;
            if (sharedRows)
            {
                await catalog.RecordRowsVersionAsync(placement.Shard, to, message, CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await catalog.RecordVersionAsync(placement.Slug, to, message, CancellationToken.None).ConfigureAwait(false);
            }
        }

        return new TenantMigrationResult(placement.Slug, from, to, Stopwatch.GetElapsedTime(started), error);
    }

    private void Report(IProgress<TenantMigrationProgress>? progress, TenantMigrationResult result, int total)
    {
        lock (_progressGate)
        {
            _completed++;
            if (!result.Succeeded)
            {
                _failed++;
            }

            progress?.Report(new TenantMigrationProgress(_completed, total, _failed, result));
        }
    }
}

/// <summary>
/// A <c>MigrateAllAsync</c> worker's connection to one database of a shard (through the shard's pool, under its budget),
/// reused for every schema tenant of that database the worker migrates; replaced when the next tenant lives in another
/// database or the connection broke.
/// </summary>
internal sealed class WorkerConnection(PostgresTenantDatabases router) : IAsyncDisposable
{
    private NpgsqlConnection? _connection;
    private string? _shard;
    private string? _database;

    internal async ValueTask<NpgsqlConnection> ToDatabaseAsync(string shard, string database, CancellationToken cancellationToken)
    {
        if (_connection is { State: System.Data.ConnectionState.Open } && _shard == shard && _database == database)
        {
            return _connection;
        }

        await DisposeAsync().ConfigureAwait(false);
        _connection = await router.OpenAsync(router.ShardPlacement(shard, database), setTenant: false, migrate: false, async: true, cancellationToken).ConfigureAwait(false);
        (_shard, _database) = (shard, database);
        return _connection;
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
            _connection = null;
        }
    }
}
