using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // signals, permissions and tmux: the tests need a Unix

namespace Tenancy.Cli.Tests;

/// <summary>Runs the built <c>tenantctl</c> (the <c>tenantctl.dll</c> beside the tests) as a separate process.</summary>
internal static class Tool
{
    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "tenantctl.dll");

    public static string Dotnet => Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";

    public static ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(Dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(DllPath);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment.Remove("TENANTCTL_DATA_ROOT");
        info.Environment.Remove("TENANTCTL_POSTGRES");
        info.Environment["DOTNET_NOLOGO"] = "1";
        return info;
    }

    public static async Task<ToolResult> RunAsync(params string[] args)
    {
        using var process = Process.Start(StartInfo(args))!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"tenantctl {string.Join(' ', args)} did not finish in 2 minutes. stderr: {await stderr}");
        }

        return new ToolResult(string.Join(' ', args), process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>What one run printed and returned.</summary>
internal sealed record ToolResult(string CommandLine, int ExitCode, string Stdout, string Stderr)
{
    /// <summary>stdout parsed as the single JSON document it must be.</summary>
    public JsonElement Json
    {
        get
        {
            try
            {
                using var document = JsonDocument.Parse(Stdout);
                return document.RootElement.Clone();
            }
            catch (JsonException ex)
            {
                throw new InvalidOperationException($"stdout of `tenantctl {CommandLine}` is not one JSON document ({ex.Message}):\n{Stdout}\nstderr:\n{Stderr}", ex);
            }
        }
    }

    public override string ToString() => $"tenantctl {CommandLine} → {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";

    public ToolResult Expect(int exitCode)
    {
        Assert.True(ExitCode == exitCode, $"expected exit code {exitCode}: {this}");
        return this;
    }
}

/// <summary>A temporary folder deleted at the end (SQLite pools cleared first).</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tenantctl-test-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Direct SQLite access for arranging and asserting.</summary>
internal static class Db
{
    public static void Exec(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public static long Scalar(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static string Hash(string path) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>
    /// Every file under a folder with its content hash: a snapshot to prove a command changed nothing. SQLite's shared-memory
    /// index (<c>-shm</c>) and an empty write-ahead log (<c>-wal</c>), which opening a WAL database for reading may create, hold no data and are left out.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Snapshot(string folder)
        => Directory.Exists(folder)
            ? Directory.GetFiles(folder, "*", SearchOption.AllDirectories)
                .Where(f => !f.EndsWith("-shm", StringComparison.Ordinal) && !(f.EndsWith("-wal", StringComparison.Ordinal) && new FileInfo(f).Length == 0))
                .Order(StringComparer.Ordinal).ToDictionary(f => f, Hash)
            : new Dictionary<string, string>();
}

/// <summary>JSON shape checks: a property exists with the given kind.</summary>
internal static class Shape
{
    public static JsonElement Has(this JsonElement element, string property, JsonValueKind kind)
    {
        Assert.True(element.TryGetProperty(property, out var value), $"missing \"{property}\" in {element}");
        Assert.True(value.ValueKind == kind, $"\"{property}\" is {value.ValueKind}, expected {kind}, in {element}");
        return value;
    }

    public static JsonElement HasNullable(this JsonElement element, string property, JsonValueKind kind)
    {
        Assert.True(element.TryGetProperty(property, out var value), $"missing \"{property}\" in {element}");
        Assert.True(value.ValueKind == kind || value.ValueKind == JsonValueKind.Null, $"\"{property}\" is {value.ValueKind}, expected {kind} or null, in {element}");
        return value;
    }

    /// <summary>A tenant object of list/show/create: slug, state, createdAt, archivedAt, template.</summary>
    public static JsonElement IsTenant(this JsonElement tenant, string slug, string state = "active")
    {
        Assert.Equal(slug, tenant.Has("slug", JsonValueKind.String).GetString());
        Assert.Equal(state, tenant.Has("state", JsonValueKind.String).GetString());
        Assert.True(DateTimeOffset.TryParse(tenant.Has("createdAt", JsonValueKind.String).GetString(), out _));
        tenant.HasNullable("archivedAt", JsonValueKind.String);
        tenant.HasNullable("template", JsonValueKind.String);
        return tenant;
    }

    public static string[] Slugs(this JsonElement array) => array.EnumerateArray().Select(t => t.GetProperty("slug").GetString()!).ToArray();
}
