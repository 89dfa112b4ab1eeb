using System.Diagnostics;

namespace Tenancy.Npgsql.Tests;

/// <summary>The child test process (TenantContext.Npgsql.Tests.Child), driven through its stdin and stdout.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process) => _process = process;

    public static ChildProcess Start(params string[] args)
    {
        var dotnet = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        var info = new ProcessStartInfo(dotnet)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "TenantContext.Npgsql.Tests.Child.dll"));
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        return new ChildProcess(Process.Start(info)!);
    }

    public void Go() => _process.StandardInput.WriteLine("go");

    /// <summary>Kills the process (SIGKILL) and waits for it to be gone.</summary>
    public async Task KillAsync(TimeSpan timeout)
    {
        _process.Kill(entireProcessTree: true);
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
    }

    /// <summary>Every stdout line until the process exits.</summary>
    public async Task<List<string>> ReadToEndAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var lines = new List<string>();
        while (await _process.StandardOutput.ReadLineAsync(cts.Token) is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    /// <summary>The first stdout line starting with <paramref name="prefix"/>; fails with the child's stderr when it exits first.</summary>
    public async Task<string> WaitForLineAsync(string prefix, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var line = await _process.StandardOutput.ReadLineAsync(cts.Token);
            if (line is null)
            {
                Assert.Fail($"The child exited before printing '{prefix}': {await _process.StandardError.ReadToEndAsync(cts.Token)}");
            }

            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line;
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
