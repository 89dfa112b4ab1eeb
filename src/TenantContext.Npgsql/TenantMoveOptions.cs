namespace Tenancy.Npgsql;

/// <summary>How <see cref="PostgresTenantCatalog.MoveAsync"/> moves a tenant.</summary>
public sealed class TenantMoveOptions
{
    /// <summary>
    /// Report what would move (tables, rows, bytes, the mode) and change nothing: no mark, no target, no fence. Leftovers of an
    /// interrupted earlier move are reported (<see cref="TenantMoveReport.Leftover"/>), not swept.
    /// </summary>
    public bool DryRun { get; set; }

    /// <summary>
    /// Keep the old copy after the switch instead of dropping it: a schema is renamed to
    /// <c>tenancy_moved_{key}_{epoch}</c> in its database; a database tenant's database is renamed to that name on its server.
    /// Nothing routes to it any more; drop it yourself once you no longer want it. False by default (dropped once verified
    /// and switched). Not for a rows tenant (its rows share tables with other tenants and are deleted from them).
    /// </summary>
    public bool KeepSource { get; set; }

    /// <summary>
    /// How long the write fence waits for the tenant's in-flight writes to finish before it holds (PostgreSQL's
    /// <c>lock_timeout</c> on the fence's locks), 5 seconds by default. When they do not finish in time, the move stops and
    /// rolls back with nothing changed; retry it at a quieter moment or with a longer wait.
    /// </summary>
    public TimeSpan FenceLockTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How to copy: null (the default) moves <see cref="TenantMoveMode.Online"/> when both servers allow it and
    /// <see cref="TenantMoveMode.Offline"/> otherwise (<see cref="TenantMoveReport.ModeReason"/> says why);
    /// <see cref="TenantMoveMode.Online"/> refuses with the reason instead of falling back.
    /// </summary>
    public TenantMoveMode? Mode { get; set; }

    /// <summary>How long an online move's initial copy may take before the move gives up and rolls back (1 hour by default).</summary>
    public TimeSpan CopyTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long an online move waits under the fence for the target to apply the source's last changes (30 seconds by
    /// default); past it the move rolls back and the tenant's writes resume on the source.
    /// </summary>
    public TimeSpan CatchUpTimeout { get; set; } = TimeSpan.FromSeconds(30);

    internal void Validate()
    {
        if (Mode is { } mode && !Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(Mode), mode, "Use TenantMoveMode.Online or Offline, or null to choose online when possible.");
        }

        if (CopyTimeout <= TimeSpan.Zero || CatchUpTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(CopyTimeout), "CopyTimeout and CatchUpTimeout must be positive.");
        }

        if (FenceLockTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(FenceLockTimeout), FenceLockTimeout, "Give the write fence a positive wait, e.g. TimeSpan.FromSeconds(5).");
        }
    }
}
