using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Text;

namespace Tenancy.PackageTests;

/// <summary>
/// Packs the shipped packages of this repository into a temporary feed once, with a unique pre-release version
/// (<c>0.1.0-pkgtest.{ticks}</c>, so the global NuGet cache never serves a stale copy), and builds and runs consumer
/// projects that reference them <em>by that version</em> through a real <c>dotnet build</c>.
/// </summary>
/// <remarks>
/// Use it through the <see cref="PackageCollection"/>: <c>[Collection(PackageCollection.Name)]</c> on the test class
/// and a <see cref="PackageFixture"/> constructor parameter. The packages are packed once for the whole collection.
/// </remarks>
public sealed class PackageFixture : IAsyncLifetime
{
    /// <summary>The packages the fixture tries to pack, by project folder under <c>src/</c>. The first is required.</summary>
    private static readonly string[] s_packableProjects = ["TenantContext", "TenantContext.Sqlite", "TenantContext.Npgsql", "TenantContext.Cli"];

    private static readonly TimeSpan s_processTimeout = TimeSpan.FromMinutes(10);

    private readonly List<string> _packed = [];
    private readonly SemaphoreSlim _packGate = new(1, 1);

    /// <summary>Creates the fixture; packing happens in <see cref="InitializeAsync"/>.</summary>
    public PackageFixture()
    {
        RepositoryRoot = FindRepositoryRoot();
        Version = $"0.1.0-pkgtest.{DateTime.UtcNow.Ticks}";
        WorkDirectory = Path.Combine(Path.GetTempPath(), "tc-pkgtest-" + Guid.NewGuid().ToString("N")[..12]);
        FeedDirectory = Path.Combine(WorkDirectory, "feed");
    }

    /// <summary>The repository root (the folder holding <c>TenantContext.sln</c>).</summary>
    public string RepositoryRoot { get; }

    /// <summary>The version every package was packed with.</summary>
    public string Version { get; }

    /// <summary>The temporary folder holding the feed, the pack's build output and the consumers; deleted at the end.</summary>
    public string WorkDirectory { get; }

    /// <summary>The local package source the packages were packed into.</summary>
    public string FeedDirectory { get; }

    /// <summary>The ids of the packages that were packed (always <c>TenantContext</c>; others when they build).</summary>
    public IReadOnlyList<string> PackedPackages => _packed;

    /// <summary>Why an optional package was not packed, by package id (its build output), for diagnosis.</summary>
    public IDictionary<string, string> SkippedPackages { get; } = new Dictionary<string, string>();

    /// <summary>The path of a packed package.</summary>
    /// <param name="id">The package id, e.g. <c>TenantContext</c>.</param>
    public string PackagePath(string id) => Path.Combine(FeedDirectory, $"{id}.{Version}.nupkg");

    /// <summary>Opens a packed package as a zip archive (the caller disposes it).</summary>
    /// <param name="id">The package id, e.g. <c>TenantContext</c>.</param>
    public ZipArchive OpenPackage(string id) => ZipFile.OpenRead(PackagePath(id));

