using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Tenancy.Sqlite.Tests.Child;

namespace Tenancy.Sqlite.Tests;

/// <summary>A fresh folder per test, removed afterwards.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tc-sqlite-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // a child process killed by a test may still be releasing files; the OS temp folder is cleaned eventually
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

internal static class Db
{
    public static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public static long Long(SqliteConnection connection, string sql) => Convert.ToInt64(Scalar(connection, sql));

    public static void Exec(SqliteConnection connection, string sql) => ChildSchemas.Exec(connection, null, sql);

    /// <summary>Opens a file directly (no router), unpooled so it does not keep the file open.</summary>
    public static SqliteConnection OpenFile(string path, SqliteOpenMode mode = SqliteOpenMode.ReadWrite)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    public static long FileLong(string path, string sql)
    {
        using var connection = OpenFile(path, SqliteOpenMode.ReadOnly);
        return Long(connection, sql);
    }

    public static object? FileScalar(string path, string sql)
    {
        using var connection = OpenFile(path, SqliteOpenMode.ReadOnly);
        return Scalar(connection, sql);
    }

    public static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>Options for a router that creates any tenant on first use (most tests are about files, not admission).</summary>
    public static SqliteTenantOptions Options(string dataRoot, Action<SqliteTenantOptions>? configure = null)
    {
        var options = new SqliteTenantOptions { DataRoot = dataRoot, CreateAnyTenantOnFirstUse = true };
        configure?.Invoke(options);
        return options;
    }
}

/// <summary>Runs the child process (tests/TenantContext.Sqlite.Tests.Child) with <c>dotnet</c>.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process) => _process = process;

    public static string DllPath => System.IO.Path.Combine(AppContext.BaseDirectory, "TenantContext.Sqlite.Tests.Child.dll");

    public static ChildProcess Start(params string[] args) => StartWith(null, DllPath, args);

    public static ChildProcess StartWith(string[]? prefix, string dllPath, params string[] args)
    {
        var dotnet = Environment.ProcessPath is { } p && System.IO.Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        var info = new ProcessStartInfo(prefix is null ? dotnet : prefix[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (prefix is not null)
        {
            foreach (var a in prefix.Skip(1))
            {
                info.ArgumentList.Add(a);
            }

            info.ArgumentList.Add(dotnet);
        }

        info.ArgumentList.Add(dllPath);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        return new ChildProcess(Process.Start(info)!);
    }

    /// <summary>Reads stdout lines until one satisfies <paramref name="match"/>; fails the test on exit or timeout.</summary>
    public async Task WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var line = await _process.StandardOutput.ReadLineAsync(cts.Token);
            if (line is null)
            {
                throw new InvalidOperationException($"The child exited before the expected line. stderr: {await _process.StandardError.ReadToEndAsync()}");
            }

            if (match(line))
            {
                return;
            }
        }
    }

    /// <summary>SIGKILL (Process.Kill sends SIGKILL on Unix): no finally block, no flush, no cleanup runs in the child.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public async Task<(int ExitCode, string Output, string Error)> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var output = _process.StandardOutput.ReadToEndAsync(cts.Token);
        var error = _process.StandardError.ReadToEndAsync(cts.Token);
        await _process.WaitForExitAsync(cts.Token);
        return (_process.ExitCode, await output, await error);
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
