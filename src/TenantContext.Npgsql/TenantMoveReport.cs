namespace Tenancy.Npgsql;

/// <summary>The steps of a tenant move, in order. <see cref="PostgresTenantCatalog.MoveAsync"/> reports each as it starts.</summary>
public enum TenantMovePhase
{
    /// <summary>Reading the tenant's placement, sweeping an interrupted earlier attempt, sizing the tables.</summary>
    Planning,

    /// <summary>Recording the move in the catalog and marking the tenant as moving (routers then read the catalog on every open).</summary>
    Marking,

    /// <summary>Making the target schema or database and migrating it to the source's version (its tables are then emptied: the data is the source's).</summary>
    BuildingTarget,

    /// <summary>Waiting until every router reads the catalog on every open (<see cref="PostgresTenantOptions.CatalogStaleness"/> after the mark).</summary>
    WaitingForRouters,

    /// <summary>Taking the write fence: the source's tables locked against writes (reads go on).</summary>
    Fencing,

    /// <summary>
    /// Copying the tables: offline, by binary COPY under the fence; online, by the target's subscription at the slot's
    /// snapshot while the tenant serves (this phase then runs before <see cref="WaitingForRouters"/>).
    /// </summary>
    Copying,

    /// <summary>
    /// Online only, before the fence, while replication keeps the target in step: every table compared per key range on
    /// both servers; ranges that differ or that changed on the target since their comparison are compared again, and those
    /// still dirty at the fence are compared under it (<see cref="Verifying"/>). Runs after <see cref="Copying"/>.
    /// </summary>
    PreVerifying,

    /// <summary>Online only, under the fence: waiting until the target has applied the source's last changes.</summary>
    CatchingUp,

    /// <summary>
    /// Comparing source and target under the fence: every table's row count and ordered hash (a difference is located to its
    /// key range), and the sequences. Online, only the key ranges left dirty by <see cref="PreVerifying"/> are compared here.
    /// </summary>
    Verifying,

    /// <summary>Switching the catalog to the target (epoch + 1) and renaming the old schema away, then lifting the fence.</summary>
    Switching,

    /// <summary>The catalog now routes to the target; the old copy is still there.</summary>
    Switched,

    /// <summary>Dropping the old copy (or renaming it to its kept name, with <see cref="TenantMoveOptions.KeepSource"/>).</summary>
    RemovingSource,

    /// <summary>The move is finished.</summary>
    Done,
}

/// <summary>How a move copies the data.</summary>
public enum TenantMoveMode
{
    /// <summary>
    /// Write fence, copy at that point, verify, switch: the tenant's reads go on throughout, its writes wait for the whole
    /// copy and verification (the fence duration grows with the tenant's size, by design: nothing keeps a copy made before
    /// the fence in step).
    /// </summary>
    Offline,

    /// <summary>
    /// PostgreSQL logical replication: a publication and a slot on the source, a subscription on the target that copies
    /// the tables at the slot's snapshot and then applies every change while the tenant serves, and the tables are compared
    /// per key range meanwhile; the fence only covers the last catch-up, the comparison of the key ranges changed since
    /// (<see cref="TenantMovePhase.PreVerifying"/>), the sequences and the switch. Needs <c>wal_level = logical</c> on the source's server, a
    /// superuser login on the target's, a replica identity on every table, the same schema name on both sides (no change
    /// of isolation), and the target's server able to connect to the source's with the shard's connection string.
    /// </summary>
    Online,
}

/// <summary>A move's progress: the phase that starts, and for <see cref="TenantMovePhase.Copying"/> the table being copied.</summary>
/// <param name="Tenant">The tenant being moved.</param>
/// <param name="Phase">The phase that starts.</param>
/// <param name="Table">The table being copied or verified, if any.</param>
/// <param name="BytesCopied">Bytes copied so far.</param>
public sealed record TenantMoveProgress(string Tenant, TenantMovePhase Phase, string? Table, long BytesCopied);

/// <summary>One phase of a move and how long it took.</summary>
/// <param name="Phase">The phase.</param>
/// <param name="Duration">Its wall-clock time.</param>
public sealed record TenantMovePhaseTime(TenantMovePhase Phase, TimeSpan Duration);

