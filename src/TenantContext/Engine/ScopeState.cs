using System.Diagnostics;

namespace Tenancy;

/// <summary>
/// A scope's optional parts, decided when it is entered and allocated only when one is needed: its overrides, the
/// per-scope resources it owns, the <see cref="Activity"/> tag it must restore. <see cref="Released"/> marks a scope
/// that has ended.
/// </summary>
internal sealed class ScopeState
{
    /// <summary>The state of every scope that has ended.</summary>
    internal static readonly ScopeState Released = new(null, ownsPerScope: false, marksEnd: true);

    /// <summary>Replacement resources by slot, or null.</summary>
    internal readonly object?[]? Overrides;

    /// <summary>
    /// Whether this scope holds the per-scope resources of the scopes nested in it: true for the outermost scope of a
    /// tenant and for any scope that brings overrides of its own (what it creates is built from them, and must not be
    /// cached where the overrides do not apply).
    /// </summary>
    internal readonly bool OwnsPerScope;

    /// <summary>Reads go straight to the tenant's cached resources (no overrides, not ended).</summary>
    internal readonly bool ReadsThrough;

    internal object?[]? PerScope;
    internal bool IsReleased;

    /// <summary>The activity whose tenant tag this scope changed from another tenant's, and that tenant, to restore at the end.</summary>
    internal Activity? RelabelledActivity;
    internal object? PreviousTenantTag;

    internal ScopeState(object?[]? overrides, bool ownsPerScope, bool marksEnd = false)
    {
        Overrides = overrides;
        OwnsPerScope = ownsPerScope;
        ReadsThrough = overrides is null && !marksEnd;
    }

    internal object? GetOverride(int slot)
        => Overrides is { } o && (uint)slot < (uint)o.Length ? o[slot] : null;

    /// <summary>Ends the scope's state: restores the activity tag, returns the per-scope resources to dispose (once).</summary>
    internal object?[]? End(string slug)
    {
        if (RelabelledActivity is { } activity && Equals(activity.GetTagItem(TenantMetrics.TenantTag), slug))
        {
            activity.SetTag(TenantMetrics.TenantTag, PreviousTenantTag);
        }

        lock (this)
        {
            if (IsReleased)
            {
                return null;
            }

            IsReleased = true;
            var perScope = PerScope;
            PerScope = null;
            return perScope;
        }
    }
}