    /// <summary>
    /// The default consumer project: a net10.0 console app with nullable enabled, warnings as errors, and a
    /// reference to <c>TenantContext</c> at <see cref="Version"/>.
    /// </summary>
    /// <param name="extraProperties">Extra MSBuild properties (XML) for the <c>PropertyGroup</c>.</param>
    /// <param name="extraItems">Extra items (XML) for an <c>ItemGroup</c>, e.g. more package references or AdditionalFiles.</param>
    public string ConsumerProject(string extraProperties = "", string extraItems = "") => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
            <LangVersion>latest</LangVersion>
            <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
            <NoWarn>$(NoWarn);NU1603</NoWarn>
            {extraProperties}
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="TenantContext" Version="{Version}" />
            {extraItems}
          </ItemGroup>
        </Project>
        """;

    /// <summary>
    /// Writes a consumer project to its own temporary folder, builds it with <c>dotnet build</c> and, when the build
    /// succeeds and <paramref name="run"/> is true, runs it with <c>dotnet run</c>.
    /// </summary>
    /// <param name="name">A folder name for the consumer (letters, digits, dots); unique within the fixture.</param>
    /// <param name="files">Relative path → content. <c>Consumer.csproj</c> defaults to <see cref="ConsumerProject"/>
    /// when no <c>.csproj</c> is given. A <c>nuget.config</c> that adds the feed is always written.</param>
    /// <param name="run">Whether to run the program after a successful build.</param>
    /// <param name="cancellationToken">Cancels the build or run (the process tree is killed).</param>
    /// <returns>The exit codes and output of the build and the run.</returns>
    public async Task<ConsumerResult> CreateConsumer(
        string name, IDictionary<string, string> files, bool run = true, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(files);
        string directory = Path.Combine(WorkDirectory, "consumers", name);
        if (Directory.Exists(directory))
        {
            throw new ArgumentException($"A consumer named '{name}' already exists in this fixture; give each consumer its own name.", nameof(name));
        }

        Directory.CreateDirectory(directory);
        // Stop MSBuild from importing any Directory.*.props above the temporary folder.
        File.WriteAllText(Path.Combine(directory, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(directory, "Directory.Packages.props"), "<Project />");
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="tenantcontext-pkgtest" value="{FeedDirectory}" />
              </packageSources>
            </configuration>
            """);
        if (!files.Keys.Any(f => f.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase)))
        {
            File.WriteAllText(Path.Combine(directory, "Consumer.csproj"), ConsumerProject());
        }

        foreach (var (path, content) in files)
        {
            string full = Path.GetFullPath(Path.Combine(directory, path));
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, content, cancellationToken);
        }

        var build = await DotnetAsync(directory, ["build", "-c", "Release", "-nodeReuse:false"], null, cancellationToken);
        if (build.ExitCode != 0 || !run)
        {
            return new ConsumerResult(directory, build.ExitCode, build.Output, null, "");
        }

        var runResult = await DotnetAsync(directory, ["run", "-c", "Release", "--no-build"], null, cancellationToken);
        return new ConsumerResult(directory, build.ExitCode, build.Output, runResult.ExitCode, runResult.Output);
    }

    /// <summary>Runs <c>dotnet</c> with the fixture's clean environment (no MSBuild or VSTest variables leak in).</summary>
    /// <param name="workingDirectory">Where to run.</param>
    /// <param name="arguments">The arguments after <c>dotnet</c>.</param>
    /// <returns>The exit code and the combined output.</returns>
    public Task<(int ExitCode, string Output)> RunDotnetAsync(string workingDirectory, params string[] arguments)
        => DotnetAsync(workingDirectory, arguments, null, CancellationToken.None);

    /// <summary>Packs <c>TenantContext</c> (required) and the other shipped packages that build (optional).</summary>
    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(FeedDirectory);
        foreach (string project in s_packableProjects)
        {
            string? failure = await PackAsync(project);
            if (failure is not null && project == s_packableProjects[0])
            {
                throw new InvalidOperationException(failure);
            }

            if (failure is not null)
            {
                SkippedPackages[project] = failure;
            }
        }
    }

    /// <summary>
    /// Makes sure the package of <c>src/<paramref name="id"/></c> is in the feed, packing it now if the fixture has
    /// not (the shipped packages beyond the core are packed on first request).
    /// </summary>
    /// <param name="id">The package id, which is also its project folder under <c>src/</c>.</param>
    /// <exception cref="InvalidOperationException">The project does not exist or does not pack; the message holds the output.</exception>
    public async Task EnsurePackedAsync(string id)
    {
        await _packGate.WaitAsync();
        try
        {
            if (_packed.Contains(id))
            {
                return;
            }

            string? failure = await PackAsync(id);
            if (failure is not null)
            {
                throw new InvalidOperationException(failure);
            }
        }
        finally
        {
            _packGate.Release();
        }
    }

    /// <summary>Packs one project of <c>src/</c> into the feed; returns why it failed, or null.</summary>
    private async Task<string?> PackAsync(string project)
    {
        string projectDirectory = Path.Combine(RepositoryRoot, "src", project);
        if (!Directory.Exists(projectDirectory))
        {
            return $"There is no project folder src/{project}.";
        }

        var pack = await DotnetAsync(
            RepositoryRoot,
            ["pack", projectDirectory, "-c", "Release", "-o", FeedDirectory, $"-p:Version={Version}", "-nodeReuse:false"],
            // A private build tree: no collision with builds running in the checkout, nothing stale.
            new Dictionary<string, string?> { ["TC_ARTIFACTS"] = Path.Combine(WorkDirectory, "artifacts") },
            CancellationToken.None);
        if (pack.ExitCode == 0 && File.Exists(PackagePath(project)))
        {
            _packed.Add(project);
            return null;
        }

        return $"dotnet pack of src/{project} failed (exit code {pack.ExitCode}); fix the build first. Output:{Environment.NewLine}{pack.Output}";
    }

    /// <summary>Deletes the temporary folder and this run's copies in the global NuGet cache.</summary>
    public Task DisposeAsync()
    {
        TryDelete(WorkDirectory);
        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (string id in _packed)
        {
            TryDelete(Path.Combine(cache, id.ToLowerInvariant(), Version));
        }

        return Task.CompletedTask;
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort: a leftover temporary folder must not fail the run.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Walks up from the test assembly (then from the source folder recorded at build time) to <c>TenantContext.sln</c>.</summary>
    internal static string FindRepositoryRoot()
    {
        var starts = new List<string> { AppContext.BaseDirectory };
        string? source = typeof(PackageFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "SourceDirectory")?.Value;
        if (source is not null)
        {
            starts.Add(source);
        }

        foreach (string start in starts)
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "TenantContext.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException(
            $"Could not find TenantContext.sln above {string.Join(" or ", starts)}; run the tests from a checkout of the repository.");
    }

    private static async Task<(int ExitCode, string Output)> DotnetAsync(
        string workingDirectory, string[] arguments, IDictionary<string, string?>? environment, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test host runs under MSBuild/VSTest; their variables would leak into the child build.
        foreach (string key in start.Environment.Keys.ToList())
        {
            if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                || key == "TC_ARTIFACTS")
            {
                start.Environment.Remove(key);
            }
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                start.Environment[key] = value;
            }
        }

        using var process = new Process { StartInfo = start };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_processTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException(
                $"'dotnet {string.Join(' ', arguments)}' in {workingDirectory} did not finish within {s_processTimeout.TotalMinutes} minutes (or was cancelled). Output so far:{Environment.NewLine}{output}");
        }

        process.WaitForExit(); // flushes the asynchronous output readers
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }
}

