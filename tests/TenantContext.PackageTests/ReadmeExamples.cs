using System.Text.RegularExpressions;

namespace Tenancy.PackageTests;

/// <summary>
/// The C# blocks of a Markdown file marked as examples: a <c>```csharp</c> fence on the line after
/// <c>&lt;!-- example --&gt;</c> (an HTML comment, invisible where the Markdown is rendered). After a colon the marker
/// may name, separated by spaces or commas, the extra packages the example references (<c>TenantContext.Sqlite</c>)
/// and the diagnostics it shows on purpose (<c>TC1001</c>, <c>CS0618</c>):
/// <c>&lt;!-- example: TenantContext.Sqlite TC1001 --&gt;</c>. An example is a whole program: top-level statements,
/// then types.
/// </summary>
public static partial class ReadmeExamples
{
    /// <summary>Reads every marked example of <paramref name="markdown"/>.</summary>
    /// <param name="markdown">The Markdown text.</param>
    /// <exception cref="FormatException">A marker that is not followed by a C# fence, a fence left open, or a word of the
    /// marker that is neither a package nor a diagnostic id; the message names the line.</exception>
    public static IReadOnlyList<ReadmeExample> Parse(string markdown)
    {
        var lines = markdown.Replace("\r\n", "\n").Split('\n');
        var examples = new List<ReadmeExample>();
        for (int i = 0; i < lines.Length; i++)
        {
            var marker = Marker().Match(lines[i].Trim());
            if (!marker.Success)
            {
                continue;
            }

            int line = i + 1;
            int fence = i + 1;
            if (fence >= lines.Length || !CSharpFence().IsMatch(lines[fence].Trim()))
            {
                throw new FormatException($"README line {line}: '<!-- example -->' must be followed, on the next line, by a ```csharp fence.");
            }

            var packages = new List<string>();
            var diagnostics = new List<string>();
            foreach (var word in marker.Groups["words"].Value.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries))
            {
                if (DiagnosticId().IsMatch(word))
                {
                    diagnostics.Add(word);
                }
                else if (word.StartsWith("TenantContext", StringComparison.Ordinal))
                {
                    packages.Add(word);
                }
                else
                {
                    throw new FormatException(
                        $"README line {line}: '{word}' in the example marker is neither a package (TenantContext.*) nor a diagnostic id (TC1001, CS0618).");
                }
            }

            int end = fence + 1;
            while (end < lines.Length && lines[end].Trim() != "```")
            {
                end++;
            }

            if (end == lines.Length)
            {
                throw new FormatException($"README line {line}: the example's fence is never closed.");
            }

            examples.Add(new ReadmeExample(line, string.Join('\n', lines[(fence + 1)..end]) + "\n", packages, diagnostics));
            i = end;
        }

        return examples;
    }

    [GeneratedRegex(@"^<!--\s*example\s*(:(?<words>[^>]*?))?\s*-->$")]
    private static partial Regex Marker();

    [GeneratedRegex(@"^```\s*(csharp|cs|c#)\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex CSharpFence();

    [GeneratedRegex(@"^(TC|CS)\d{4}$")]
    private static partial Regex DiagnosticId();
}

/// <summary>One marked C# block of the README.</summary>
/// <param name="Line">The marker's line number (1-based), which names the example.</param>
/// <param name="Code">The block's code: a whole program.</param>
/// <param name="Packages">Packages it needs beyond <c>TenantContext</c>.</param>
/// <param name="ExpectedDiagnostics">Diagnostics it shows on purpose: they must be reported, and do not fail its build.</param>
public sealed record ReadmeExample(int Line, string Code, IReadOnlyList<string> Packages, IReadOnlyList<string> ExpectedDiagnostics);
