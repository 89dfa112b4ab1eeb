using System.IO.Compression;
using System.Xml.Linq;

namespace Tenancy.PackageTests;

/// <summary>What <c>dotnet pack src/TenantContext</c> puts in the package.</summary>
[Collection(PackageCollection.Name)]
public sealed class PackageLayoutTests(PackageFixture fixture)
{
    private IReadOnlyList<string> Entries()
    {
        using var package = fixture.OpenPackage("TenantContext");
        return package.Entries.Select(e => e.FullName).ToList();
    }

    private XElement Metadata()
    {
        using var package = fixture.OpenPackage("TenantContext");
        var nuspec = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var stream = nuspec.Open();
        return XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }

    private static string? Value(XElement metadata, string name) => metadata.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value;

    [Fact]
    public void Package_is_packed_with_the_requested_version()
        => Assert.True(File.Exists(fixture.PackagePath("TenantContext")), $"Expected {fixture.PackagePath("TenantContext")}");

    [Fact]
    public void Runtime_library_and_its_xml_documentation_are_under_lib_net10()
    {
        var entries = Entries();
        Assert.Contains("lib/net10.0/TenantContext.dll", entries);
        Assert.Contains("lib/net10.0/TenantContext.xml", entries);
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && !e.StartsWith("lib/net10.0/", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("TenantContext.Generators.dll")]
    [InlineData("TenantContext.Analyzers.dll")]
    [InlineData("TenantContext.Analyzers.CodeFixes.dll")]
    public void Roslyn_component_is_under_analyzers_dotnet_cs(string assembly)
        => Assert.Contains($"analyzers/dotnet/cs/{assembly}", Entries());

    [Fact]
    public void Roslyn_components_are_not_also_packed_as_libraries()
        => Assert.DoesNotContain(Entries(), e => e.StartsWith("lib/", StringComparison.Ordinal) && e.Contains(".Generators", StringComparison.Ordinal)
                                                 || e.StartsWith("lib/", StringComparison.Ordinal) && e.Contains(".Analyzers", StringComparison.Ordinal));

    [Fact]
    public void Package_readme_is_the_repository_readme()
    {
        using var package = fixture.OpenPackage("TenantContext");
        var readme = package.GetEntry("README.md");
        Assert.NotNull(readme);
        using var reader = new StreamReader(readme.Open());
        // The title line, not the whole text: the README may be edited while the tests run.
        string title = File.ReadLines(Path.Combine(fixture.RepositoryRoot, "README.md")).First();
        Assert.Equal(title, reader.ReadLine());
        Assert.Equal("README.md", Value(Metadata(), "readme"));
    }

    [Fact]
    public void Package_has_no_dependency_on_Microsoft_CodeAnalysis()
    {
        var dependencies = Metadata().Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => e.Attribute("id")!.Value).ToList();
        Assert.DoesNotContain(dependencies, id => id.StartsWith("Microsoft.CodeAnalysis", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(dependencies, id => id.StartsWith("TenantContext.", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Package_metadata_names_description_licence_and_repository()
    {
        var metadata = Metadata();
        Assert.False(string.IsNullOrWhiteSpace(Value(metadata, "description")));
        var license = metadata.Elements().Single(e => e.Name.LocalName == "license");
        Assert.Equal("expression", license.Attribute("type")?.Value);
        Assert.Contains("MIT", license.Value, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(Value(metadata, "tags")));
        var repository = metadata.Elements().Single(e => e.Name.LocalName == "repository");
        Assert.StartsWith("https://", repository.Attribute("url")!.Value, StringComparison.Ordinal);
    }
}