/// <summary>The outcome of <see cref="PackageFixture.CreateConsumer"/>.</summary>
/// <param name="Directory">The consumer's folder.</param>
/// <param name="BuildExitCode">The exit code of <c>dotnet build</c>.</param>
/// <param name="BuildOutput">The build's output (warnings and errors included).</param>
/// <param name="RunExitCode">The exit code of <c>dotnet run</c>, or null when it did not run.</param>
/// <param name="RunOutput">What the program wrote (stdout and stderr), empty when it did not run.</param>
public sealed record ConsumerResult(string Directory, int BuildExitCode, string BuildOutput, int? RunExitCode, string RunOutput)
{
    /// <summary>The exit code of the last step that ran: the run's when it ran, else the build's.</summary>
    public int ExitCode => RunExitCode ?? BuildExitCode;

    /// <summary>The build's and the run's output together.</summary>
    public string Output => BuildOutput + RunOutput;

    /// <summary>The program's output lines, trimmed.</summary>
    public IReadOnlyList<string> RunLines => RunOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>The xunit collection that shares one <see cref="PackageFixture"/> (one pack) among its test classes.</summary>
[CollectionDefinition(Name)]
public sealed class PackageCollection : ICollectionFixture<PackageFixture>
{
    /// <summary>The collection's name, for <c>[Collection(PackageCollection.Name)]</c>.</summary>
    public const string Name = "TenantContext package";
}
