using Npgsql;

namespace Tenancy.Npgsql;

/// <summary>
/// An online move's verification, done mostly before the write fence so the fence does not grow with the tenant.
/// <para>
/// Before the fence, while replication keeps the target in step, every table is compared range by range
/// (<see cref="PostgresKeyRanges"/>): for each table a REPEATABLE READ transaction on the target takes its snapshot
/// <c>t</c> first, then one on the source takes its snapshot <c>q</c>, and both servers hash every range in parallel. The
/// target carries change marks (<see cref="PostgresMoveMarks"/>), installed before any such snapshot. A range is
/// <em>dirty</em> when its two hashes differed, or when a transaction that its snapshot <c>t</c> does not see changed it
/// on the target (or truncated the table); dirty ranges are compared again (up to <see cref="Passes"/> times in all), and those still dirty at the
/// fence are hashed again under the fence, after the final catch-up, on both sides. Row counts are part of each range's
/// comparison; sequences are set and compared under the fence as before.
/// </para>
/// <para>
/// Why a range <c>R</c> left clean is equal at the switch. Let <c>F</c> be the state under the fence after the catch-up:
/// the source is locked, and every source transaction committed before the fence has been applied on the target (the
/// beacon; replication applies in commit order, and an apply that fails stops the move). <c>R</c> is clean: its hashes at
/// <c>q</c> and <c>t</c> were equal (same rows, md5 collisions aside), and no mark of <c>R</c> comes from a transaction
/// <c>t</c> does not see.
/// (1) target<sub>R</sub>(F) = target<sub>R</sub>(t): every insert, update or delete of a target row after the marks were
/// installed fires the ALWAYS row trigger in its own transaction, whoever writes (the apply worker or anyone else), and
/// writers that began before the triggers existed had to commit before <c>CREATE TRIGGER</c> got its lock, hence before
/// <c>t</c>. So a change of <c>R</c> invisible to <c>t</c> leaves a mark invisible to <c>t</c>; there is none. A TRUNCATE
/// fires no row trigger, but gives the table a new file number: the one <c>t</c> sees is kept with the range, and a table
/// whose number changed since is dirty in every range.
/// (2) target<sub>R</sub>(t) = source<sub>R</sub>(q): the hashes.
/// (3) source<sub>R</sub>(F) = source<sub>R</sub>(q): take a source transaction <c>C</c>, invisible to <c>q</c>, that changed
/// a row of <c>R</c>. It committed after <c>q</c> was taken, so it was applied after that — after <c>t</c>, which was taken
/// before <c>q</c> — by a target transaction <c>t</c> does not see. An applied INSERT fires the trigger (or fails on a
/// duplicate key, which stops replication and the move); an applied UPDATE or DELETE of key <c>k</c> fires it when the
/// target has <c>k</c>, and it has: either <c>k</c> was in source<sub>R</sub>(q), hence in target<sub>R</sub>(t), and only
/// a marked change could have removed it since; or <c>k</c> was written by an earlier such transaction, applied earlier,
/// and marked (by induction in commit order). Either way <c>R</c> would carry a mark invisible to <c>t</c>; it does not, so
/// no such <c>C</c> exists.
/// Hence source<sub>R</sub>(F) = source<sub>R</sub>(q) = target<sub>R</sub>(t) = target<sub>R</sub>(F). Every row lies in
/// exactly one range (the ranges cover the key's whole domain; a keyless table is one range), so the tables are equal.
/// What this trusts: the marks' triggers stay enabled (only a superuser can disable them), the key's sort order is the same on
/// both servers (a text key is used only when both databases' collations match), and PostgreSQL applies the
/// published changes it receives.
/// </para>
/// </summary>
internal sealed class PostgresRangeVerification(string tenant, string sourceSchema, string targetSchema)
{
    /// <summary>How many times the ranges are compared before the fence at most (the first pass compares all of them).</summary>
    internal const int Passes = 3;

    private const string SessionSettings =
        "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; " +
        "SET LOCAL extra_float_digits = 1; SET LOCAL bytea_output = 'hex'";

    private readonly Dictionary<string, TableState> _tables = new(StringComparer.Ordinal);
    private bool _sortsAlike;

