using System.Globalization;
using Spectre.Console;

namespace Tenancy.Cli.Output;

/// <summary>
/// A live progress bar with ETA and a running failure count for work over many tenants — drawn only when a terminal
/// sees it (<see cref="ConsoleOutput.ProgressConsole"/>); otherwise the work simply runs.
/// </summary>
internal static class ProgressDisplay
{
    /// <param name="output">Where the bar is drawn (if anywhere).</param>
    /// <param name="label">What runs ("migrate", "move acme").</param>
    /// <param name="total">The units of work (tenants; a move's phases).</param>
    /// <param name="work">The work, reporting to the tracker.</param>
    /// <param name="countsFailures">Whether the units can fail one by one (tenants) and the line shows how many did; false for one piece of work in steps (a move's phases), which fails as a whole.</param>
    public static async Task<T> RunAsync<T>(ConsoleOutput output, string label, int total, Func<ProgressTracker, Task<T>> work, bool countsFailures = true)
    {
        var tracker = new ProgressTracker(label, total, countsFailures);
        if (output.ProgressConsole is not { } console || total == 0)
        {
            return await work(tracker).ConfigureAwait(false);
        }

        return await console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(
                new TaskDescriptionColumn { Alignment = Justify.Left },
                new ProgressBarColumn(),
                new PercentageColumn(),
                new RemainingTimeColumn(),
                new SpinnerColumn())
            .StartAsync(async context =>
            {
                tracker.Attach(context.AddTask(tracker.Describe(), maxValue: total));
                try
                {
                    return await work(tracker).ConfigureAwait(false);
                }
                finally
                {
                    tracker.Stop();
                }
            }).ConfigureAwait(false);
    }
}

/// <summary>Counts finished and failed tenants (thread-safe) and keeps the bar, if any, in step.</summary>
internal sealed class ProgressTracker
{
    private readonly string _label;
    private readonly bool _countsFailures;
    private readonly object _gate = new();
    private ProgressTask? _task;
    private int _total;
    private string? _detail;

    public ProgressTracker(string label, int total, bool countsFailures = true)
    {
        _label = label;
        _total = total;
        _countsFailures = countsFailures;
    }

    public int Completed { get; private set; }

    public int Failed { get; private set; }

    /// <summary>Records one finished tenant.</summary>
    public void Report(bool failed) => Set(Completed + 1, Failed + (failed ? 1 : 0));

    /// <summary>Records absolute counts (from a library's own progress reports), and optionally a detail shown after them (per-shard counts).</summary>
    public void Set(int completed, int failed, int? total = null, string? detail = null)
    {
        lock (_gate)
        {
            _detail = detail ?? _detail;
            Completed = Math.Max(Completed, completed);
            Failed = Math.Max(Failed, failed);
            if (total is { } t)
            {
                _total = t;
            }

            if (_task is not null)
            {
                _task.MaxValue = Math.Max(_total, 1);
                _task.Value = Completed;
                _task.Description = Describe();
            }
        }
    }

    internal void Attach(ProgressTask task)
    {
        lock (_gate)
        {
            _task = task;
        }
    }

    internal void Stop()
    {
        lock (_gate)
        {
            if (_task is not null)
            {
                _task.Description = Describe();
                _task.StopTask();
            }
        }
    }

    internal string Describe()
    {
        string failed = string.Create(CultureInfo.InvariantCulture, $"{Failed} failed");
        return string.Create(CultureInfo.InvariantCulture, $"{Markup.Escape(_label)} {Completed}/{_total}")
            + (!_countsFailures ? "" : " · " + (Failed > 0 ? $"[red]{failed}[/]" : failed))
            + (_detail is null ? "" : " · " + Markup.Escape(_detail));
    }
}
