using System.Runtime.InteropServices;
using Perfolizer.Horology;

namespace Tenancy.Benchmarks;

/// <summary>
/// A BenchmarkDotNet clock that reads the benchmark thread's CPU time (<c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>)
/// instead of the wall clock. On a machine shared with other builds a wall clock mostly measures the scheduler; CPU
/// time measures the code. Used with <c>--cpu-clock</c> (in-process runs, Linux only).
/// </summary>
internal sealed class ThreadCpuClock : IClock
{
    private const int ClockThreadCpuTimeId = 3;

    internal static readonly ThreadCpuClock Instance = new();

    public string Title => "Thread CPU time";

    public bool IsAvailable => OperatingSystem.IsLinux();

    public Frequency Frequency => Frequency.GHz;

    public long GetTimestamp()
    {
        if (clock_gettime(ClockThreadCpuTimeId, out var time) != 0)
        {
            throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed: --cpu-clock needs Linux.");
        }

        return (time.Seconds * 1_000_000_000L) + time.Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int clock_gettime(int clockId, out TimeSpec time);
}