/// <summary>One table of a move: what was copied and how both sides compared.</summary>
/// <param name="Table">The table's name (in the tenant's schema).</param>
/// <param name="Rows">Rows in the source (at the fence).</param>
/// <param name="Bytes">Bytes copied (the binary COPY stream) offline; online and for a dry run, the source table's size on disk with indexes.</param>
/// <param name="SourceHash">
/// The source's hash: md5 over the rows' md5 in text order, or online md5 over its key ranges' such hashes (with their
/// numbers and row counts); null in a dry run.
/// </param>
/// <param name="TargetHash">The target's ordered hash; null in a dry run.</param>
public sealed record TenantMoveTable(string Table, long Rows, long Bytes, string? SourceHash, string? TargetHash)
{
    /// <summary>How many key ranges the table was compared in (1 for a whole-table comparison; 0 in a dry run).</summary>
    public int Ranges { get; init; }

    /// <summary>How many of them were compared under the write fence (all of them offline; online, those left dirty before it).</summary>
    public int RangesInFence { get; init; }

    /// <summary>Whether both sides have the same rows (hashes equal).</summary>
    public bool Verified => SourceHash is not null && SourceHash == TargetHash;
}

/// <summary>One sequence of a move: its value on both sides.</summary>
/// <param name="Sequence">The sequence's name.</param>
/// <param name="SourceValue">Its last value in the source (null when never used).</param>
/// <param name="TargetValue">Its last value in the target after the copy.</param>
public sealed record TenantMoveSequence(string Sequence, long? SourceValue, long? TargetValue);

/// <summary>
/// What <see cref="PostgresTenantCatalog.MoveAsync"/> did (or, for a dry run, would do): from where to where, the mode,
/// each phase's time, every table's rows, bytes and hashes, the sequences, and the write fence's duration.
/// <see cref="ToString"/> is the one-line summary.
/// </summary>
public sealed record TenantMoveReport
{
    /// <summary>The tenant.</summary>
    public required string Tenant { get; init; }

    /// <summary>Where it was (shard, isolation, schema or database).</summary>
    public required string From { get; init; }

    /// <summary>Where it is now (or would be, for a dry run).</summary>
    public required string To { get; init; }

    /// <summary>How the data was (or would be) copied.</summary>
    public TenantMoveMode Mode { get; init; }

    /// <summary>Why an automatic choice fell back to <see cref="TenantMoveMode.Offline"/>, or null.</summary>
    public string? ModeReason { get; init; }

    /// <summary>Whether this was a dry run (nothing changed).</summary>
    public bool DryRun { get; init; }

    /// <summary>The placement's epoch after the move (unchanged for a dry run).</summary>
    public long Epoch { get; init; }

    /// <summary>Each phase that ran, with its time.</summary>
    public IReadOnlyList<TenantMovePhaseTime> Phases { get; init; } = [];

    /// <summary>Every table copied (the migration history table excluded: the target has its own, at the same version).</summary>
    public IReadOnlyList<TenantMoveTable> Tables { get; init; } = [];

    /// <summary>Every sequence set on the target.</summary>
    public IReadOnlyList<TenantMoveSequence> Sequences { get; init; } = [];

    /// <summary>Rows copied over all tables.</summary>
    public long RowsCopied => Tables.Sum(t => t.Rows);

    /// <summary>Bytes copied over all tables (for a dry run, their size on disk).</summary>
    public long BytesCopied => Tables.Sum(t => t.Bytes);

    /// <summary>How long the tenant's writes were held (from the fence's locks to the switch's commit); zero for a dry run.</summary>
    public TimeSpan FenceDuration { get; init; }

    /// <summary>The kept old copy's name (<see cref="TenantMoveOptions.KeepSource"/>), or null when it was dropped.</summary>
    public string? KeptSource { get; init; }

    /// <summary>
    /// What was found of an interrupted earlier move and what was done with it ("rolled back …", "finished …"), or null when
    /// there was none. A dry run only reports it.
    /// </summary>
    public string? Leftover { get; init; }

    /// <summary>The whole move's wall-clock time.</summary>
    public TimeSpan Duration => Phases.Aggregate(TimeSpan.Zero, (sum, p) => sum + p.Duration);

    /// <summary>One line: tenant, from → to, mode, tables, rows, bytes, fence, total time, verified.</summary>
    public override string ToString()
    {
        var head = FormattableString.Invariant(
            $"{(DryRun ? "dry run: would move" : "moved")} '{Tenant}' from {From} to {To} ({Mode.ToString().ToLowerInvariant()}): {Tables.Count} tables, {RowsCopied} rows, {BytesCopied} bytes");
        var fence = DryRun ? "" : FormattableString.Invariant($", fence {FenceDuration.TotalMilliseconds:0} ms, {Duration.TotalMilliseconds:0} ms in all, verified");
        return head + fence + (KeptSource is null ? "" : $", old copy kept as {KeptSource}") + (ModeReason is null ? "" : $" (offline because {ModeReason})");
    }
}
