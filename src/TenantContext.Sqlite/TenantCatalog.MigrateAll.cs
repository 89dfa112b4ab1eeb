using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Tenancy.Sqlite;

/// <summary>Schema changes applied to every catalogued tenant.</summary>
public sealed partial class TenantCatalog
{
    /// <summary>
    /// The workers of <see cref="MigrateAllAsync"/> when none are asked for: eight per processor, at most 64. A tenant's step
    /// costs about 1.2 ms of CPU and then waits for one fsync (its new write-ahead log's header), and this machine class
    /// completes concurrent fsyncs together: 2,000 tenants on 2 cores took 7–9 s with 2 workers, 3.2–4.4 s with 4, 2.8–4.3 s
    /// with 8, 2.6–3.1 s with 16 and 2.5–3.4 s with 32 (load average 16–23; README, "MigrateAllAsync"). More workers than
    /// that only add threads and connections.
    /// </summary>
    internal static int DefaultParallelism => Math.Min(8 * Environment.ProcessorCount, 64);

    /// <summary>
    /// Brings every catalogued tenant (active and archived) to the latest version, <paramref name="parallelism"/> tenants at a time
    /// on thread-pool threads (SQLite has no asynchronous I/O). A failing tenant is reported and the run goes on; each step is its
    /// own transaction, so a re-run after a failure or an interruption (even a killed process) resumes where each tenant stopped
    /// and never applies a step twice. A catalogued tenant whose file is missing is reported as failed, never recreated empty.
    /// </summary>
    /// <param name="parallelism">
    /// Tenants migrated at once; 0 (the default) for eight per processor, at most 64: a tenant's first commit waits for one
    /// fsync (SQLite flushes a new write-ahead log's header), and the other workers' steps and fsyncs overlap that wait.
    /// </param>
    /// <param name="dryRun">Only read each tenant's version and report what would be done.</param>
    /// <param name="progress">Receives a report after each tenant (called from worker threads).</param>
    /// <param name="cancellationToken">Stops starting new tenants and new steps; a step that started finishes, and finished steps stay.</param>
    /// <returns>One result per tenant, in slug order.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled (tenants done so far keep their steps).</exception>
    public async Task<TenantMigrationReport> MigrateAllAsync(int parallelism = 0, bool dryRun = false, IProgress<TenantMigrationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(parallelism);
        var started = Stopwatch.GetTimestamp();
        var tenants = await ListAsync(includeArchived: true, cancellationToken).ConfigureAwait(false);
        var results = new TenantMigrationResult[tenants.Count];
        int completed = 0;
        int failed = 0;
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = parallelism == 0 ? DefaultParallelism : parallelism,
            CancellationToken = cancellationToken,
        };
        await Parallel.ForAsync(0, tenants.Count, options, (index, token) =>
        {
            var slug = tenants[index].Slug;
            var begin = Stopwatch.GetTimestamp();
            TenantMigrationResult result;
            try
            {
                // Straight to the file (no router state for 10,000 tenants); the change counter tells open routers.
                var (from, to) = SqliteMigrator.Migrate(_router, slug, _router.GetDatabasePath(slug), allowCreate: false, dryRun, token);
                result = new TenantMigrationResult(slug, from, to, Stopwatch.GetElapsedTime(begin), null);
            }
            catch (Exception ex) when (ex is TenantDatabaseException or SqliteException or IOException or UnauthorizedAccessException)
            {
                int version = ex is TenantMigrationException migration ? migration.PreviousVersion : -1;
                result = new TenantMigrationResult(slug, version, version, Stopwatch.GetElapsedTime(begin), ex);
                Interlocked.Increment(ref failed);
            }

            results[index] = result;
            int done = Interlocked.Increment(ref completed);
            progress?.Report(new TenantMigrationProgress(done, tenants.Count, Volatile.Read(ref failed), result));
            return ValueTask.CompletedTask;
        }).ConfigureAwait(false);

        return new TenantMigrationReport(dryRun, _router.LatestVersion, results, Stopwatch.GetElapsedTime(started));
    }
}
