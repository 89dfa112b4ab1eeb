using System.Diagnostics;
using System.Text.Json;

namespace Tenancy.PackageTests;

/// <summary>The packed <c>TenantContext.Cli</c> installs with <c>dotnet tool install</c> from a local feed and runs as <c>tenantctl</c>.</summary>
[Collection(PackageCollection.Name)]
public sealed class ToolPackageTests
{
    private readonly PackageFixture _fixture;

    public ToolPackageTests(PackageFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task The_packed_tool_installs_from_a_folder_feed_and_runs_as_tenantctl()
    {
        Assert.True(_fixture.PackedPackages.Contains("TenantContext.Cli"),
            "TenantContext.Cli was not packed: " + (_fixture.SkippedPackages.TryGetValue("TenantContext.Cli", out var why) ? why : "no reason recorded"));
        var work = Path.Combine(_fixture.WorkDirectory, "tool");
        Directory.CreateDirectory(work);
        var config = Path.Combine(work, "nuget.config");
        File.WriteAllText(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="tenantcontext-pkgtest" value="{_fixture.FeedDirectory}" />
              </packageSources>
            </configuration>
            """);
        var tools = Path.Combine(work, "tools");

        var install = await _fixture.RunDotnetAsync(work, "tool", "install", "TenantContext.Cli", "--version", _fixture.Version, "--tool-path", tools, "--configfile", config);
        Assert.True(install.ExitCode == 0, install.Output);

        var executable = Path.Combine(tools, OperatingSystem.IsWindows() ? "tenantctl.exe" : "tenantctl");
        Assert.True(File.Exists(executable), $"no {executable} after install: {install.Output}");
        var data = Path.Combine(work, "data");
        var create = await RunAsync(executable, "--data-root", data, "create", "acme", "--json");
        Assert.True(create.ExitCode == 0, create.Output);
        var list = await RunAsync(executable, "list", "--data-root", data, "--json");
        Assert.True(list.ExitCode == 0, list.Output);
        using var document = JsonDocument.Parse(list.Stdout);
        Assert.Equal("acme", document.RootElement.GetProperty("tenants")[0].GetProperty("slug").GetString());
        Assert.True(File.Exists(Path.Combine(data, "tenants", "acme.db")));
    }

    private static async Task<(int ExitCode, string Stdout, string Output)> RunAsync(string executable, params string[] args)
    {
        var info = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stdout + await stderr);
    }
}
