using System.IO.Compression;
using System.Xml.Linq;

namespace Tenancy.PackageTests;

/// <summary>
/// The packed TenantContext asks no more of its dependencies than it uses: an app that pins Microsoft.Extensions.*
/// to the 8.x line restores (no NU1605 downgrade), builds with warnings as errors and runs its logging through the
/// tenant scope.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class DependencyPackageTests(PackageFixture fixture)
{
    private const string Program = """
        using Microsoft.Extensions.Logging;
        using Tenancy;

        var provider = new ScopeLogger();
        using var factory = LoggerFactory.Create(b => b.AddProvider(provider));
        TenantContext.Configure(b => b.UseLoggerFactory(factory));
        var logger = factory.CreateLogger("app");
        using (TenantContext.Enter("acme"))
        using (logger.BeginTenantScope())
        {
            logger.LogInformation("hello");
        }

        Console.WriteLine("scope=" + provider.LastScope);

        sealed class ScopeLogger : ILoggerProvider, ILogger
        {
            public string LastScope { get; private set; } = "";

            public ILogger CreateLogger(string categoryName) => this;

            public IDisposable? BeginScope<TState>(TState state) where TState : notnull
            {
                LastScope = state.ToString() ?? "";
                return null;
            }

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
            }

            public void Dispose()
            {
            }
        }
        """;

    [Fact]
    public async Task A_consumer_pinning_Microsoft_Extensions_8_restores_builds_and_runs()
    {
        var result = await fixture.CreateConsumer("extensions8", new Dictionary<string, string>
        {
            ["Consumer.csproj"] = fixture.ConsumerProject(extraItems: """
                <PackageReference Include="Microsoft.Extensions.Logging" Version="8.0.0" />
                <PackageReference Include="Microsoft.Extensions.Logging.Abstractions" Version="8.0.0" />
                <PackageReference Include="Microsoft.Extensions.DependencyInjection.Abstractions" Version="8.0.0" />
                """),
            ["Program.cs"] = Program,
        });

        Assert.True(result.BuildExitCode == 0, result.BuildOutput);
        Assert.DoesNotContain("NU1605", result.BuildOutput);
        Assert.Equal(0, result.RunExitCode);
        Assert.Contains("scope=Tenant:acme", result.RunLines);
    }

    [Fact]
    public void The_package_asks_for_no_Microsoft_Extensions_version_above_the_8_line()
    {
        using var package = fixture.OpenPackage("TenantContext");
        var nuspec = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var stream = nuspec.Open();
        var dependencies = XDocument.Load(stream).Descendants().Where(e => e.Name.LocalName == "dependency").ToList();

        Assert.NotEmpty(dependencies);
        foreach (var dependency in dependencies.Where(d => ((string)d.Attribute("id")!).StartsWith("Microsoft.Extensions.", StringComparison.Ordinal)))
        {
            var version = System.Version.Parse(((string)dependency.Attribute("version")!).Trim('[', ']', '(', ')').Split(',')[0]);
            Assert.True(version.Major <= 8, $"{dependency.Attribute("id")} {version}: an app pinned to Microsoft.Extensions 8.x could not restore");
        }
    }
}
