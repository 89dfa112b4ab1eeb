using System.Diagnostics;

namespace Tenancy;

/// <summary>
/// Whether any <see cref="Activity"/> has been current in this process since tenant scopes were first used, so that
/// <c>Enter</c> reads <see cref="Activity.Current"/> (an AsyncLocal read) only in processes that trace. It listens to
/// <see cref="Activity.CurrentChanged"/> until the first activity shows up, then stops listening.
/// </summary>
internal static class ActivityWatch
{
    internal static bool Seen;

    private static readonly EventHandler<ActivityChangedEventArgs> s_handler = static (_, _) => Saw();

    static ActivityWatch()
    {
        Activity.CurrentChanged += s_handler;
        if (Activity.Current is not null)
        {
            Saw();
        }
    }

    /// <summary>Starts watching (idempotent); called when a configuration is built, before the first scope.</summary>
    internal static void Start() => _ = Volatile.Read(ref Seen);

    private static void Saw()
    {
        if (!Seen)
        {
            Volatile.Write(ref Seen, true);
            Activity.CurrentChanged -= s_handler;
        }
    }
}
