using System.CommandLine;
using System.Text.Json;

namespace Tenancy.Cli.Tests;

/// <summary>Usage errors (exit code 2, nothing changed), help with examples, and the data root rules.</summary>
public sealed class UsageTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Every_command_has_a_description_and_an_example_for_its_help()
    {
        var root = Tenantctl.BuildRoot(new GlobalOptions());

        Assert.NotEmpty(HelpExamples.Of(root));
        Assert.Equal(16, root.Subcommands.Count);
        foreach (var command in root.Subcommands)
        {
            Assert.False(string.IsNullOrWhiteSpace(command.Description), command.Name);
            Assert.True(HelpExamples.Of(command).Count > 0, $"`{command.Name}` has no example for --help");
            Assert.All(HelpExamples.Of(command), e => Assert.StartsWith($"tenantctl ", e));
        }
    }

    [Theory]
    [InlineData("copy")]
    [InlineData("create")]
    public void The_help_examples_that_copy_a_SQLite_template_pass_the_migrations(string verb)
    {
        // Without --migrations the tool knows version 0 only, and refuses any migrated template (exit 1): an example
        // copied from --help must work as written.
        var command = Tenantctl.BuildRoot(new GlobalOptions()).Subcommands.Single(c => c.Name == verb);
        var copies = HelpExamples.Of(command).Where(e => e.Contains("--data-root", StringComparison.Ordinal) && (verb == "copy" || e.Contains("--from", StringComparison.Ordinal))).ToList();

        Assert.NotEmpty(copies);
        Assert.All(copies, e => Assert.Contains("--migrations", e));
    }

    [Fact]
    public async Task Help_of_a_command_prints_its_examples()
    {
        var help = (await Tool.RunAsync("migrate", "--help")).Expect(0);

        Assert.Contains("Examples:", help.Stdout);
        Assert.Contains("migrate --all --dry-run", help.Stdout);
        Assert.Contains("--data-root", help.Stdout);
    }

    [Fact]
    public async Task An_unknown_command_is_a_usage_error()
    {
        var result = (await Tool.RunAsync("frobnicate", "--json")).Expect(2);

        Assert.Equal(2, result.Json.GetProperty("error").GetProperty("exitCode").GetInt32());
        Assert.Contains("--help", result.Stderr);
    }

    [Fact]
    public async Task A_missing_data_root_is_a_usage_error()
    {
        var result = (await Tool.RunAsync("list")).Expect(2);

        Assert.Contains("--data-root", result.Stderr);
    }

    [Fact]
    public async Task An_invalid_tenant_name_is_a_usage_error_and_creates_nothing()
    {
        var root = _folder["data"];

        var result = (await Tool.RunAsync("--data-root", root, "create", "Not_OK!", "--json")).Expect(2);

        Assert.Contains("slug", result.Json.GetProperty("error").GetProperty("message").GetString());
        Assert.False(File.Exists(Path.Combine(root, "tenants", "Not_OK!.db")));
    }

    [Fact]
    public async Task A_read_verb_on_a_missing_data_root_fails_without_creating_it()
    {
        var root = _folder["nowhere"];

        var result = (await Tool.RunAsync("--data-root", root, "list")).Expect(1);

        Assert.Contains("does not exist", result.Stderr);
        Assert.False(Directory.Exists(root));
    }

    [Fact]
    public async Task The_data_root_can_come_from_the_environment()
    {
        var root = _folder["data"];
        var info = Tool.StartInfo(["create", "acme", "--json"]);
        info.Environment["TENANTCTL_DATA_ROOT"] = root;
        using var process = System.Diagnostics.Process.Start(info)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(0, process.ExitCode);
        Assert.Equal("acme", JsonDocument.Parse(stdout).RootElement.GetProperty("tenant").GetProperty("slug").GetString());
        Assert.True(File.Exists(Path.Combine(root, "tenants", "acme.db")));
    }

    [Fact]
    public async Task A_path_template_that_leaves_the_data_root_is_a_usage_error()
    {
        var result = (await Tool.RunAsync("--data-root", _folder["data"], "--path-template", "../{tenant}.db", "create", "acme")).Expect(2);

        Assert.Contains("--path-template", result.Stderr);
    }
}
