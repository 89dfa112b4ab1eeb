using Ganss.Xss;
using Markdig;

namespace WikiFarm;

/// <summary>Markdown → HTML with Markdig, then sanitized to the wiki's own allowed tags with HtmlSanitizer.</summary>
public sealed class WikiRenderer
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();
    private readonly HtmlSanitizer _sanitizer;

    public WikiRenderer(WikiPreferences preferences)
    {
        Preferences = preferences;
        // Built from new HtmlSanitizerOptions { … } (not Empty()), so URL schemes are checked: javascript: links go.
        _sanitizer = new HtmlSanitizer(new HtmlSanitizerOptions
        {
            AllowedTags = new HashSet<string>(preferences.AllowedTags, StringComparer.OrdinalIgnoreCase),
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

    public string Render(string markdown) => _sanitizer.Sanitize(Markdown.ToHtml(markdown, Pipeline));
}
