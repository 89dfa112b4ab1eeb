namespace Tenancy.PackageTests;

/// <summary>
/// Every C# block of the README marked <c>&lt;!-- example --&gt;</c> builds as a new console project against the packed
/// packages, with warnings as errors: the front door cannot drift from the API (the convention is in the README's
/// Layout section and on <see cref="ReadmeExamples"/>).
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class ReadmeExampleTests(PackageFixture fixture)
{
    internal static IReadOnlyList<ReadmeExample> Examples() =>
        ReadmeExamples.Parse(File.ReadAllText(Path.Combine(PackageFixture.FindRepositoryRoot(), "README.md")));

    /// <summary>The examples, by the README line of their marker.</summary>
    public static TheoryData<int> ExampleLines()
    {
        var data = new TheoryData<int>();
        foreach (var example in Examples())
        {
            data.Add(example.Line);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ExampleLines))]
    public async Task The_README_example_builds_against_the_packed_packages(int line)
    {
        var example = Examples().Single(e => e.Line == line);
        foreach (string package in example.Packages)
        {
            await fixture.EnsurePackedAsync(package);
        }

        string references = string.Concat(example.Packages.Select(p => $"""<PackageReference Include="{p}" Version="{fixture.Version}" />"""));
        string expected = string.Join(';', example.ExpectedDiagnostics);
        var result = await fixture.CreateConsumer(
            $"readme-line-{line}",
            new Dictionary<string, string>
            {
                ["Consumer.csproj"] = fixture.ConsumerProject($"<WarningsNotAsErrors>$(WarningsNotAsErrors);{expected}</WarningsNotAsErrors>", references),
                ["Program.cs"] = example.Code,
            },
            run: false);

        Assert.True(result.BuildExitCode == 0, $"The README example at line {line} does not build:{Environment.NewLine}{result.BuildOutput}");
        foreach (string id in example.ExpectedDiagnostics)
        {
            Assert.True(result.BuildOutput.Contains($"warning {id}", StringComparison.Ordinal),
                $"The README example at line {line} says it shows {id}, but the build did not report it:{Environment.NewLine}{result.BuildOutput}");
        }
    }
}

/// <summary>How <see cref="ReadmeExamples"/> reads the marker (no package needed).</summary>
public sealed class ReadmeExampleMarkerTests
{
    [Fact]
    public void The_30_seconds_example_is_marked()
    {
        string readme = File.ReadAllText(Path.Combine(PackageFixture.FindRepositoryRoot(), "README.md"));
        int heading = readme.Replace("\r\n", "\n").Split('\n').ToList().FindIndex(l => l.StartsWith("## 30 seconds", StringComparison.Ordinal));

        Assert.True(heading >= 0, "README.md has no '## 30 seconds' section");
        Assert.Contains(ReadmeExampleTests.Examples(), e => e.Line > heading && e.Line <= heading + 3);
    }

    [Fact]
    public void A_marker_names_packages_and_diagnostics()
    {
        var examples = ReadmeExamples.Parse("""
            text
            <!-- example: TenantContext.Sqlite, TC1001 CS0618 -->
            ```csharp
            System.Console.WriteLine();
            ```
            <!-- example -->
            ```cs
            return;
            ```
            """);

        Assert.Equal(2, examples.Count);
        Assert.Equal(2, examples[0].Line);
        Assert.Equal(["TenantContext.Sqlite"], examples[0].Packages);
        Assert.Equal(["TC1001", "CS0618"], examples[0].ExpectedDiagnostics);
        Assert.Equal("System.Console.WriteLine();\n", examples[0].Code);
        Assert.Empty(examples[1].Packages);
    }

    [Theory]
    [InlineData("<!-- example -->\nsome text\n```csharp\nx\n```", "must be followed")]
    [InlineData("<!-- example -->\n```csharp\nx\n", "never closed")]
    [InlineData("<!-- example: Sqlite -->\n```csharp\nx\n```", "neither a package")]
    public void A_malformed_marker_is_an_error_naming_its_line(string markdown, string message)
    {
        var error = Assert.Throws<FormatException>(() => ReadmeExamples.Parse(markdown));

        Assert.Contains("line 1", error.Message);
        Assert.Contains(message, error.Message);
    }
}