    /// <summary>Plans every table's ranges on the source and installs the change marks on the target.</summary>
    internal async Task PrepareAsync(NpgsqlConnection sourceAdmin, NpgsqlConnection targetAdmin, IReadOnlyList<PostgresTableCopy.Table> tables, CancellationToken cancellationToken)
    {
        _sortsAlike = await PostgresKeyRanges.SortAlikeAsync(sourceAdmin, null, targetAdmin, null, cancellationToken).ConfigureAwait(false);
        foreach (var table in tables)
        {
            var ranges = await PostgresKeyRanges.PlanAsync(sourceAdmin, null, sourceSchema, table.Name, table.Columns, "", _sortsAlike, cancellationToken).ConfigureAwait(false);
            _tables[table.Name] = new TableState(ranges);
        }

        await PostgresMoveMarks.InstallAsync(targetAdmin, targetSchema, [.. _tables.Values.Select(t => t.Ranges)], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Before the fence: compares every range, then the dirty ones again, up to <see cref="Passes"/> passes or until none is
    /// dirty. Returns how many ranges are still dirty (to be compared under the fence).
    /// </summary>
    internal async Task<int> CompareAsync(NpgsqlConnection sourceAdmin, NpgsqlConnection targetAdmin, Action<string>? table, CancellationToken cancellationToken)
    {
        var dirty = 0;
        for (var pass = 0; pass < Passes; pass++)
        {
            dirty = 0;
            foreach (var (name, state) in _tables)
            {
                var ranges = pass == 0 ? null : await DirtyAsync(targetAdmin, name, state, cancellationToken).ConfigureAwait(false);
                if (ranges is { Count: 0 })
                {
                    continue;
                }

                table?.Invoke(name);
                await CompareOnceAsync(sourceAdmin, targetAdmin, name, state, ranges, cancellationToken).ConfigureAwait(false);
                await PostgresMoveMarks.ForgetSeenAsync(targetAdmin, targetSchema, name, [.. state.Seen.Values.Select(s => s.Snapshot).Distinct(StringComparer.Ordinal)], cancellationToken).ConfigureAwait(false);
                dirty += (await DirtyAsync(targetAdmin, name, state, cancellationToken).ConfigureAwait(false)).Count;
            }

            if (dirty == 0)
            {
                break;
            }
        }

        return dirty;
    }

    /// <summary>
    /// Under the fence, after the final catch-up: compares the dirty ranges of every table on both sides (in parallel) and
    /// returns each table's rows and hashes; a table the plan lacks is compared whole. Throws, naming the table and the range,
    /// when a range differs.
    /// </summary>
    /// <exception cref="TenantMoveVerificationException">A range differs.</exception>
    internal async Task<List<TenantMoveTable>> VerifyUnderFenceAsync(NpgsqlConnection source, NpgsqlTransaction fence, NpgsqlConnection target, NpgsqlTransaction copy,
        NpgsqlConnection targetAdmin, IReadOnlyList<PostgresTableCopy.Table> tables, Func<string, long> bytes, Action<string>? table, CancellationToken cancellationToken)
    {
        var result = new List<TenantMoveTable>();
        foreach (var t in tables)
        {
            table?.Invoke(t.Name);
            HashSet<int> dirty;
            if (!_tables.TryGetValue(t.Name, out var state))
            {
                state = _tables[t.Name] = new TableState(await PostgresKeyRanges.PlanAsync(source, fence, sourceSchema, t.Name, t.Columns, "", _sortsAlike, cancellationToken).ConfigureAwait(false));
                dirty = [.. Enumerable.Range(0, state.Ranges.Count)];
            }
            else
            {
                dirty = await DirtyAsync(targetAdmin, t.Name, state, cancellationToken).ConfigureAwait(false);
            }

            if (dirty.Count > 0)
            {
                var sourceTask = state.Ranges.HashAsync(source, fence, sourceSchema, "", dirty.Count == state.Ranges.Count ? null : dirty, cancellationToken);
                var targetTask = state.Ranges.HashAsync(target, copy, targetSchema, "", dirty.Count == state.Ranges.Count ? null : dirty, cancellationToken);
                await Task.WhenAll(sourceTask, targetTask).ConfigureAwait(false);
                state.Update(dirty, await sourceTask.ConfigureAwait(false), await targetTask.ConfigureAwait(false), seen: null);
                if (dirty.Any(state.Unequal))
                {
                    throw state.Ranges.Mismatch(tenant, state.Source, state.Target, note: null);
                }
            }

            var (sourceHash, targetHash) = (state.Ranges.TableHash(state.Source), state.Ranges.TableHash(state.Target));
            result.Add(new TenantMoveTable(t.Name, state.Source.Values.Sum(r => r.Rows), bytes(t.Name), sourceHash, targetHash) { Ranges = state.Ranges.Count, RangesInFence = dirty.Count });
        }

        return result;
    }

    /// <summary>One comparison of a table's ranges (all, or those named): target snapshot first, then the source's, hashed in parallel.</summary>
    private async Task CompareOnceAsync(NpgsqlConnection sourceAdmin, NpgsqlConnection targetAdmin, string name, TableState state, IReadOnlyCollection<int>? ranges, CancellationToken cancellationToken)
    {
        await using var onTarget = await targetAdmin.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(targetAdmin, onTarget, SessionSettings, cancellationToken).ConfigureAwait(false);
        string snapshot;
        long filenode;
        await using (var pin = new NpgsqlCommand($"SELECT pg_current_snapshot()::text, {PostgresMoveMarks.FilenodeSql(targetSchema, name)}", targetAdmin, onTarget))
        {
            await using var reader = await pin.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            (snapshot, filenode) = (reader.GetString(0), reader.GetInt64(1));
        }

        // The source's snapshot is taken after the target's (its first query): see the class's argument, step (3).
        await using var onSource = await sourceAdmin.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(sourceAdmin, onSource, SessionSettings + "; SELECT 1", cancellationToken).ConfigureAwait(false);

        var sourceTask = state.Ranges.HashAsync(sourceAdmin, onSource, sourceSchema, "", ranges, cancellationToken);
        var targetTask = state.Ranges.HashAsync(targetAdmin, onTarget, targetSchema, "", ranges, cancellationToken);
        await Task.WhenAll(sourceTask, targetTask).ConfigureAwait(false);
        state.Update(ranges ?? [.. Enumerable.Range(0, state.Ranges.Count)], await sourceTask.ConfigureAwait(false), await targetTask.ConfigureAwait(false), (snapshot, filenode));
        await onSource.CommitAsync(cancellationToken).ConfigureAwait(false);
        await onTarget.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A table's dirty ranges: those whose hashes differed, and those changed on the target since their snapshot.</summary>
    private async Task<HashSet<int>> DirtyAsync(NpgsqlConnection targetAdmin, string name, TableState state, CancellationToken cancellationToken)
    {
        var dirty = new HashSet<int>(Enumerable.Range(0, state.Ranges.Count).Where(state.Unequal));
        long filenode;
        await using (var read = new NpgsqlCommand("SELECT " + PostgresMoveMarks.FilenodeSql(targetSchema, name), targetAdmin))
        {
            filenode = (long)(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        foreach (var group in state.Seen.GroupBy(s => s.Value.Snapshot, StringComparer.Ordinal))
        {
            var changed = await PostgresMoveMarks.ChangedSinceAsync(targetAdmin, targetSchema, name, group.Key, cancellationToken).ConfigureAwait(false);
            dirty.UnionWith(group.Where(r => r.Value.Filenode != filenode || changed.Contains(r.Key)).Select(r => r.Key));
        }

        return dirty;
    }

    /// <summary>One table's ranges and, per range, the last comparison's hashes and the target snapshot it was taken at.</summary>
    private sealed class TableState(PostgresKeyRanges ranges)
    {
        public PostgresKeyRanges Ranges { get; } = ranges;

        public Dictionary<int, (long Rows, string Hash)> Source { get; } = [];

        public Dictionary<int, (long Rows, string Hash)> Target { get; } = [];

        /// <summary>Per range, the target snapshot of its last comparison before the fence, and the table's file number in it.</summary>
        public Dictionary<int, (string Snapshot, long Filenode)> Seen { get; } = [];

        public bool Unequal(int range) => Source.GetValueOrDefault(range) != Target.GetValueOrDefault(range);

        public void Update(IEnumerable<int> ranges, Dictionary<int, (long Rows, string Hash)> source, Dictionary<int, (long Rows, string Hash)> target, (string, long)? seen)
        {
            foreach (var r in ranges)
            {
                Set(Source, r, source);
                Set(Target, r, target);
                if (seen is { } s)
                {
                    Seen[r] = s;
                }
            }

            static void Set(Dictionary<int, (long, string)> into, int range, Dictionary<int, (long, string)> from)
            {
                if (from.TryGetValue(range, out var value))
                {
                    into[range] = value;
                }
                else
                {
                    into.Remove(range); // no rows in that range now
                }
            }
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
