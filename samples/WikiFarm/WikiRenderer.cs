using System.Security.Cryptography;
using System.Text;
using Ganss.Xss;
using Markdig;

namespace WikiFarm;

/// <summary>
/// Markdown → HTML with Markdig, then sanitized with HtmlSanitizer to the tags the wiki's admin allowed — never more than
/// <see cref="SafeTags"/>, whatever the preferences say.
/// </summary>
public sealed class WikiRenderer
{
    /// <summary>
    /// The most any wiki may allow: text, structure, links, images and tables. Nothing that changes how the page's own
    /// links resolve (<c>base</c>), loads active content (<c>embed</c>, <c>object</c>, <c>iframe</c>, <c>script</c>,
    /// <c>svg</c>, <c>math</c>), posts somewhere (<c>form</c>, <c>input</c>, <c>button</c>), swallows the rest of the
    /// page (<c>plaintext</c>, <c>xmp</c>, <c>textarea</c>), or styles or reloads it (<c>style</c>, <c>link</c>, <c>meta</c>).
    /// </summary>
    public static readonly IReadOnlySet<string> SafeTags = new HashSet<string>(
        """
        p br hr h1 h2 h3 h4 h5 h6 em strong b i u s del ins mark small sub sup code kbd samp var pre blockquote q cite abbr
        ul ol li dl dt dd a img figure figcaption table caption thead tbody tfoot tr th td colgroup col details summary div span
        """.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries),
        StringComparer.Ordinal);

    private const int RulesVersion = 2; // bump when the sanitizer's fixed options change: cached HTML is then re-rendered

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();
    private readonly HtmlSanitizer _sanitizer;

    public WikiRenderer(WikiPreferences preferences)
    {
        Preferences = preferences;
        var tags = preferences.AllowedTags.Where(SafeTags.Contains).Order(StringComparer.Ordinal).ToArray();
        Fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{RulesVersion}:{string.Join(' ', tags)}")))[..16];
        // Built from new HtmlSanitizerOptions { … } (not Empty()), so URL schemes are checked: javascript: links go.
        _sanitizer = new HtmlSanitizer(new HtmlSanitizerOptions
        {
            AllowedTags = new HashSet<string>(tags, StringComparer.OrdinalIgnoreCase),
            AllowedAttributes = new HashSet<string>(["href", "src", "alt", "title", "id", "align"], StringComparer.OrdinalIgnoreCase),
            AllowedSchemes = new HashSet<string>(["http", "https", "mailto"], StringComparer.OrdinalIgnoreCase),
            UriAttributes = new HashSet<string>(["href", "src"], StringComparer.OrdinalIgnoreCase),
        })
        {
            KeepChildNodes = true, // a tag the wiki does not allow goes, its text stays…
        };
        _sanitizer.RemovingTag += static (_, e) =>
        {
            if (e.Tag.LocalName is "script" or "style" or "template" or "noscript")
            {
                e.Tag.TextContent = ""; // …except the text of code and styles
            }
        };
    }

    public WikiPreferences Preferences { get; }

    /// <summary>
    /// Names the rules this renderer applies (the allowed tags it kept, and the sanitizer's version): HTML is cached per
    /// page, revision and fingerprint, so HTML rendered under older preferences is never served under newer ones.
    /// </summary>
    public string Fingerprint { get; }

    public string Render(string markdown) => _sanitizer.Sanitize(Markdown.ToHtml(markdown, Pipeline));
}
